/*
 * R1: what one run could leave for the next run of the same slot, which
 * shares the slot's user and network namespaces (sandbox.c's theory of
 * operation).  Not a corpus entry: tests/sandbox/test_slot_reuse.py runs
 * "leave" and "look" alternately through one sandbox handle.
 *
 *   leave  binds abstract unix sockets, datagram and listening, and puts
 *          their fds in flight in socket queues that nothing else holds
 *          (so they outlive the run until the kernel's unix garbage
 *          collector frees them); a plain listening socket as well; SysV
 *          shm, sem and msg objects; files in /tmp, /dev/shm and /box, and
 *          tries files and dirs in /, /etc and /dev (the slot's root, which
 *          every run gets a read-only copy of); a daemon that outlives the
 *          program.  Prints "LEFT <n sockets>".
 *   look   prints "CLEAN" if it finds none of that: no socket in
 *          /proc/net/unix, no name it can send to, connect to or that is
 *          taken when it binds it, no SysV object, no file, no process but
 *          itself and init.  Otherwise prints what it found.
 *
 * Both print "netns <inode>" first.
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAMES		64
#define IPC_KEY		0x63720001

static socklen_t
abstract(struct sockaddr_un *sa, const char *kind, int i)
{
	int	n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
	    "cr-%s-%d", kind, i);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int
send_fds(int sock, const int *fds, int n)
{
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	char		 c = 'x';

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov.iov_base = &c;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

/* In the slot's root, which a run must not be able to change. */
static const char *const root_paths[] = {
	"/cr-left", "/etc/cr-left", "/dev/cr-left", "/usr/cr-left",
};

static void
write_file(const char *path)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT, 0666)) != -1) {
		(void)!write(fd, "left\n", 5);
		close(fd);
	}
}

static int
leave(void)
{
	struct sockaddr_un	sa;
	socklen_t		len;
	int			i, n = 0, d, l, pair[2], fds[3], plain;

	for (i = 0; i < NAMES; i++) {
		d = socket(AF_UNIX, SOCK_DGRAM, 0);
		l = socket(AF_UNIX, SOCK_STREAM, 0);
		if (d == -1 || l == -1 ||
		    socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == -1)
			break;
		len = abstract(&sa, "dgram", i);
		if (bind(d, (struct sockaddr *)&sa, len) == -1)
			break;
		len = abstract(&sa, "listen", i);
		if (bind(l, (struct sockaddr *)&sa, len) == -1 ||
		    listen(l, 4) == -1)
			break;
		/* each end of the pair in the other's queue, with d and l */
		fds[0] = d;
		fds[1] = l;
		fds[2] = pair[0];
		if (send_fds(pair[1], fds, 3) == -1 ||
		    send_fds(pair[0], &pair[1], 1) == -1)
			break;	/* ETOOMANYREFS: the in-flight cap */
		close(d);
		close(l);
		close(pair[0]);
		close(pair[1]);
		n++;
	}
	plain = socket(AF_UNIX, SOCK_STREAM, 0);
	len = abstract(&sa, "plain", 0);
	if (plain != -1 && bind(plain, (struct sockaddr *)&sa, len) == 0)
		(void)listen(plain, 4);

	(void)shmget(IPC_KEY, 4096, IPC_CREAT | 0666);
	(void)semget(IPC_KEY, 1, IPC_CREAT | 0666);
	(void)msgget(IPC_KEY, IPC_CREAT | 0666);
	write_file("/tmp/cr-left");
	write_file("/dev/shm/cr-left");
	write_file("/box/cr-left");
	for (i = 0; i < (int)(sizeof(root_paths) / sizeof(root_paths[0])); i++) {
		write_file(root_paths[i]);
		(void)mkdir(root_paths[i], 0777);
	}

	/* a daemon: its own session, reparented to init, sleeping on */
	if (fork() == 0) {
		(void)setsid();
		if (fork() == 0) {
			sleep(30);
			_exit(0);
		}
		_exit(0);
	}
	printf("LEFT %d\n", n);
	return 0;
}

/* Lines of a /proc table after its header. */
static int
table_rows(const char *path)
{
	char	 line[512];
	FILE	*f;
	int	 n = -1;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n < 0 ? 0 : n;
}

static int
dir_entries(const char *path)
{
	struct dirent	*e;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
other_pids(void)
{
	struct dirent	*e;
	DIR		*d;
	int		 n = 0, pid;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		pid = atoi(e->d_name);
		if (pid > 1 && pid != (int)getpid())
			n++;
	}
	closedir(d);
	return n;
}

static int
look(void)
{
	struct sockaddr_un	sa;
	socklen_t		len;
	int			i, fd, sent = 0, conn = 0, taken = 0, found = 0;
	int			sockets, ipc, files, pids;

	/* before we make sockets of our own */
	sockets = table_rows("/proc/net/unix");
	for (i = 0; i < NAMES; i++) {
		if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
			break;
		len = abstract(&sa, "dgram", i);
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, len) == 1)
			sent++;
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			break;
		len = abstract(&sa, "listen", i);
		if (connect(fd, (struct sockaddr *)&sa, len) == 0)
			conn++;
		close(fd);
		if (i == 0 && (fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
			len = abstract(&sa, "plain", 0);
			if (connect(fd, (struct sockaddr *)&sa, len) == 0)
				conn++;
			close(fd);
		}
		if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
			break;
		len = abstract(&sa, "dgram", i);
		if (bind(fd, (struct sockaddr *)&sa, len) == -1 &&
		    errno == EADDRINUSE)
			taken++;
		close(fd);
	}
	ipc = table_rows("/proc/sysvipc/shm") +
	    table_rows("/proc/sysvipc/sem") + table_rows("/proc/sysvipc/msg");
	if (shmget(IPC_KEY, 0, 0) != -1 || semget(IPC_KEY, 0, 0) != -1 ||
	    msgget(IPC_KEY, 0) != -1)
		ipc++;
	files = dir_entries("/tmp") + dir_entries("/dev/shm") +
	    dir_entries("/box");
	for (i = 0; i < (int)(sizeof(root_paths) / sizeof(root_paths[0])); i++)
		if (access(root_paths[i], F_OK) == 0)
			files++;
	pids = other_pids();
	found = sockets + sent + conn + taken + ipc + files + pids;
	if (found == 0)
		printf("CLEAN\n");
	else
		printf("FOUND sockets=%d sent=%d connected=%d taken=%d ipc=%d "
		    "files=%d pids=%d\n", sockets, sent, conn, taken, ipc,
		    files, pids);
	return 0;
}

int
main(int argc, char **argv)
{
	char	ns[64];
	ssize_t	n;

	if ((n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1)) < 0)
		n = 0;
	ns[n] = '\0';
	printf("netns %s\n", ns);
	if (argc > 1 && strcmp(argv[1], "leave") == 0)
		return leave();
	if (argc > 1 && strcmp(argv[1], "look") == 0)
		return look();
	fprintf(stderr, "usage: r01_leftovers leave|look\n");
	return 2;
}
