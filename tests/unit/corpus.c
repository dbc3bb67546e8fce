// SPDX-License-Identifier: GPL-2.0-only
/*
 * The corpus: every instruction gen-corpus.sh writes, as assembled by `as`
 * and disassembled by objdump (see objdump2tab.awk for the table). For each
 * one the decoder must give the label's verdict, and for those it accepts,
 * what objdump's Intel-syntax text says: the length, the operation, the
 * access size, the register or immediate, the memory operand's base, index,
 * scale and displacement, its segment, LOCK and REP. Each accepted one must
 * also ask for more bytes when cut short and ignore bytes after its end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const char *const reg_names[4][16] = {
	{ "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	  "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	  "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	  "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" },
	{ "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" },
};

#define GPR_DI 7

struct reg {
	unsigned int num, size;
	bool high;
};

static bool parse_reg(const char *s, size_t len, struct reg *r)
{
	static const char *const high[4] = { "ah", "ch", "dh", "bh" };
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		if (strlen(high[i]) == len && !strncmp(s, high[i], len)) {
			*r = (struct reg){ .num = i, .size = 1, .high = true };
			return true;
		}
	}
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 16; j++) {
			if (strlen(reg_names[i][j]) == len &&
			    !strncmp(s, reg_names[i][j], len)) {
				*r = (struct reg){ .num = j, .size = 1u << i };
				return true;
			}
		}
	}
	return false;
}

/* A memory operand as objdump prints it. */
struct mem {
	unsigned int size;	/* from "xWORD PTR", 0 if not shown */
	int seg;		/* explicit segment, -1 if none */
	unsigned int base, index, scale;
	unsigned int addr_size;	/* from the registers, 0 if none */
	bool rip;
	int64_t disp;
};

static int seg_of(const char *s)
{
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs" };
	int i;

	for (i = 0; i < 6; i++)
		if (!strncmp(s, segs[i], 2) && s[2] == ':')
			return i;
	return -1;
}

static bool is_mem(const char *op)
{
	const char *p = strstr(op, "PTR ");

	p = p ? p + 4 : op;
	return strchr(p, '[') || (seg_of(p) >= 0 && !strncmp(p + 3, "0x", 2));
}

/* Parses "[SIZE PTR ][seg:]" then "[terms]" or "0xABS". */
static bool parse_mem(const char *op, struct mem *m)
{
	static const struct {
		const char *text;
		unsigned int size;
	} sizes[] = {
		{ "BYTE PTR ", 1 }, { "WORD PTR ", 2 }, { "DWORD PTR ", 4 },
		{ "QWORD PTR ", 8 },
	};
	const char *p = op;
	unsigned int i;
	int sign = 1;

	*m = (struct mem){ .seg = -1, .base = VMRUN_EMUL_NO_REG,
			   .index = VMRUN_EMUL_NO_REG, .scale = 1 };
	for (i = 0; i < 4; i++) {
		if (!strncmp(p, sizes[i].text, strlen(sizes[i].text))) {
			m->size = sizes[i].size;
			p += strlen(sizes[i].text);
		}
	}
	m->seg = seg_of(p);
	if (m->seg >= 0)
		p += 3;
	if (*p != '[') {
		m->disp = (int64_t)strtoull(p, NULL, 16);
		return !strncmp(p, "0x", 2);
	}
	for (p++; *p && *p != ']';) {
		const char *t = p;
		struct reg r;
		size_t len;

		if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			p++;
			continue;
		}
		while (isalnum((unsigned char)*p))
			p++;
		len = p - t;
		if (!strncmp(t, "0x", 2)) {
			m->disp += sign * (int64_t)strtoull(t, NULL, 16);
		} else if (len == 3 && (!strncmp(t, "rip", 3) ||
					!strncmp(t, "eip", 3))) {
			m->rip = true;
			m->addr_size = t[0] == 'r' ? 8 : 4;
		} else if (parse_reg(t, len, &r) && r.size > 1) {
			m->addr_size = r.size;
			if (*p == '*') {
				m->index = r.num;
				m->scale = p[1] - '0';
				p += 2;
			} else if (r.size == 2 && r.num >= 6) {
				m->index = r.num;	/* [si], [bx+di]... */
			} else {
				m->base = r.num;
			}
		} else {
			return false;
		}
	}
	return *p == ']';
}

static const char *const prefix_words[] = {
	"lock", "rep", "repz", "repe", "repnz", "repne", "xacquire",
	"xrelease", "data16", "data32", "addr16", "addr32", "cs", "ds", "es",
	"ss", "fs", "gs", "bnd", "notrack",
};

static bool is_prefix_word(const char *w, size_t len)
{
	unsigned int i;

	if (len >= 3 && !strncmp(w, "rex", 3))
		return true;
	for (i = 0; i < sizeof(prefix_words) / sizeof(prefix_words[0]); i++)
		if (strlen(prefix_words[i]) == len &&
		    !strncmp(w, prefix_words[i], len))
			return true;
	return false;
}

/* What objdump's text of one instruction says. */
struct text {
	char mnemonic[16];
	bool lock, rep, repnz;
	unsigned int nops;
	char ops[3][96];
};

static bool parse_text(const char *s, struct text *t)
{
	const char *w, *comma;
	size_t len;

	memset(t, 0, sizeof(*t));
	for (;;) {
		while (*s == ' ')
			s++;
		w = s;
		while (*s && *s != ' ')
			s++;
		len = s - w;
		if (!len || len >= sizeof(t->mnemonic))
			return false;
		if (!is_prefix_word(w, len))
			break;
		if (len == 4 && !strncmp(w, "lock", 4))
			t->lock = true;
		if (!strncmp(w, "rep", 3))
			t->rep = true;
		if (len == 5 && !strncmp(w, "repnz", 5))
			t->repnz = true;
	}
	memcpy(t->mnemonic, w, len);
	while (*s == ' ')
		s++;
	while (*s && t->nops < 3) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (len >= sizeof(t->ops[0]))
			return false;
		memcpy(t->ops[t->nops++], s, len);
		s += len + (comma ? 1 : 0);
	}
	return true;
}

static int op_of(const char *mnemonic)
{
	static const struct {
		const char *name;
		int op;
	} ops[] = {
		{ "add", VMRUN_EMUL_ADD }, { "or", VMRUN_EMUL_OR },
		{ "adc", VMRUN_EMUL_ADC }, { "sbb", VMRUN_EMUL_SBB },
		{ "and", VMRUN_EMUL_AND }, { "sub", VMRUN_EMUL_SUB },
		{ "xor", VMRUN_EMUL_XOR }, { "cmp", VMRUN_EMUL_CMP },
		{ "bt", VMRUN_EMUL_BT }, { "bts", VMRUN_EMUL_BTS },
		{ "btr", VMRUN_EMUL_BTR }, { "btc", VMRUN_EMUL_BTC },
		{ "mov", VMRUN_EMUL_MOV }, { "movabs", VMRUN_EMUL_MOV },
		{ "movzx", VMRUN_EMUL_MOVZX }, { "movsx", VMRUN_EMUL_MOVSX },
		{ "movsxd", VMRUN_EMUL_MOVSX }, { "test", VMRUN_EMUL_TEST },
		{ "xchg", VMRUN_EMUL_XCHG }, { "stos", VMRUN_EMUL_STOS },
	};
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(mnemonic, ops[i].name))
			return ops[i].op;
	return -1;
}

static uint64_t mask_of(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* The direction the operation and the operand order call for. */
static unsigned int expected_dir(int op, bool mem_first)
{
	switch (op) {
	case VMRUN_EMUL_MOV:
		return mem_first ? VMRUN_EMUL_WRITE : VMRUN_EMUL_READ;
	case VMRUN_EMUL_STOS:
		return VMRUN_EMUL_WRITE;
	case VMRUN_EMUL_BTS:
	case VMRUN_EMUL_BTR:
	case VMRUN_EMUL_BTC:
	case VMRUN_EMUL_XCHG:
		return VMRUN_EMUL_RMW;
	case VMRUN_EMUL_ADD ... VMRUN_EMUL_XOR:
		return mem_first ? VMRUN_EMUL_RMW : VMRUN_EMUL_READ;
	default:
		return VMRUN_EMUL_READ;
	}
}

/* Checks a decoded instruction against objdump's text of it. */
static void check_text(const struct vmrun_emul_insn *insn, unsigned int mode,
		       const char *text)
{
	unsigned int i, mem_op = 3, size;
	struct text t;
	struct mem m;
	struct reg r;
	int op, seg;

	if (!EXPECT(parse_text(text, &t), "cannot parse objdump text"))
		return;
	op = op_of(t.mnemonic);
	EXPECT(op == insn->op, "op %s, objdump says %s",
	       unit_op_name(insn->op), t.mnemonic);
	EXPECT(insn->lock == t.lock, "lock %d", insn->lock);
	if (op == VMRUN_EMUL_STOS)
		EXPECT(insn->rep == (t.repnz ? 0xf2 : t.rep ? 0xf3 : 0),
		       "rep %#x", insn->rep);
	for (i = 0; i < t.nops; i++)
		if (is_mem(t.ops[i]))
			mem_op = i;
	if (!EXPECT(mem_op < 3, "objdump shows no memory operand"))
		return;
	if (!EXPECT(parse_mem(t.ops[mem_op], &m),
		    "cannot parse memory operand '%s'", t.ops[mem_op]))
		return;
	if (op == VMRUN_EMUL_STOS && m.index == GPR_DI) {
		m.base = GPR_DI;	/* parse_mem took [di] for an index */
		m.index = VMRUN_EMUL_NO_REG;
	}
	EXPECT(insn->dir == expected_dir(op, mem_op == 0), "dir %u", insn->dir);
	EXPECT(insn->reg_dst == (mem_op != 0 && op != VMRUN_EMUL_STOS),
	       "reg_dst %d", insn->reg_dst);

	/* the other operand: a register or an immediate */
	size = m.size;
	for (i = 0; i < t.nops; i++) {
		const char *o = t.ops[i];

		if (i == mem_op)
			continue;
		if (isdigit((unsigned char)o[0])) {
			uint64_t v = strtoull(o, NULL, 0);
			unsigned int isize = op >= VMRUN_EMUL_BT &&
					     op <= VMRUN_EMUL_BTC ? 1 : insn->size;

			EXPECT(insn->has_imm, "no immediate");
			EXPECT((insn->imm & mask_of(isize)) == (v & mask_of(isize)),
			       "imm %#llx, objdump %#llx",
			       (unsigned long long)insn->imm,
			       (unsigned long long)v);
		} else if (EXPECT(parse_reg(o, strlen(o), &r),
				  "unknown operand '%s'", o)) {
			EXPECT(!insn->has_imm, "immediate, objdump has %s", o);
			EXPECT(insn->reg == r.num && insn->reg_high == r.high,
			       "reg %u%s, objdump %s", insn->reg,
			       insn->reg_high ? "h" : "", o);
			EXPECT(r.size == insn->op_size, "op_size %u, objdump %s",
			       insn->op_size, o);
			if (!size)
				size = r.size;	/* moffs: no PTR shown */
		}
	}
	EXPECT(insn->size == size, "size %u, objdump %u", insn->size, size);

	/* the memory operand */
	EXPECT(insn->base == m.base, "base %u, objdump %u", insn->base, m.base);
	EXPECT(insn->index == m.index, "index %u, objdump %u", insn->index,
	       m.index);
	if (m.index != VMRUN_EMUL_NO_REG)
		EXPECT(insn->scale == m.scale, "scale %u", insn->scale);
	EXPECT(insn->rip_rel == m.rip, "rip_rel %d", insn->rip_rel);
	EXPECT(((insn->disp - (uint64_t)m.disp) & mask_of(insn->addr_size)) == 0,
	       "disp %#llx, objdump %#llx", (unsigned long long)insn->disp,
	       (unsigned long long)m.disp);
	if (m.addr_size)
		EXPECT(insn->addr_size == m.addr_size, "addr_size %u, objdump %u",
		       insn->addr_size, m.addr_size);
	if (op == VMRUN_EMUL_STOS)
		seg = VMRUN_EMUL_ES;
	else if (m.seg >= 0 && (mode != 64 || m.seg >= VMRUN_EMUL_FS))
		seg = m.seg;
	else if (m.base == 4 || m.base == 5)
		seg = VMRUN_EMUL_SS;
	else
		seg = VMRUN_EMUL_DS;
	EXPECT(insn->seg == seg, "seg %u, expected %d", insn->seg, seg);
}

static enum vmrun_emul_mode mode_of(unsigned int bits)
{
	return bits == 16 ? VMRUN_EMUL_MODE16 :
	       bits == 32 ? VMRUN_EMUL_MODE32 : VMRUN_EMUL_MODE64;
}

static void check_entry(unsigned int mode, const char *label,
			unsigned int nlines, const uint8_t *bytes,
			unsigned int len, char *text)
{
	struct vmrun_emul_insn insn, again;
	uint8_t padded[32];
	char *last, *part;
	unsigned int k;
	int ret;

	ret = vmrun_emul_decode(&insn, bytes, len, mode_of(mode));
	if (!strncmp(label, "unsup_", 6)) {
		EXPECT(ret == -EOPNOTSUPP, "returned %d, want -EOPNOTSUPP", ret);
		return;
	}
	if (!strncmp(label, "inval_", 6)) {
		EXPECT(ret == -EINVAL, "returned %d, want -EINVAL", ret);
		return;
	}
	if (!EXPECT(ret == 0, "returned %d", ret))
		return;
	EXPECT(insn.len == len, "length %u, as/objdump say %u", insn.len, len);

	/* objdump splits off void prefixes only: the rest is one insn */
	last = text;
	while ((part = strstr(last, " | "))) {
		EXPECT(is_prefix_word(last, part - last),
		       "objdump made two instructions of it");
		last = part + 3;
	}
	EXPECT(nlines == 1 || nlines == 1 + (unsigned int)(last != text),
	       "objdump lines %u", nlines);
	check_text(&insn, mode, last);

	/* cut short: must ask for more, never decode */
	for (k = 0; k < len; k++) {
		ret = vmrun_emul_decode(&again, bytes, k, mode_of(mode));
		EXPECT(ret == -ENODATA, "with %u bytes: %d, want -ENODATA", k,
		       ret);
	}
	/* followed by other bytes: the same */
	memset(padded, 0xcc, sizeof(padded));
	memcpy(padded, bytes, len);
	ret = vmrun_emul_decode(&again, padded, sizeof(padded), mode_of(mode));
	EXPECT(ret == 0 && !memcmp(&again, &insn, sizeof(insn)),
	       "decodes differently when followed by other bytes");
}

void test_corpus(const char *table)
{
	unsigned int mode, nlines, len, counts[3] = { 0 };
	char line[1024], label[64], hex[128], hexs[64];
	uint8_t bytes[32];
	char *text;
	FILE *f;

	unit_begin("corpus table %s", table);
	f = fopen(table, "r");
	if (!EXPECT(f, "cannot open it"))
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		text = strchr(line, '\t');
		if (!text || sscanf(line, "%u %63s %u %127s", &mode, label,
				    &nlines, hex) != 4) {
			unit_begin("corpus line");
			EXPECT(false, "bad line '%s'", line);
			continue;
		}
		text++;
		len = strlen(hex) / 2;
		if (len > sizeof(bytes))
			len = sizeof(bytes);
		for (unsigned int i = 0; i < len; i++)
			sscanf(hex + 2 * i, "%2hhx", &bytes[i]);
		unit_hex(hexs, bytes, len > 20 ? 20 : len);
		unit_begin("corpus %u-bit %s [%s] %s", mode, label, hexs, text);
		check_entry(mode, label, nlines, bytes, len, text);
		counts[mode == 16 ? 0 : mode == 32 ? 1 : 2]++;
	}
	fclose(f);
	unit_begin("corpus table has every mode");
	EXPECT(counts[0] > 100 && counts[1] > 100 && counts[2] > 100,
	       "16-bit %u, 32-bit %u, 64-bit %u entries", counts[0],
	       counts[1], counts[2]);
}
