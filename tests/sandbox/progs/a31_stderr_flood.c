/* A31: 1 KiB lines to fd 2 forever. */
#include <string.h>
#include <unistd.h>

int
main(void)
{
	char	line[1024];

	memset(line, 'e', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (;;)
		(void)!write(2, line, sizeof(line));
}
