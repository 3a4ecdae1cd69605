/*
 * A29: pid sweep.  Visible = kill(pid, 0) is 0 or EPERM; signalable = 0.
 * Escaped: more than 34 visible pids, or a signalable pid whose owner is
 * not the box's uid (pid 1 is the run's own init, a helper of the run).
 */
#include <signal.h>
#include <stdio.h>

#include "attack.h"

static int
status_uid(int pid)
{
	char	path[64], line[256];
	FILE	*f;
	int	uid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Uid: %d", &uid) == 1)
			break;
	fclose(f);
	return uid;
}

int
main(void)
{
	int	pid, visible = 0, sig[65536], nsig = 0, i, uid;

	for (pid = 2; pid <= 65535; pid++) {
		if (kill(pid, 0) == 0) {
			visible++;
			sig[nsig++] = pid;
		} else if (errno == EPERM)
			visible++;
	}
	if (kill(1, 0) == 0 || errno == EPERM)
		visible++;
	fprintf(stderr, "visible=%d signalable=%d\n", visible, nsig);
	if (visible > 34)
		escape("%d pids visible", visible);
	for (i = 0; i < nsig; i++) {
		if (sig[i] == getpid())
			continue;
		uid = status_uid(sig[i]);
		if (uid != -1 && uid != (int)getuid())
			escape("pid %d of uid %d is signalable", sig[i], uid);
		kill(sig[i], SIGKILL);
	}
	finish();
}
