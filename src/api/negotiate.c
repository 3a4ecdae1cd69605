/*
 * Content negotiation, request policy rather than HTML: which
 * representation the client wants (Accept), and what a body says it is
 * (Content-Type).  There is one media type matcher, neg_ct_is; the
 * multipart parser reads its own boundary parameter.
 */
#include <string.h>
#include <strings.h>

#include "negotiate.h"

/* q of one media range's parameters at [p, end): 1 unless q= says. */
static double
qvalue(const char *p, const char *end)
{
	double	q = 1, scale = 0.1;

	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			p += 2;
			if (p < end && (*p == '0' || *p == '1')) {
				q = *p++ - '0';
				if (p < end && *p == '.')
					for (p++; p < end && *p >= '0' &&
					    *p <= '9'; p++) {
						q += (*p - '0') * scale;
						scale /= 10;
					}
			} else
				q = 0;
			return q > 1 ? 1 : q;
		}
		while (p < end && *p != ';')
			p++;
	}
	return q;
}

int
neg_wants_html(const char *accept)
{
	const char	*p, *end, *m, *mend;
	double		 q, q_html = 0, q_json = -1, q_wild = -1;
	int		 pos, html_pos = -1, json_pos = -1, wild_pos = -1;
	size_t		 n;

	if (accept == NULL)
		return 0;
	for (p = accept, pos = 0; *p != '\0'; pos++) {
		end = p + strcspn(p, ",");
		for (m = p; m < end && (*m == ' ' || *m == '\t'); m++)
			;
		for (mend = m; mend < end && *mend != ';' && *mend != ' ' &&
		    *mend != '\t'; mend++)
			;
		n = (size_t)(mend - m);
		q = qvalue(mend, end);
		if ((n == 9 && strncasecmp(m, "text/html", n) == 0) ||
		    (n == 21 && strncasecmp(m, "application/xhtml+xml",
		    n) == 0)) {
			if (q > q_html) {
				q_html = q;
				html_pos = pos;
			}
		} else if (n == 16 && strncasecmp(m, "application/json",
		    n) == 0) {
			if (q > q_json) {
				q_json = q;
				json_pos = pos;
			}
		} else if ((n == 3 && strncmp(m, "*/*", 3) == 0) ||
		    (n == 13 && strncasecmp(m, "application/*", n) == 0)) {
			if (q > q_wild) {
				q_wild = q;
				wild_pos = pos;
			}
		}
		p = *end == ',' ? end + 1 : end;
	}
	/* JSON's own q if it is listed, else what a wildcard gives it */
	if (q_json < 0) {
		q_json = q_wild;
		json_pos = wild_pos;
	}
	if (q_html <= 0)
		return 0;
	return q_html > q_json || (q_html == q_json && html_pos < json_pos);
}

int
neg_ct_is(const char *ct, const char *type)
{
	size_t	n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	/* "+json" stands for any application/<x>+json */
	if (strcmp(type, "+json") == 0)
		return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
		    strncasecmp(ct + n - 5, "+json", 5) == 0;
	return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

int
neg_ct_json(const char *ct)
{
	return neg_ct_is(ct, "application/json") || neg_ct_is(ct, "+json");
}
