/*
 * A49: keys, BPF, perf, userfaultfd, io_uring.  "a49 check" only looks for
 * a key A49 left in @u by an earlier run (G6).
 */
#include <sys/syscall.h>

#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>

#include "attack.h"

#define KEY_SPEC_USER_KEYRING	-4

int
main(int argc, char **argv)
{
	struct bpf_insn		 insns[2] = {
		{ BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0 },
		{ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 },
	};
	union bpf_attr		 ba;
	struct perf_event_attr	 pa;
	struct io_uring_params	 up;
	long			 rc;

	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		rc = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING,
		    "user", "A49", 0);
		if (rc >= 0)
			escape("key A49 survived a run");
		finish();
	}
	check("add_key", syscall(SYS_add_key, "user", "A49", "SECRET-A49", 10,
	    KEY_SPEC_USER_KEYRING), 0);
	check("keyctl join", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING,
	    NULL), 0);
	check("request_key", syscall(SYS_request_key, "user", "A49", NULL,
	    KEY_SPEC_USER_KEYRING), 0);
	memset(&ba, 0, sizeof(ba));
	ba.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	ba.insn_cnt = 2;
	ba.insns = (unsigned long)insns;
	ba.license = (unsigned long)"GPL";
	check("bpf prog_load", syscall(SYS_bpf, BPF_PROG_LOAD, &ba,
	    sizeof(ba)), 0);
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_HARDWARE;
	pa.config = PERF_COUNT_HW_CPU_CYCLES;
	check("perf_event_open", syscall(SYS_perf_event_open, &pa, 0, -1, -1,
	    0), 0);
	check("userfaultfd", syscall(SYS_userfaultfd, 0), 0);
	memset(&up, 0, sizeof(up));
	rc = syscall(SYS_io_uring_setup, 8, &up);
	check("io_uring_setup", rc, 0);
	if (rc == -1 && errno != ENOSYS)
		escape("io_uring_setup errno %s, want ENOSYS",
		    strerrorname_np(errno));
	check("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL,
	    0), 0);
	finish();
}
