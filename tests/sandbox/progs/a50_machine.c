/* A50: machine-level calls. */
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/quota.h>
#include <sys/reboot.h>
#include <sys/swap.h>
#include <sys/syscall.h>

#include <fcntl.h>
#include <stdlib.h>

#include "attack.h"

int
main(void)
{
	int	st;

	close(open("/box/x", O_WRONLY | O_CREAT, 0644));
	check("reboot", reboot(RB_AUTOBOOT), 0);
	st = system("reboot 2>/dev/null");
	fprintf(stderr, "system(reboot): %d\n", st);
	if (st == 0)
		escape("system(reboot) exited 0");
	check("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0), 0);
	check("finit_module", syscall(SYS_finit_module, -1, "", 0), 0);
	check("delete_module", syscall(SYS_delete_module, "loop", 0), 0);
	check("swapon", swapon("/box/x", 0), 0);
	check("acct", acct("/box/x"), 0);
	check("syslog", klogctl(3, NULL, 0), 0);
	check("iopl", iopl(3), 0);
	check("ioperm", ioperm(0x80, 1, 1), 0);
	check("quotactl", quotactl(QCMD(Q_GETQUOTA, USRQUOTA), "/dev/sda", 0,
	    NULL), 0);
	finish();
}
