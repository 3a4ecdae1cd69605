/* A46: the mount family. */
#include <sys/mount.h>
#include <sys/syscall.h>

#include <fcntl.h>

#include "attack.h"

int
main(void)
{
	check("mount tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL), 0);
	check("umount2 /proc", umount2("/proc", MNT_DETACH), 0);
	check("pivot_root", syscall(SYS_pivot_root, ".", "."), 0);
	check("chroot /", chroot("/"), 0);
	check("fsopen", syscall(SYS_fsopen, "tmpfs", 0), 0);
	check("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/usr",
	    1 /* OPEN_TREE_CLONE */), 0);
	check("move_mount", syscall(SYS_move_mount, AT_FDCWD, "/usr",
	    AT_FDCWD, "/tmp", 0), 0);
	check("mount_setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/usr",
	    0, NULL, 0), 0);
	finish();
}
