/* A21: for (;;); */
int
main(void)
{
	volatile unsigned long	n = 0;

	for (;;)
		n++;
}
