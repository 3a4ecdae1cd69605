/* A45: host setuid binaries (those present) must not give euid 0. */
#include <sys/wait.h>

#include <fcntl.h>

#include "attack.h"

static void
run(const char *what, char *const argv[], int priv_if_ok)
{
	char	buf[4096];
	int	p[2], st, n, got = 0;
	pid_t	pid;

	if (access(argv[0], X_OK) == -1) {
		fprintf(stderr, "%s: absent\n", argv[0]);
		return;
	}
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		int	nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (got < (int)sizeof(buf) - 1 &&
	    (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	fprintf(stderr, "%s: status %d: %.200s\n", what, st, buf);
	if (strstr(buf, "uid=0") != NULL || strcmp(buf, "0\n") == 0)
		escape("%s reports euid 0", what);
	if (priv_if_ok && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		escape("%s succeeded", what);
}

int
main(void)
{
	char	*sudo[] = { "/usr/bin/sudo", "-n", "id", "-u", NULL };
	char	*su[] = { "/usr/bin/su", "-c", "id", NULL };
	char	*passwd[] = { "/usr/bin/passwd", "-S", "root", NULL };
	char	*mnt[] = { "/bin/mount", "-t", "tmpfs", "none", "/tmp", NULL };
	char	*nuid[] = { "/usr/bin/newuidmap", "1", "0", "0", "1", NULL };
	char	*ping[] = { "/bin/ping", "-c1", "127.0.0.1", NULL };

	run("sudo", sudo, 1);
	run("su", su, 1);
	run("passwd", passwd, 1);
	run("mount", mnt, 1);
	run("newuidmap", nuid, 1);
	run("ping", ping, 1);
	finish();
}
