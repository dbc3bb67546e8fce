/*
 * The parsed and validated configuration (see Documentation/config.md).
 * config_load() either returns a configuration that can be booted or
 * prints one "file:line: [section] key: problem" line and exits with 2.
 */
#ifndef VMRUN_CONFIG_H
#define VMRUN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CFG_MIN_MEMORY	(1ULL << 20)	/* 1 MiB */
#define CFG_MAX_MEMORY	(512ULL << 30)	/* 512 GiB */
#define CFG_MAX_CPUS	64
#define CFG_PAGE_SIZE	4096
#define CFG_DEFAULT_MEMORY (256ULL << 20)
#define CFG_DEFAULT_DEVICE "/dev/vmrun"
#define CFG_FALLBACK_DEVICE "/dev/kvm"
#define CFG_DEFAULT_CMDLINE "console=ttyS0"
#define CFG_DEFAULT_EXIT_PORT 0xf4
#define CFG_DISK_SECTOR	512

/* An input file named by the configuration, opened during validation. */
struct cfg_file {
	char *path;		/* as resolved (relative to the config's directory) */
	int fd;			/* -1 when the key is absent */
	uint64_t size;
	int line;		/* line of the key, 0 when absent */
};

enum console_mode { CONSOLE_TERMINAL, CONSOLE_FILE, CONSOLE_NONE };

struct config {
	const char *file;	/* the configuration file as named */
	uint64_t memory;	/* bytes */
	unsigned cpus;

	struct cfg_file kernel, initrd, firmware;
	char *cmdline;		/* never NULL */

	struct cfg_file disk;	/* [disk] path, opened read-write unless readonly */
	bool disk_readonly;

	enum console_mode console;
	char *console_path;	/* output file when console = file */
	int console_path_line;
	int console_fd;		/* opened by config_open_outputs() */

	char *device;		/* hypervisor node */
	bool device_set;	/* false: try the default, then the fallback */

	int exit_port;		/* -1: no test-exit device */
};

/* Parse and validate `file`; on any error print one line and exit(2). */
void config_load(struct config *cfg, const char *file);
/* Create/truncate output files (not done by --check). Exits 2 on error. */
void config_open_outputs(struct config *cfg);
/* Print the effective configuration, in the configuration format. */
void config_print(const struct config *cfg);

#endif
