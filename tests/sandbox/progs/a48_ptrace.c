/* A48: ptrace and foreign memory. */
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <fcntl.h>

#include "attack.h"

int
main(void)
{
	struct iovec	l, r;
	char		buf[64], path[64];
	pid_t		pp = getppid(), pid;
	int		st;

	check("ptrace attach ppid", ptrace(PTRACE_ATTACH, pp, 0, 0), 0);
	check("ptrace attach 1", ptrace(PTRACE_ATTACH, 1, 0, 0), 0);
	l.iov_base = buf;
	l.iov_len = sizeof(buf);
	r.iov_base = (void *)0x400000;
	r.iov_len = sizeof(buf);
	check("process_vm_readv", process_vm_readv(pp, &l, 1, &r, 1, 0), 0);
	check("process_vm_writev", process_vm_writev(pp, &l, 1, &r, 1, 0), 0);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pp);
	check(path, open(path, O_RDWR), 0);
	if ((pid = fork()) == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == -1)
			_exit(3);
		execl("/usr/bin/su", "su", "-c", "true", (char *)NULL);
		_exit(4);
	}
	waitpid(pid, &st, 0);
	if (WIFSTOPPED(st)) {
		escape("PTRACE_TRACEME worked");
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	} else
		fprintf(stderr, "traceme child: status %d\n", st);
	finish();
}
