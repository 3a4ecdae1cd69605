/*
 * A0 probe: prints what a program in the box can see, one fact a line, in
 * a stable order so that two runs in a fresh slot print the same text.
 * "a00_probe --loop MS" repeats the probe for MS milliseconds (G8 victim)
 * and prints the probe once more followed by "LOOP_OK".
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
count_dir(const char *path, int numeric, char *names, size_t size)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if (names != NULL)
		names[0] = '\0';
	if ((d = opendir(path)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (numeric && !isdigit((unsigned char)e->d_name[0]))
			continue;
		n++;
		if (names != NULL && strlen(names) + strlen(e->d_name) + 2 <
		    size) {
			strcat(names, " ");
			strcat(names, e->d_name);
		}
	}
	closedir(d);
	return n;
}

static int
count_lines(const char *path)
{
	FILE	*f;
	int	 c, n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n > 0 ? n - 1 : 0;	/* minus the header */
}

static const char *
ftype(mode_t m)
{
	if (S_ISREG(m)) return "reg";
	if (S_ISDIR(m)) return "dir";
	if (S_ISCHR(m)) return "chr";
	if (S_ISBLK(m)) return "blk";
	if (S_ISFIFO(m)) return "fifo";
	if (S_ISSOCK(m)) return "sock";
	if (S_ISLNK(m)) return "lnk";
	return "?";
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
probe(FILE *o)
{
	char		 buf[4096], cwd[4096], *names[256];
	struct utsname	 u;
	struct stat	 st;
	int		 fd, n, i;

	fprintf(o, "uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(),
	    (int)geteuid(), (int)getgid(), (int)getegid());
	fprintf(o, "pid=%d\n", (int)getpid());
	fprintf(o, "procpids=%d\n", count_dir("/proc", 1, NULL, 0));
	/* fds: before opening anything else (opendir above is closed) */
	for (fd = 0; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) == -1)
			continue;
		if (fstat(fd, &st) == -1)
			continue;
		fprintf(o, "fd %d %s\n", fd, ftype(st.st_mode));
	}
	n = 0;
	for (i = 0; environ[i] != NULL && n < 256; i++) {
		names[n] = strdup(environ[i]);
		*strchrnul(names[n], '=') = '\0';
		n++;
	}
	qsort(names, n, sizeof(names[0]), cmp);
	fprintf(o, "env");
	for (i = 0; i < n; i++) {
		fprintf(o, " %s", names[i]);
		free(names[i]);
	}
	fprintf(o, "\n");
	fprintf(o, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	if (uname(&u) == 0)
		fprintf(o, "hostname=%s\n", u.nodename);
	n = count_dir(".", 0, buf, sizeof(buf));
	fprintf(o, "cwd_entries=%d%s\n", n, buf);
	fprintf(o, "tmp_entries=%d\n", count_dir("/tmp", 0, NULL, 0));
	fprintf(o, "shm_entries=%d\n", count_dir("/dev/shm", 0, NULL, 0));
	fprintf(o, "sysv shm=%d sem=%d msg=%d\n",
	    count_lines("/proc/sysvipc/shm"), count_lines("/proc/sysvipc/sem"),
	    count_lines("/proc/sysvipc/msg"));
	if ((fd = open("/dev/tty", O_RDWR)) == -1)
		fprintf(o, "tty=%s\n", strerrorname_np(errno));
	else {
		fprintf(o, "tty=OPEN\n");
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	struct timespec	 t0, t;
	FILE		*null;
	long		 ms, loops = 0;

	if (argc == 3 && strcmp(argv[1], "--loop") == 0) {
		ms = atol(argv[2]);
		null = fopen("/dev/null", "w");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			probe(null);
			loops++;
			usleep(20000);
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
		fclose(null);
		probe(stdout);
		printf("LOOP_OK\n");
		return 0;
	}
	probe(stdout);
	return 0;
}
