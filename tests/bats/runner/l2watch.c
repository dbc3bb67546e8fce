/*
 * l2watch: run the vmrun runner inside the testbed (L1), pass its console
 * output through unchanged, and judge what the nested (L2) guest reported.
 * Built static by nested-boot.sh and put into the testbed with --extra.
 *
 *   l2watch [--cpus N] [--status S] [--expect TEXT]
 *           [--sleep-ms MS [--tolerance-pct P]] -- CMD [ARG]...
 *
 * CMD (the runner) gets stdin from /dev/null and its stdout and stderr on a
 * pipe; it is killed if l2watch dies (the testbed's per-test timeout kills
 * l2watch with SIGKILL). The L2 /init of nested-boot.sh prints
 *
 *   L2: up: online=0-3 cpuinfo=4 MemTotal: ...
 *   L2: sleep-begin
 *   L2: sleep-end guest-ms=1000.123
 *
 * Checks, each printed as one "l2watch: ..." line after the runner ended:
 *   - the runner exited with status S (default 0: the guest powered off or
 *     reset; the test-exit port gives others);
 *   - --expect TEXT: one line of the runner's output holds TEXT (the line
 *     saying why it ended, such as "vmrun: guest powered off");
 *   - --cpus N: the "L2: up:" line came, /sys/devices/system/cpu/online lists
 *     exactly N CPUs and /proc/cpuinfo has exactly N processors;
 *   - --sleep-ms MS: both sleep markers came, and the time between them,
 *     taken with clock_gettime(CLOCK_MONOTONIC) here when the first byte of
 *     each marker arrived on the pipe, is within P percent (default 1) of MS.
 * Exit status: 0 if every check passed, 1 otherwise (2: usage).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static char line[LINE_MAX_BYTES + 1];
static struct timespec stamp[LINE_MAX_BYTES]; /* arrival time of each byte */
static size_t len;

static bool seen_up, seen_begin, seen_end;
static char online[256];
static long cpuinfo = -1;
static struct timespec t_begin, t_end;
static char guest_ms[64];
static const char *expect;
static bool seen_expect;

static void usage(void)
{
	fprintf(stderr, "usage: l2watch [--cpus N] [--status S] [--expect TEXT] [--sleep-ms MS [--tolerance-pct P]] -- CMD [ARG]...\n");
	exit(2);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* console gone: keep judging anyway */
		p += w;
		n -= (size_t)w;
	}
}

/* Number of CPUs in a kernel CPU list such as "0-3", "0,2-3"; -1 if odd. */
static long count_cpulist(const char *s)
{
	long n = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -1;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -1;
			s = end;
		}
		n += b - a + 1;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

/* Copy the word after KEY in the line to OUT; false if KEY is absent. */
static bool word_after(const char *key, char *out, size_t size)
{
	const char *p = strstr(line, key);
	size_t n = 0;

	if (!p)
		return false;
	p += strlen(key);
	while (p[n] && p[n] != ' ' && p[n] != '\r' && p[n] != '\t' && n + 1 < size) {
		out[n] = p[n];
		n++;
	}
	out[n] = 0;
	return true;
}

static void end_of_line(void)
{
	char *p;
	char w[64];

	line[len] = 0;
	if (expect && strstr(line, expect))
		seen_expect = true;
	if (!seen_up && strstr(line, "L2: up:")) {
		seen_up = true;
		word_after("online=", online, sizeof(online));
		if (word_after("cpuinfo=", w, sizeof(w)))
			cpuinfo = strtol(w, NULL, 10);
	}
	/* The marker's own first byte, wherever the line starts. */
	if (!seen_begin && (p = strstr(line, "L2: sleep-begin"))) {
		seen_begin = true;
		t_begin = stamp[p - line];
	}
	if (seen_begin && !seen_end && (p = strstr(line, "L2: sleep-end"))) {
		seen_end = true;
		t_end = stamp[p - line];
		word_after("guest-ms=", guest_ms, sizeof(guest_ms));
	}
	len = 0;
}

int main(int argc, char **argv)
{
	long want_cpus = -1, want_status = 0;
	double sleep_ms = -1, tol_pct = 1.0;
	int i, fds[2], status, fails = 0;
	bool dashdash = false;
	pid_t pid;
	char buf[512];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			dashdash = true;
			i++;
			break;
		} else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			want_cpus = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--status") && i + 1 < argc) {
			want_status = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = argv[++i];
		} else if (!strcmp(argv[i], "--sleep-ms") && i + 1 < argc) {
			sleep_ms = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--tolerance-pct") && i + 1 < argc) {
			tol_pct = strtod(argv[++i], NULL);
		} else {
			usage();
		}
	}
	if (!dashdash || i >= argc)
		usage();

	if (pipe(fds) < 0) {
		perror("l2watch: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("l2watch: fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127); /* l2watch already gone */
		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[i], &argv[i]);
		perror("l2watch: exec");
		_exit(127);
	}
	close(fds[1]);

	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		struct timespec now;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		write_all(1, buf, (size_t)n);
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] == '\n') {
				end_of_line();
				continue;
			}
			if (len == LINE_MAX_BYTES)
				end_of_line(); /* overlong: judge what we have */
			stamp[len] = now;
			line[len++] = buf[k];
		}
	}
	if (len)
		end_of_line();
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (WIFEXITED(status) && WEXITSTATUS(status) == want_status) {
		printf("l2watch: runner exited %ld: ok\n", want_status);
	} else {
		fails++;
		if (WIFEXITED(status))
			printf("l2watch: FAIL: runner exited %d, expected %ld\n",
			       WEXITSTATUS(status), want_status);
		else
			printf("l2watch: FAIL: runner killed by signal %d\n", WTERMSIG(status));
	}

	if (expect) {
		if (seen_expect) {
			printf("l2watch: the runner said \"%s\": ok\n", expect);
		} else {
			fails++;
			printf("l2watch: FAIL: no line of the runner's holds \"%s\"\n", expect);
		}
	}

	if (want_cpus >= 0) {
		long n_online = seen_up ? count_cpulist(online) : -1;

		if (!seen_up) {
			fails++;
			printf("l2watch: FAIL: no \"L2: up:\" line: the L2 never reported its CPUs (configured %ld)\n",
			       want_cpus);
		} else if (n_online == want_cpus && cpuinfo == want_cpus) {
			printf("l2watch: L2 CPUs online %s (%ld), /proc/cpuinfo %ld, configured %ld: ok\n",
			       online, n_online, cpuinfo, want_cpus);
		} else {
			fails++;
			printf("l2watch: FAIL: L2 CPUs online '%s' (%ld), /proc/cpuinfo %ld, configured %ld\n",
			       online, n_online, cpuinfo, want_cpus);
		}
	}

	if (sleep_ms >= 0) {
		if (!seen_begin || !seen_end) {
			fails++;
			printf("l2watch: FAIL: L2 sleep markers missing (begin %s, end %s)\n",
			       seen_begin ? "seen" : "not seen", seen_end ? "seen" : "not seen");
		} else {
			double ms = (double)(t_end.tv_sec - t_begin.tv_sec) * 1e3 +
				    (double)(t_end.tv_nsec - t_begin.tv_nsec) / 1e6;
			double dev = (ms - sleep_ms) / sleep_ms * 100.0;
			bool ok = dev <= tol_pct && dev >= -tol_pct;

			if (!ok)
				fails++;
			printf("l2watch: %sL2 sleep of %.0f ms measured from L1 (CLOCK_MONOTONIC): %.3f ms (%+.3f%%, limit +-%.2f%%; the L2's own clock said %s ms)%s\n",
			       ok ? "" : "FAIL: ", sleep_ms, ms, dev, tol_pct,
			       guest_ms[0] ? guest_ms : "?", ok ? ": ok" : "");
		}
	}
	fflush(stdout);
	return fails ? 1 : 0;
}
