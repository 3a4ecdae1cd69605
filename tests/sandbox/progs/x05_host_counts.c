/*
 * X5: calls that take a resource the host counts for everyone are not
 * there: kernel AIO (io_setup reserves from the host-wide fs.aio-max-nr)
 * and inotify (instances and watches are charged to the service user).
 * Outcome B: each fails with ENOSYS (as on a kernel without them).
 */
#include <sys/syscall.h>

#include "attack.h"

int
main(void)
{
	unsigned long	ctx = 0;

	check("io_setup 65536", syscall(SYS_io_setup, 65536, &ctx), 0);
	ctx = 0;
	check("io_setup 1", syscall(SYS_io_setup, 1, &ctx), 0);
	check("inotify_init1", syscall(SYS_inotify_init1, 0), 0);
	check("inotify_init", syscall(SYS_inotify_init), 0);
	finish();
}
