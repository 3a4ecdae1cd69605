#ifndef API_PROMETHEUS_H
#define API_PROMETHEUS_H

#include <stdint.h>

struct buf;
struct err;
struct lang_table;
struct metrics;

/*
 * Appends the Prometheus text of m (NULL: no counters) and the gauges
 * given to b: the node that answers (NULL: none named), the queue's depth
 * (of every node sharing the store) and this node's jobs running now.
 * Returns 0, or -1 with err set.
 */
int	prom_render(const struct metrics *m, const struct lang_table *,
	    const char *node, int64_t queue_depth, int64_t running,
	    struct buf *b, struct err *);

#endif
