/*
 * X6: two runs at the same time share no inode state.  Every host file a
 * box sees is one inode on the host; if two boxes saw the same inode, a
 * lock one takes would be seen by the other.
 *
 *   x06 hold SECONDS   takes every kind of lock on the files below, prints
 *                      "held <t0> <t1>" (CLOCK_MONOTONIC, ms) around a
 *                      sleep of SECONDS, and exits;
 *   x06 probe          at time t, tests for a conflicting lock of each
 *                      kind on the same files; prints "probe <t>" on
 *                      stderr and BLOCKED if it saw none, ESCAPED lines
 *                      if it did.
 *
 * The harness runs a holder and, within its window, a prober in another
 * slot, and checks t0 < probe t < t1.
 */
#include <sys/file.h>

#include <fcntl.h>
#include <time.h>

#include "attack.h"

static const char *const files[] = {
	"/usr/bin/true", "/etc/ld.so.cache", "/dev/null", "/dev/urandom",
};

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
lock_all(int fd, const char *f)
{
	struct flock	fl;

	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		fprintf(stderr, "hold %s: flock: %s\n", f, strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 10;
	if (fcntl(fd, F_SETLK, &fl) == -1)
		fprintf(stderr, "hold %s: posix: %s\n", f, strerror(errno));
	fl.l_start = 100;
	if (fcntl(fd, F_OFD_SETLK, &fl) == -1)
		fprintf(stderr, "hold %s: ofd: %s\n", f, strerror(errno));
}

static void
probe(int fd, const char *f)
{
	struct flock	fl;

	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		escape("%s: flock sees a lock (%s)", f, strerrorname_np(errno));
	else
		flock(fd, LOCK_UN);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 10;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		escape("%s: F_GETLK sees a lock", f);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 100;
	fl.l_len = 10;
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		escape("%s: F_OFD_GETLK sees a lock", f);
}

int
main(int argc, char **argv)
{
	int		fd[4];
	size_t		i;
	long long	t0;

	if (argc < 2)
		return 2;
	for (i = 0; i < 4; i++)
		if ((fd[i] = open(files[i], O_RDONLY)) == -1) {
			printf("open %s: %s\n", files[i], strerror(errno));
			return 3;
		}
	if (strcmp(argv[1], "hold") == 0 && argc == 3) {
		for (i = 0; i < 4; i++)
			lock_all(fd[i], files[i]);
		t0 = now_ms();
		usleep(atoi(argv[2]) * 1000000);
		printf("held %lld %lld\n", t0, now_ms());
		return 0;
	}
	fprintf(stderr, "probe %lld\n", now_ms());
	for (i = 0; i < 4; i++)
		probe(fd[i], files[i]);
	finish();
}
