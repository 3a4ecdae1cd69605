/*
 * The seccomp filter at run time: the policy (seccomp_policy.c, which
 * says what is denied and why) was built at build time by seccomp-gen
 * into two BPF programs and a table of the native call names
 * (build/gen/seccomp_bpf.c).  Here the programs pick the build their
 * kernel can take, answer the notifications of the notify build, and
 * name the calls a run was denied.  Nothing here links libseccomp.
 */
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <linux/seccomp.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox_int.h"

void
seccomp_prog_get(struct seccomp_prog *prog, int notify)
{
	if (notify) {
		prog->filter = seccomp_bpf_notify;
		prog->len = seccomp_bpf_notify_len;
	} else {
		prog->filter = seccomp_bpf_errno;
		prog->len = seccomp_bpf_errno_len;
	}
}

int
seccomp_deny_errno(int nr)
{
	/* only native calls get here: other ABIs are killed */
	if (nr == SYS_socket || nr == SYS_socketpair)
		return EAFNOSUPPORT;
	return SECCOMP_DENY_ERRNO;
}

int
sandbox_syscall_name(int nr, char *buf, size_t size)
{
	if (nr < 0 || nr >= seccomp_nnames || seccomp_names[nr] == NULL)
		return snprintf(buf, size, "syscall_%d", nr);
	snprintf(buf, size, "%s", seccomp_names[nr]);
	return (int)strlen(buf);
}

int
seccomp_kernel_supported(void)
{
	static const uint32_t	actions[] = {
		SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW,
	};
	size_t			i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
		    &actions[i]) != 0)
			return 0;
	return 1;
}

int
seccomp_notify_supported(void)
{
	struct seccomp_notif_sizes	sizes;

	/* user notification came with this call (Linux 5.0) */
	return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

int
seccomp_notify_answer(int lfd, struct sandbox_result *res)
{
	struct seccomp_notif		req;
	struct seccomp_notif_resp	resp;
	int				i;

	memset(&req, 0, sizeof(req));
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == -1)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -seccomp_deny_errno(req.data.nr);
	/* ENOENT: the caller died meanwhile; nothing to answer */
	(void)ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	res->denied_count++;
	for (i = 0; i < res->denied_n; i++)
		if (res->denied_nr[i] == req.data.nr)
			return 0;
	if (res->denied_n < (int)(sizeof(res->denied_nr) /
	    sizeof(res->denied_nr[0])))
		res->denied_nr[res->denied_n++] = req.data.nr;
	return 0;
}
