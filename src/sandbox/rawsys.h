#ifndef SANDBOX_RAWSYS_H
#define SANDBOX_RAWSYS_H

/*
 * Private to child.c: system calls that never touch errno, and a clone
 * that starts a function on a stack of ours.
 *
 * Why: H, I (and R until its execve) run in P's memory while P goes on
 * (see "Memory" in sandbox.c's theory), on P's thread pointer, so libc's
 * errno there is P's.  A libc wrapper that fails in I would change P's
 * errno under it, between P's own failing call and its look at errno.
 * These calls return the result, or -errno, and write nothing.
 *
 * Only x86-64 has them here (SANDBOX_SHARED_INIT 1).  Elsewhere RAW goes
 * through libc's syscall(2), with its errno, and H and I get a copy of
 * P's memory as fork(2) makes.  So do sanitizer builds, whose
 * runtimes keep per-thread state that they must not share with P.  (The
 * calls child.c makes are those of 64-bit Linux: newfstatat, statfs, the
 * 32-bit set*id; a 32-bit build would need their 64-suffixed kin.)
 *
 * Besides the raw calls, H, I and R use only libc's string and formatting
 * functions (snprintf, vsnprintf, memcpy, memset, strlen, strchr, strcpy,
 * strncmp, strstr, strerrordesc_np), which change no state, and only in a
 * program bound at start (child_may_share): a lazy binding made by their
 * first call would write P's GOT.  (A shared libc is not bound at start
 * on Debian 12, but what it binds lazily, malloc's kin and the loader's
 * helpers, is reached by none of those; the CLI, static-pie, binds
 * nothing.)
 */

#include <sys/syscall.h>

#include <errno.h>
#include <sched.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(__SANITIZE_HWADDRESS__)
#define RAWSYS_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define RAWSYS_SANITIZER	1
#endif
#endif

/* x86-64 proper: x32 (__ILP32__) has other call numbers and widths */
#if defined(__x86_64__) && !defined(__ILP32__) && !defined(RAWSYS_SANITIZER)
#define SANDBOX_SHARED_INIT	1

static inline long
raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long	r10 __asm__("r10") = d;
	register long	r8 __asm__("r8") = e;
	register long	r9 __asm__("r9") = f;
	long		ret;

	__asm__ volatile ("syscall"
	    : "=a"(ret)
	    : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone(2) of a child that calls fn(arg) on the stack below stack_top
 * (16-byte aligned) and exits with its value: what libc's clone does,
 * less its errno.  Returns the child's pid, or -errno.
 */
static inline long
raw_clone(unsigned long flags, void *stack_top, int *parent_tid,
    int (*fn)(void *), void *arg)
{
	register long	r10 __asm__("r10") = 0;	/* child_tid */
	register long	r8 __asm__("r8") = 0;	/* tls */
	long		ret;

	__asm__ volatile (
	    "syscall\n\t"
	    "test %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    /* the child: a fresh stack, no frame above fn's (fn may be
	       in rbp, which goes last) */
	    "mov %[arg], %%rdi\n\t"
	    "mov %[fn], %%rax\n\t"
	    "xor %%ebp, %%ebp\n\t"
	    "call *%%rax\n\t"
	    "mov %%eax, %%edi\n\t"
	    "mov %[exit], %%eax\n\t"
	    "syscall\n\t"
	    "hlt\n"
	    "1:"
	    : "=a"(ret)
	    : "0"((long)SYS_clone), "D"(flags), "S"(stack_top),
	      "d"(parent_tid), "r"(r10), "r"(r8), [fn] "r"(fn),
	      [arg] "r"(arg), [exit] "i"(SYS_exit)
	    : "rcx", "r11", "memory");
	return ret;
}
#else
#define SANDBOX_SHARED_INIT	0

static inline long
raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	long	ret = syscall(nr, a, b, c, d, e, f);

	return ret == -1 ? -errno : ret;
}

static inline long
raw_clone(unsigned long flags, void *stack_top, int *parent_tid,
    int (*fn)(void *), void *arg)
{
	long	ret = clone(fn, stack_top, (int)flags, arg, parent_tid);

	return ret == -1 ? -errno : ret;
}
#endif

/* RAW(SYS_x, args...): up to six arguments, the rest zero. */
#define RAW_(nr, a, b, c, d, e, f, ...) \
	raw6((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), \
	    (long)(e), (long)(f))
#define RAW(...)	RAW_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

#endif
