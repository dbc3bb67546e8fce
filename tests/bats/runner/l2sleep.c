/*
 * l2sleep: the nested (L2) guest's side of nested-boot.sh --timer. Prints
 * "L2: sleep-begin", sleeps MS milliseconds (clock_nanosleep on
 * CLOCK_MONOTONIC, the kernel's hrtimer sleep that busybox sleep uses too),
 * then prints "L2: sleep-end guest-ms=..." with the time its own clock saw.
 * One process from marker to marker, so no fork or exec lands between them;
 * l2watch in the L1 times the two markers.
 *
 *   l2sleep [MS]      (default 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s)
{
	/* one write: the marker reaches the tty in one piece */
	if (write(1, s, strlen(s)) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	struct timespec req = { ms / 1000, (ms % 1000) * 1000000L }, t0, t1;
	char out[96];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	say("L2: sleep-begin\n");
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &req))
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(out, sizeof(out), "L2: sleep-end guest-ms=%.3f\n",
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	say(out);
	return 0;
}
