/*
 * l2exit: in the nested (L2) guest of nested-boot.sh, write STATUS to the
 * runner's test-exit port (user/devices/test_exit.c), which ends vmrun with
 * that exit status. Built static; needs root (ioperm).
 *
 *   l2exit STATUS [PORT]      PORT defaults to 0xf4, the runner's default
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long status, port = 0xf4;
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: l2exit STATUS [PORT]\n");
		return 2;
	}
	status = strtoul(argv[1], &end, 0);
	if (*end || status > 255) {
		fprintf(stderr, "l2exit: bad status '%s'\n", argv[1]);
		return 2;
	}
	if (argc == 3) {
		port = strtoul(argv[2], &end, 0);
		if (*end || port > 0xffff) {
			fprintf(stderr, "l2exit: bad port '%s'\n", argv[2]);
			return 2;
		}
	}
	if (ioperm(port, 1, 1) < 0) {
		perror("l2exit: ioperm");
		return 1;
	}
	outb((unsigned char)status, (unsigned short)port);
	/* vmrun ends the VM on the OUT; getting here means it did not. */
	sleep(5);
	fprintf(stderr, "l2exit: still running after the OUT to %#lx\n", port);
	return 1;
}
