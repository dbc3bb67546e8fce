/*
 * The configuration file: a small INI dialect (Documentation/config.md).
 *
 *   # comment            ; comment too
 *   [section]
 *   key = value          (no inline comments: all after '=' is the value)
 *
 * Every key is declared once in the `keys` table below with the function
 * that parses its value. Parsing happens in two passes: first each line
 * is checked on its own, then the combination is checked (e.g. a kernel
 * or a firmware is needed). Any problem prints exactly one line,
 * "vmrun: FILE:LINE: [section] key: what is wrong", and exits with 2,
 * before anything touches the hypervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "config.h"
#include "util.h"

#define MAX_CONFIG_SIZE (64 * 1024)
#define MAX_LINE 4096

struct parser;
struct key {
	const char *section;
	const char *name;
	void (*parse)(struct parser *p, const struct key *k, const char *val);
};

static const struct key keys[];
enum { NKEYS = 12 };

static const char *const sections[] = {
	"vm", "kernel", "firmware", "serial", "device", "test-exit", "disk",
};

struct parser {
	struct config *cfg;
	const char *dir;		/* directory of the config file, or NULL */
	int line;			/* line being parsed */
	int nlines;
	int section;			/* index into sections[], -1 before any */
	int section_line[ARRAY_SIZE(sections)];
	int key_line[NKEYS];		/* where each key was set, 0 if not */
};

static void __attribute__((noreturn, format(printf, 4, 5)))
fail(const struct parser *p, int line, const struct key *k, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k)
		die(EXIT_CONFIG, "%s:%d: [%s] %s: %s", p->cfg->file, line,
		    k->section, k->name, msg);
	die(EXIT_CONFIG, "%s:%d: %s", p->cfg->file, line, msg);
}

static int key_index(const struct key *k)
{
	return (int)(k - keys);
}

static const struct key *find_key(const char *section, const char *name)
{
	for (int i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Line to blame for a missing key: its section's header, else the last line. */
static int missing_line(const struct parser *p, const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(sections[i], section) && p->section_line[i])
			return p->section_line[i];
	return p->nlines > 0 ? p->nlines : 1;
}

static int line_of(const struct parser *p, const char *section, const char *name)
{
	return p->key_line[key_index(find_key(section, name))];
}

/* --- value parsers ---------------------------------------------------- */

/* Unsigned decimal or 0x-hex number; false if `s` is not entirely one. */
static bool parse_number(const char *s, uint64_t *out, char **end)
{
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!(base == 16 ? (s[0] >= '0' && s[0] <= '9') ||
			   ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'f')
			 : (s[0] >= '0' && s[0] <= '9')))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, end, base);
	if (errno)
		return false;
	*out = v;
	return true;
}

static void format_size(char *buf, size_t len, uint64_t v)
{
	if (v && !(v % GiB(1)))
		snprintf(buf, len, "%" PRIu64 "G", v >> 30);
	else if (v && !(v % MiB(1)))
		snprintf(buf, len, "%" PRIu64 "M", v >> 20);
	else if (v && !(v % KiB(1)))
		snprintf(buf, len, "%" PRIu64 "K", v >> 10);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void parse_memory(struct parser *p, const struct key *k, const char *val)
{
	uint64_t v, mul = 1;
	char *end;

	if (!parse_number(val, &v, &end))
		goto bad;
	switch (*end) {
	case 'k': case 'K': mul = KiB(1); end++; break;
	case 'm': case 'M': mul = MiB(1); end++; break;
	case 'g': case 'G': mul = GiB(1); end++; break;
	}
	if (*end)
		goto bad;
	if (v > CFG_MAX_MEMORY / mul) {
		fail(p, p->line, k, "%s is more than the maximum, 512G", val);
	}
	v *= mul;
	if (v < CFG_MIN_MEMORY)
		fail(p, p->line, k, "%s is less than the minimum, 1M", val);
	if (v > CFG_MAX_MEMORY)
		fail(p, p->line, k, "%s is more than the maximum, 512G", val);
	if (v % CFG_PAGE_SIZE)
		fail(p, p->line, k, "%s is not a multiple of the page size, 4K", val);
	p->cfg->memory = v;
	return;
bad:
	fail(p, p->line, k, "'%s' is not a size: use a number with an optional "
	     "K, M or G suffix", val);
}

static void parse_cpus(struct parser *p, const struct key *k, const char *val)
{
	uint64_t v;
	char *end;

	if (!parse_number(val, &v, &end) || *end)
		fail(p, p->line, k, "'%s' is not a number", val);
	if (v == 0)
		fail(p, p->line, k, "must be at least 1");
	if (v > CFG_MAX_CPUS)
		fail(p, p->line, k, "%s is more than the maximum, %d", val, CFG_MAX_CPUS);
	p->cfg->cpus = v;
}

static char *resolve_path(const struct parser *p, const struct key *k,
			  const char *val)
{
	char *s;

	if (!*val)
		fail(p, p->line, k, "empty path");
	if (val[0] == '/' || !p->dir)
		s = strdup(val);
	else if (asprintf(&s, "%s/%s", p->dir, val) < 0)
		s = NULL;
	if (!s)
		die(EXIT_RUNTIME, "out of memory");
	return s;
}

/* An input file: must exist and be a readable regular file. */
static void open_input(struct parser *p, const struct key *k, const char *val,
		       struct cfg_file *f)
{
	struct stat st;

	f->path = resolve_path(p, k, val);
	f->line = p->line;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		fail(p, p->line, k, "cannot open '%s': %s", f->path, strerror(errno));
	if (fstat(f->fd, &st) < 0)
		fail(p, p->line, k, "cannot stat '%s': %s", f->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fail(p, p->line, k, "'%s' is not a regular file", f->path);
	f->size = st.st_size;
}

static void parse_kernel_path(struct parser *p, const struct key *k, const char *val)
{
	open_input(p, k, val, &p->cfg->kernel);
}

static void parse_initrd(struct parser *p, const struct key *k, const char *val)
{
	open_input(p, k, val, &p->cfg->initrd);
}

static void parse_firmware(struct parser *p, const struct key *k, const char *val)
{
	open_input(p, k, val, &p->cfg->firmware);
}

/* The disk is opened by check_disk(), once `readonly` is known. */
static void parse_disk_path(struct parser *p, const struct key *k, const char *val)
{
	p->cfg->disk.path = resolve_path(p, k, val);
	p->cfg->disk.line = p->line;
}

static void parse_disk_readonly(struct parser *p, const struct key *k, const char *val)
{
	if (!strcmp(val, "yes"))
		p->cfg->disk_readonly = true;
	else if (!strcmp(val, "no"))
		p->cfg->disk_readonly = false;
	else
		fail(p, p->line, k, "'%s' is not one of yes, no", val);
}

static void parse_cmdline(struct parser *p, const struct key *k, const char *val)
{
	free(p->cfg->cmdline);
	p->cfg->cmdline = strdup(val);
	if (!p->cfg->cmdline)
		die(EXIT_RUNTIME, "out of memory");
}

static void parse_console(struct parser *p, const struct key *k, const char *val)
{
	if (!strcmp(val, "terminal"))
		p->cfg->console = CONSOLE_TERMINAL;
	else if (!strcmp(val, "file"))
		p->cfg->console = CONSOLE_FILE;
	else if (!strcmp(val, "none"))
		p->cfg->console = CONSOLE_NONE;
	else
		fail(p, p->line, k, "'%s' is not one of terminal, file, none", val);
}

/* An output file: its directory must exist; created at start-up. */
static void parse_console_file(struct parser *p, const struct key *k, const char *val)
{
	char *path = resolve_path(p, k, val), *dir = strdup(path), *slash;
	struct stat st;

	if (!dir)
		die(EXIT_RUNTIME, "out of memory");
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	if (stat(dir, &st) < 0)
		fail(p, p->line, k, "cannot use directory '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		fail(p, p->line, k, "'%s' is not a directory", dir);
	if (access(dir, W_OK) < 0)
		fail(p, p->line, k, "cannot write in '%s': %s", dir, strerror(errno));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		fail(p, p->line, k, "'%s' is a directory", path);
	free(dir);
	p->cfg->console_path = path;
	p->cfg->console_path_line = p->line;
}

static void parse_device(struct parser *p, const struct key *k, const char *val)
{
	p->cfg->device = resolve_path(p, k, val);
	p->cfg->device_set = true;
}

/* I/O ports that belong to a device of vmrun or to the in-kernel irqchip. */
static const struct {
	uint16_t base, len;
	const char *owner;
} reserved_ports[] = {
	{ 0x020, 2, "the PIC" },
	{ 0x040, 4, "the PIT" },
	{ 0x060, 1, "the i8042" },
	{ 0x061, 1, "the PC speaker port" },
	{ 0x064, 1, "the i8042" },
	{ 0x070, 2, "the CMOS/RTC" },
	{ 0x080, 1, "the POST port" },
	{ 0x0a0, 2, "the PIC" },
	{ 0x1f0, 8, "the disk controller" },
	{ 0x3f6, 1, "the disk controller" },
	{ 0x3f8, 8, "the serial port" },
	{ 0x4d0, 2, "the PIC (ELCR)" },
	{ 0x510, 12, "fw_cfg" },
	{ 0x600, 12, "ACPI power management" },
	{ 0xcf8, 8, "PCI configuration" },
};

static void parse_exit_port(struct parser *p, const struct key *k, const char *val)
{
	uint64_t v;
	char *end;

	if (!strcmp(val, "none")) {
		p->cfg->exit_port = -1;
		return;
	}
	if (!parse_number(val, &v, &end) || *end)
		fail(p, p->line, k, "'%s' is not a port number or none", val);
	if (v > 0xffff)
		fail(p, p->line, k, "%s is more than the highest port, 0xffff", val);
	for (size_t i = 0; i < ARRAY_SIZE(reserved_ports); i++)
		if (v >= reserved_ports[i].base &&
		    v < reserved_ports[i].base + reserved_ports[i].len)
			fail(p, p->line, k, "port %#" PRIx64 " is used by %s",
			     v, reserved_ports[i].owner);
	p->cfg->exit_port = v;
}

static const struct key keys[NKEYS] = {
	{ "vm",		"memory",	parse_memory },
	{ "vm",		"cpus",		parse_cpus },
	{ "kernel",	"path",		parse_kernel_path },
	{ "kernel",	"initrd",	parse_initrd },
	{ "kernel",	"cmdline",	parse_cmdline },
	{ "firmware",	"path",		parse_firmware },
	{ "serial",	"console",	parse_console },
	{ "serial",	"file",		parse_console_file },
	{ "device",	"path",		parse_device },
	{ "test-exit",	"port",		parse_exit_port },
	{ "disk",	"path",		parse_disk_path },
	{ "disk",	"readonly",	parse_disk_readonly },
};

/* --- lines ------------------------------------------------------------ */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = 0;
	return s;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'
		      || *s == '_' || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static void parse_line(struct parser *p, char *raw)
{
	char *s = trim(raw), *eq, *name, *val;
	const struct key *k;

	if (!*s || *s == '#' || *s == ';')
		return;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || *trim(close + 1))
			fail(p, p->line, NULL, "'%s': a section header is '[name]' "
			     "alone on its line", s);
		*close = 0;
		name = trim(s + 1);
		for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
			if (strcmp(sections[i], name))
				continue;
			if (p->section_line[i])
				fail(p, p->line, NULL, "[%s]: section repeated "
				     "(first at line %d)", name, p->section_line[i]);
			p->section = i;
			p->section_line[i] = p->line;
			return;
		}
		fail(p, p->line, NULL, "[%s]: unknown section", name);
	}

	eq = strchr(s, '=');
	if (!eq)
		fail(p, p->line, NULL, "'%s': expected 'key = value' or '[section]'", s);
	*eq = 0;
	name = trim(s);
	val = trim(eq + 1);
	if (!valid_name(name))
		fail(p, p->line, NULL, "'%s': not a valid key name", name);
	if (p->section < 0)
		fail(p, p->line, NULL, "%s: key outside of any section", name);

	const char *sec = sections[p->section];
	k = find_key(sec, name);
	if (!k)
		fail(p, p->line, NULL, "[%s] %s: unknown key", sec, name);
	if (p->key_line[key_index(k)])
		fail(p, p->line, k, "key repeated (first at line %d)",
		     p->key_line[key_index(k)]);
	p->key_line[key_index(k)] = p->line;
	k->parse(p, k, val);
}

/* --- combination checks ---------------------------------------------- */

static void check_kernel(struct parser *p)
{
	struct config *cfg = p->cfg;
	const struct key *kpath = find_key("kernel", "path");
	uint8_t hdr[1024];
	struct bzimage bz;
	const char *err;
	ssize_t n;

	n = pread(cfg->kernel.fd, hdr, sizeof(hdr), 0);
	if (n < 0)
		fail(p, cfg->kernel.line, kpath, "cannot read '%s': %s",
		     cfg->kernel.path, strerror(errno));
	err = bzimage_probe(hdr, n, cfg->kernel.size, &bz);
	if (err)
		fail(p, cfg->kernel.line, kpath, "'%s': %s", cfg->kernel.path, err);

	size_t cmdlen = strlen(cfg->cmdline);
	if (cmdlen > bz.cmdline_size || cmdlen >= BOOT_CMDLINE_MAX) {
		int line = line_of(p, "kernel", "cmdline");
		fail(p, line ? line : cfg->kernel.line,
		     line ? find_key("kernel", "cmdline") : kpath,
		     "%zu characters, more than this kernel takes (%u)", cmdlen,
		     bz.cmdline_size < BOOT_CMDLINE_MAX - 1 ? bz.cmdline_size
							    : BOOT_CMDLINE_MAX - 1);
	}

	uint64_t low = ram_below_4g(cfg->memory);
	if (bz.kernel_end > low) {
		int line = line_of(p, "vm", "memory");
		char need[32], have[32];

		format_size(need, sizeof(need), (bz.kernel_end + MiB(1) - 1) & ~(MiB(1) - 1));
		format_size(have, sizeof(have), cfg->memory);
		if (line)
			fail(p, line, find_key("vm", "memory"), "%s is too small "
			     "for the kernel '%s', which needs at least %s", have,
			     cfg->kernel.path, need);
		fail(p, cfg->kernel.line, kpath, "'%s' needs at least %s of "
		     "memory, more than the default %s", cfg->kernel.path, need, have);
	}
	/* Booted by the firmware, the kernel leaves its tables at the top. */
	uint64_t initrd_top = cfg->firmware.fd >= 0 ? low - BOOT_FW_HIGH_RESERVE : low;
	if (cfg->initrd.fd >= 0 && !initrd_place(&bz, cfg->initrd.size, initrd_top))
		fail(p, cfg->initrd.line, find_key("kernel", "initrd"),
		     "'%s' (%" PRIu64 " bytes) does not fit in guest memory "
		     "between the kernel and its limit", cfg->initrd.path,
		     cfg->initrd.size);
}

static void check_firmware(struct parser *p)
{
	struct config *cfg = p->cfg;
	const struct key *k = find_key("firmware", "path");

	if (cfg->firmware.size < KiB(4) || cfg->firmware.size > MiB(16) ||
	    cfg->firmware.size % KiB(4))
		fail(p, cfg->firmware.line, k, "'%s' is %" PRIu64 " bytes; a "
		     "firmware image is a multiple of 4K from 4K to 16M",
		     cfg->firmware.path, cfg->firmware.size);
}

/*
 * The disk image: a regular file of whole 512-byte sectors, opened
 * read-write (or read-only) and locked so that two vmruns cannot share it
 * writable (an exclusive flock; a shared one for readonly = yes).
 */
static void check_disk(struct parser *p)
{
	struct config *cfg = p->cfg;
	struct cfg_file *f = &cfg->disk;
	const struct key *k = find_key("disk", "path");
	struct stat st;

	if (!f->path) {
		int line = line_of(p, "disk", "readonly");

		if (line)
			fail(p, line, find_key("disk", "readonly"),
			     "needs a [disk] path");
		for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
			if (!strcmp(sections[i], "disk") && p->section_line[i])
				fail(p, p->section_line[i], k, "missing: the disk image");
		return;
	}
	/* O_NONBLOCK: a FIFO must not hang the check; no effect on files. */
	f->fd = open(f->path, (cfg->disk_readonly ? O_RDONLY : O_RDWR) |
		     O_CLOEXEC | O_NONBLOCK);
	if (f->fd < 0 && !cfg->disk_readonly && (errno == EACCES || errno == EROFS))
		fail(p, f->line, k, "cannot open '%s' for writing: %s (or set "
		     "readonly = yes)", f->path, strerror(errno));
	if (f->fd < 0)
		fail(p, f->line, k, "cannot open '%s': %s", f->path, strerror(errno));
	if (fstat(f->fd, &st) < 0)
		fail(p, f->line, k, "cannot stat '%s': %s", f->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fail(p, f->line, k, "'%s' is not a regular file", f->path);
	f->size = st.st_size;
	if (f->size == 0)
		fail(p, f->line, k, "'%s' is empty", f->path);
	if (f->size % CFG_DISK_SECTOR)
		fail(p, f->line, k, "'%s' is %" PRIu64 " bytes, not a whole number "
		     "of %d-byte sectors", f->path, f->size, CFG_DISK_SECTOR);
	if (flock(f->fd, (cfg->disk_readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		fail(p, f->line, k, "'%s' is in use by another process (%s)",
		     f->path, errno == EWOULDBLOCK ? "locked" : strerror(errno));
}

static void check_combination(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (cfg->kernel.fd < 0) {
		if (cfg->initrd.fd >= 0)
			fail(p, cfg->initrd.line, find_key("kernel", "initrd"),
			     "an initrd needs a [kernel] path");
		int line = line_of(p, "kernel", "cmdline");
		if (line)
			fail(p, line, find_key("kernel", "cmdline"),
			     "a command line needs a [kernel] path");
		if (cfg->firmware.fd < 0)
			fail(p, missing_line(p, "kernel"), find_key("kernel", "path"),
			     "missing: a [kernel] path or a [firmware] path is needed");
	}
	if (cfg->console == CONSOLE_FILE && !cfg->console_path)
		fail(p, line_of(p, "serial", "console"), find_key("serial", "console"),
		     "'file' needs a [serial] file");
	if (cfg->console != CONSOLE_FILE && cfg->console_path)
		fail(p, line_of(p, "serial", "file"), find_key("serial", "file"),
		     "needs console = file in [serial]");
	if (cfg->firmware.fd >= 0)
		check_firmware(p);
	if (cfg->kernel.fd >= 0)
		check_kernel(p);
	check_disk(p);
}

/* --- entry points ----------------------------------------------------- */

static char *read_config(struct config *cfg, size_t *len)
{
	int fd = open(cfg->file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		die(EXIT_CONFIG, "%s: cannot open: %s", cfg->file, strerror(errno));
	if (fstat(fd, &st) < 0)
		die(EXIT_CONFIG, "%s: cannot stat: %s", cfg->file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(EXIT_CONFIG, "%s: not a regular file", cfg->file);
	if (st.st_size > MAX_CONFIG_SIZE)
		die(EXIT_CONFIG, "%s: larger than %d bytes", cfg->file, MAX_CONFIG_SIZE);
	buf = malloc(MAX_CONFIG_SIZE + 1);
	if (!buf)
		die(EXIT_RUNTIME, "out of memory");
	*len = 0;
	while ((n = read(fd, buf + *len, MAX_CONFIG_SIZE + 1 - *len)) > 0)
		*len += n;
	if (n < 0)
		die(EXIT_CONFIG, "%s: cannot read: %s", cfg->file, strerror(errno));
	if (*len > MAX_CONFIG_SIZE)
		die(EXIT_CONFIG, "%s: larger than %d bytes", cfg->file, MAX_CONFIG_SIZE);
	buf[*len] = 0;
	close(fd);
	return buf;
}

void config_load(struct config *cfg, const char *file)
{
	struct parser p = { .cfg = cfg, .section = -1 };
	char *buf, *dir = NULL, *line, *next;
	size_t len;

	*cfg = (struct config){
		.file = file,
		.memory = CFG_DEFAULT_MEMORY,
		.cpus = 1,
		.kernel = { .fd = -1 }, .initrd = { .fd = -1 },
		.firmware = { .fd = -1 },
		.disk = { .fd = -1 },
		.console = CONSOLE_TERMINAL,
		.console_fd = -1,
		.device = CFG_DEFAULT_DEVICE,
		.exit_port = CFG_DEFAULT_EXIT_PORT,
	};

	const char *slash = strrchr(file, '/');
	if (slash) {
		dir = strndup(file, slash == file ? 1 : (size_t)(slash - file));
		if (!dir)
			die(EXIT_RUNTIME, "out of memory");
		p.dir = dir;
	}

	buf = read_config(cfg, &len);
	if (memchr(buf, 0, len)) {
		int l = 1;
		for (char *c = buf; *c; c++)
			l += *c == '\n';
		die(EXIT_CONFIG, "%s:%d: NUL byte: not a text file", file, l);
	}
	for (char *c = buf; *c; c++)
		p.nlines += *c == '\n';
	if (len && buf[len - 1] != '\n')
		p.nlines++;

	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		p.line++;
		if (strlen(line) > MAX_LINE)
			fail(&p, p.line, NULL, "line longer than %d characters", MAX_LINE);
		parse_line(&p, line);
	}
	if (!cfg->cmdline) {
		cfg->cmdline = strdup(CFG_DEFAULT_CMDLINE);
		if (!cfg->cmdline)
			die(EXIT_RUNTIME, "out of memory");
	}
	check_combination(&p);
	free(buf);
	free(dir);
}

void config_open_outputs(struct config *cfg)
{
	if (cfg->console != CONSOLE_FILE)
		return;
	cfg->console_fd = open(cfg->console_path,
			       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (cfg->console_fd < 0)
		die(EXIT_CONFIG, "%s:%d: [serial] file: cannot create '%s': %s",
		    cfg->file, cfg->console_path_line, cfg->console_path,
		    strerror(errno));
}

static void print_file(const char *key, const struct cfg_file *f)
{
	if (f->fd >= 0)
		printf("%s = %s\n", key, f->path);
}

void config_print(const struct config *cfg)
{
	static const char *const console[] = { "terminal", "file", "none" };
	char mem[32];

	format_size(mem, sizeof(mem), cfg->memory);
	printf("[vm]\nmemory = %s\ncpus = %u\n", mem, cfg->cpus);
	if (cfg->kernel.fd >= 0) {
		printf("\n[kernel]\n");
		print_file("path", &cfg->kernel);
		print_file("initrd", &cfg->initrd);
		printf("cmdline = %s\n", cfg->cmdline);
	}
	if (cfg->firmware.fd >= 0) {
		printf("\n[firmware]\n");
		print_file("path", &cfg->firmware);
	}
	if (cfg->disk.fd >= 0) {
		printf("\n[disk]\n");
		print_file("path", &cfg->disk);
		printf("readonly = %s\n", cfg->disk_readonly ? "yes" : "no");
	}
	printf("\n[serial]\nconsole = %s\n", console[cfg->console]);
	if (cfg->console_path)
		printf("file = %s\n", cfg->console_path);
	if (cfg->device_set)
		printf("\n[device]\npath = %s\n", cfg->device);
	else
		printf("\n# [device] path: %s, or %s if that is absent\n",
		       CFG_DEFAULT_DEVICE, CFG_FALLBACK_DEVICE);
	if (cfg->exit_port >= 0)
		printf("\n[test-exit]\nport = %#x\n", cfg->exit_port);
	else
		printf("\n[test-exit]\nport = none\n");
}
