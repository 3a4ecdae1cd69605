/* A22: system-time burner. */
#include <sys/mman.h>

#include <sched.h>
#include <unistd.h>

int
main(void)
{
	char	*p;

	for (;;) {
		(void)getppid();
		sched_yield();
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap(p, 4096);
		}
	}
}
