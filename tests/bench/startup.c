// SPDX-License-Identifier: GPL-2.0
/*
 * startup: run a VMM (the vmrun runner or QEMU) inside the testbed and
 * measure its start cost, its footprint beyond guest RAM and the guest's
 * boot time to a marker line (tests/bench/run, Documentation/benchmarks.md).
 *
 *   startup NAME GUEST-RAM-MIB MARKER -- COMMAND [ARG]...
 *
 * COMMAND runs with stdin from /dev/null and stdout and stderr on one pipe;
 * every line of it is passed through to our stdout. The command is expected
 * to print, before its first KVM_RUN, a line with
 * "startup: cpu_ns=N wall_ns=N" (the runner does with
 * VMRUN_STARTUP_REPORT=1, QEMU with LD_PRELOAD=firstrun.so). Then:
 *
 *   start_cpu_us   its CPU time at that point (CLOCK_PROCESS_CPUTIME_ID:
 *                  all threads, since the fork, the exec included)
 *   start_wall_us  our CLOCK_MONOTONIC from just before the fork to the
 *                  arrival of that line (the same clock for every VMM)
 *   boot_us        from just before the fork to the arrival of MARKER
 *   rss_extra_kib  when MARKER arrives: the process's resident memory
 *                  (smaps_rollup Rss) minus the resident part of guest
 *                  RAM (pagemap), from "ram=ADDR+LEN" in the report line
 *                  or, failing that, found in smaps
 *
 * Each figure is printed as "benchstart NAME FIGURE VALUE". Under the
 * testbed's -icount, CLOCK_MONOTONIC counts instructions (1 ns each).
 * Exit status 0 when both lines came and the command exited 0 by itself.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *name;
static pid_t child;
static uint64_t ram_start, ram_len;	/* guest RAM, as the VMM reported it */

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void figure(const char *what, int64_t v)
{
	printf("benchstart %s %s %" PRId64 "\n", name, what, v);
	fflush(stdout);
}

/* "Key:   1234 kB" in /proc/PID/status; -1 when absent. */
static int64_t status_kib(const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int64_t v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* "Rss:  1234 kB" in /proc/PID/smaps_rollup: all mappings, walked. */
static int64_t rollup_rss_kib(void)
{
	char path[64], line[256];
	int64_t v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)child);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Rss:", 4))
			v = strtoll(line + 4, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Where guest RAM lies, for a VMM that does not say (QEMU): the anonymous
 * mapping (no file, no [name]) in /proc/PID/smaps that is at least the
 * guest's RAM and at most 4 MiB more; exactly one must match. (The runner
 * says, in its report line: it maps the kernel and initrd files over parts
 * of its RAM, which splits that mapping into several.)
 */
static int find_ram(uint64_t ram, uint64_t *start_out, uint64_t *len_out)
{
	char path[64], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)child);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, off, inode;
		char perms[8], dev[16];
		int n = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %15s %" SCNu64 " %n",
			   &start, &end, perms, &off, dev, &inode, &n) == 6 &&
		    inode == 0 && (line[n] == '\n' || line[n] == 0) &&
		    end - start >= ram && end - start <= ram + (4 << 20)) {
			*start_out = start;
			*len_out = end - start;
			found++;
		}
	}
	fclose(f);
	return found == 1 ? 0 : -1;
}

/*
 * Resident pages in [start, start + len) from /proc/PID/pagemap (bit 63:
 * present), in KiB. Guest RAM is an anonymous mapping that the guest
 * faults in as it touches it (and, with the runner, private file mappings
 * of the kernel and initrd over parts of it); its resident part is the
 * guest's memory, not the VMM's footprint, so it comes off the total.
 * Pages of it that the VMM wrote itself (boot tables, a loaded kernel)
 * count as the guest's: the guest owns them once it runs.
 */
static int64_t resident_kib(uint64_t start, uint64_t len)
{
	char path[64];
	uint64_t ent[512], pages = 0;
	long psz = sysconf(_SC_PAGESIZE);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)child);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	for (uint64_t va = start; va < start + len;) {
		uint64_t n = (start + len - va) / psz;
		ssize_t r;

		if (n > 512)
			n = 512;
		r = pread(fd, ent, n * 8, va / psz * 8);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r / 8; i++)
			pages += ent[i] >> 63;
		va += (r / 8) * psz;
	}
	close(fd);
	return pages * (psz / 1024);
}

/* One line of the VMM's output, which arrived `t` ns after the fork. */
static void on_line(const char *line, int64_t t, int *got_report, int *got_marker,
		    uint64_t ram, const char *marker)
{
	const char *s = strstr(line, "startup: cpu_ns=");
	long long cpu, wall;

	printf("%s\n", line);
	if (s && !*got_report &&
	    sscanf(s, "startup: cpu_ns=%lld wall_ns=%lld", &cpu, &wall) == 2) {
		const char *r = strstr(s, " ram=");

		if (r && sscanf(r, " ram=%" SCNx64 "+%" SCNx64, &ram_start, &ram_len) != 2)
			ram_len = 0;
		*got_report = 1;
		figure("start_cpu_us", cpu / 1000);
		figure("start_wall_us", t / 1000);
	}
	if (!*got_marker && strstr(line, marker)) {
		int64_t rss, gram = -1;

		*got_marker = 1;
		figure("boot_us", t / 1000);
		if (ram_len || !find_ram(ram, &ram_start, &ram_len))
			gram = resident_kib(ram_start, ram_len);
		/*
		 * The total is smaps_rollup's Rss, a walk of the page tables:
		 * Linux 6.1's VmRSS lags by up to 64 pages a counter and a
		 * thread (SPLIT_RSS_COUNTING), as much as the figure itself.
		 */
		rss = rollup_rss_kib();
		printf("# startup %s: Rss %" PRId64 " kB (VmRSS %" PRId64 ": RssAnon %" PRId64
		       ", RssFile %" PRId64 ", RssShmem %" PRId64 "), guest RAM %#" PRIx64
		       "+%#" PRIx64 " resident %" PRId64 " kB\n", name, rss,
		       status_kib("VmRSS"), status_kib("RssAnon"), status_kib("RssFile"),
		       status_kib("RssShmem"), ram_start, ram_len, gram);
		if (rss >= 0 && gram >= 0)
			figure("rss_extra_kib", rss - gram);
	}
}

int main(int argc, char **argv)
{
	int p[2], status = 0, got_report = 0, got_marker = 0, killed = 0;
	int64_t t0, deadline;
	uint64_t ram;
	const char *marker;
	char buf[8192];
	size_t have = 0;

	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: startup NAME GUEST-RAM-MIB MARKER -- COMMAND [ARG]...\n");
		return 2;
	}
	name = argv[1];
	ram = strtoull(argv[2], NULL, 10) << 20;
	marker = argv[3];
	if (pipe(p))
		return perror("pipe"), 1;

	fflush(stdout);
	t0 = now_ns();
	child = fork();
	if (child < 0)
		return perror("fork"), 1;
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[5], argv + 5);
		fprintf(stderr, "startup: exec %s: %s\n", argv[5], strerror(errno));
		_exit(127);
	}
	close(p[1]);

	/* Guest seconds; under -icount they pass as instructions do. */
	deadline = t0 + 240 * 1000000000LL;
	for (;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		int64_t left = (deadline - now_ns()) / 1000000;
		ssize_t r;

		if (left <= 0 || poll(&pf, 1, left) == 0) {
			printf("# startup %s: no end after 240 s, killing it\n", name);
			kill(child, SIGKILL);
			killed = 1;
			break;
		}
		r = read(p[0], buf + have, sizeof(buf) - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		int64_t t = now_ns();
		have += r;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			on_line(line, t - t0, &got_report, &got_marker, ram, marker);
			line = nl + 1;
		}
		if (line == buf && have == sizeof(buf) - 1) {	/* a line too long */
			on_line(line, t - t0, &got_report, &got_marker, ram, marker);
			line = buf + have;
		}
		have -= line - buf;
		memmove(buf, line, have);
		fflush(stdout);
	}
	if (have)
		printf("%.*s\n", (int)have, buf);
	waitpid(child, &status, 0);
	printf("# startup %s: %s %d; report %s, marker %s\n", name,
	       WIFEXITED(status) ? "exit status" : "killed by signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	       got_report ? "seen" : "missing", got_marker ? "seen" : "missing");
	return !(got_report && got_marker && !killed && WIFEXITED(status) &&
		 WEXITSTATUS(status) == 0);
}
