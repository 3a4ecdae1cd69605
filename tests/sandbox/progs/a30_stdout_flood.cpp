// A30: stdout flood (C++).
#include <cstdio>

int
main()
{
	for (;;)
		std::putchar('a');
}
