// SPDX-License-Identifier: GPL-2.0
/*
 * vm_vcpu - VM and vCPU lifecycle: create/destroy churn without leaks, vCPU id
 * and count limits, the kvm_run mapping, and register access.
 *
 * Errnos follow Linux 6.1 (Debian linux-source-6.1):
 *   virt/kvm/kvm_main.c kvm_vm_ioctl_create_vcpu():
 *     "if (id >= KVM_MAX_VCPU_IDS) return -EINVAL;"       -> id out of range
 *     "if (kvm->created_vcpus >= kvm->max_vcpus) ... -EINVAL" -> too many
 *     "if (kvm_get_vcpu_by_id(kvm, id)) { r = -EEXIST;"  -> duplicate id
 *     The count check runs before the duplicate-id check.
 *   KVM_CAP_MAX_VCPU_ID reports KVM_MAX_VCPU_IDS (x86 x86.c) or
 *     kvm->max_vcpus (arm64 arm.c, VM fd); KVM_CAP_MAX_VCPUS reports
 *     KVM_MAX_VCPUS (x86) or kvm->max_vcpus (arm64, VM fd).
 *   kvm_vcpu_mmap() accepts any length/offset; kvm_vcpu_fault() serves page 0
 *     (kvm_run), the x86 PIO page and the coalesced-MMIO page, and anything
 *     else goes to kvm_arch_vcpu_fault(), which is VM_FAULT_SIGBUS on x86 and
 *     arm64.  So a mapping past KVM_GET_VCPU_MMAP_SIZE succeeds and touching
 *     the excess raises SIGBUS.
 *   KVM_GET_REGS/KVM_SET_REGS on arm64: arch/arm64/kvm/guest.c
 *     kvm_arch_vcpu_ioctl_get_regs()/set_regs() "return -EINVAL" (api.rst:
 *     "Architectures: all except arm64").  KVM_GET_ONE_REG before
 *     KVM_ARM_VCPU_INIT: arch/arm64/kvm/arm.c "r = -ENOEXEC; if
 *     (unlikely(!kvm_vcpu_initialized(vcpu))) break;".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"

#define NR_TESTS 24

#define CHURN_ITERS 1000
#define CHURN_WARMUP 16
/* How long to let deferred frees (RCU, workqueues) settle, in 100 ms steps. */
#define SETTLE_STEPS 30

static int sysfd;
static bool have_check_vm;
static size_t ps;

/* Prefer the VM's own answer (arm64 reports per-VM limits), else system. */
static long vm_cap(int vmfd, long cap)
{
	long v = have_check_vm ? abi_cap(vmfd, cap) : -1;

	return v > 0 ? v : abi_cap(sysfd, cap);
}

static struct tap_res create_vcpu(int vmfd, unsigned long id)
{
	return TAP_CALL(ioctl(vmfd, KVM_CREATE_VCPU, id));
}

/* ------------------------------------------------------------------ */
/* 1-5: create/destroy churn                                          */

struct churn_result {
	int failed_at;		/* -1 when all iterations succeeded */
	const char *failed_op;
	struct tap_res failed_res;
	bool live_ok;		/* counters seen while a VM was live */
	struct vmrun_objects live;
};

/* One VM + one memslot + one vCPU, then close them (order alternates). */
static bool churn_once(int i, void *backing, struct churn_result *cr,
		       bool sample_live)
{
	struct tap_res r;
	int vmfd, vcpufd;

	r = TAP_CALL(abi_create_vm(sysfd));
	if (r.ret < 0) {
		cr->failed_op = "KVM_CREATE_VM";
		goto fail;
	}
	vmfd = (int)r.ret;
	r = abi_set_region(vmfd, 0, 0, 0, ps, (unsigned long)backing);
	if (r.ret < 0) {
		close(vmfd);
		cr->failed_op = "KVM_SET_USER_MEMORY_REGION";
		goto fail;
	}
	r = create_vcpu(vmfd, 0);
	if (r.ret < 0) {
		close(vmfd);
		cr->failed_op = "KVM_CREATE_VCPU";
		goto fail;
	}
	vcpufd = (int)r.ret;
	if (sample_live)
		cr->live_ok = vmrun_objects_read(&cr->live) == 0;
	if (i & 1) {
		close(vmfd);
		close(vcpufd);
	} else {
		close(vcpufd);
		close(vmfd);
	}
	return true;
fail:
	cr->failed_at = i;
	cr->failed_res = r;
	return false;
}

/* MemAvailable counting the free pages parked on per-cpu lists. */
static int64_t avail_kb(const struct meminfo *m)
{
	return m->mem_available + (m->pcp_free > 0 ? m->pcp_free : 0);
}

/* Spread of avail_kb() over 5 samples 50 ms apart; -1 if unreadable. */
static int64_t avail_noise_kb(void)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN, v;
	struct meminfo m;
	int i;

	for (i = 0; i < 5; i++) {
		if (i)
			sleep_ms(50);
		if (meminfo_read(&m))
			return -1;
		v = avail_kb(&m);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	return hi - lo;
}

static void test_churn(void)
{
	const bool vmrun = !abi.ref;
	const int64_t tol_kb = (int64_t)CHURN_ITERS * (int64_t)(ps / 1024) / 2;
	struct vmrun_objects base = { -1, -1, -1 }, after = { -1, -1, -1 };
	struct churn_result cr = { .failed_at = -1 };
	struct meminfo before, now;
	int64_t slab_growth, avail_drop, best_slab, best_avail, noise;
	int base_err = 0, after_err = 0;
	bool mem_ok;
	void *backing;
	int i, step;

	backing = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (backing == MAP_FAILED)
		tap_bail("mmap of the memslot backing page failed");

	/* Warm caches (slabs, debugfs, per-cpu lists) before measuring. */
	for (i = 0; i < CHURN_WARMUP; i++)
		if (!churn_once(i, backing, &cr, false))
			break;

	/*
	 * MemAvailable is system-wide: if it already wanders by more than a
	 * quarter of the tolerance while we do nothing, other activity would
	 * drown the signal and the check is skipped (this happens on a busy
	 * development host, not in the idle testbed guest).
	 */
	noise = avail_noise_kb();

	if (vmrun)
		base_err = vmrun_objects_read(&base);
	mem_ok = cr.failed_at < 0 && meminfo_read(&before) == 0;

	for (i = 0; cr.failed_at < 0 && i < CHURN_ITERS; i++)
		churn_once(i, backing, &cr, vmrun && i == 0);

	if (cr.failed_at < 0)
		tap_check(true, "%d x (KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, close) all succeed",
			  CHURN_ITERS);
	else {
		tap_check(false, "%d x (KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, close) all succeed",
			  CHURN_ITERS);
		tap_diag("  iteration %d: %s: %s", cr.failed_at, cr.failed_op,
			 tap_res_str(cr.failed_res));
	}

	/*
	 * Leak check.  A leak of one page per iteration costs CHURN_ITERS pages;
	 * the tolerance is half that.  Deferred frees and per-cpu caches can
	 * make a sample look worse than the truth, never better for long, so
	 * resample for a while and keep the best reading.
	 */
	best_slab = best_avail = INT64_MAX;
	for (step = 0; mem_ok && step <= SETTLE_STEPS; step++) {
		if (step)
			sleep_ms(100);
		if (meminfo_read(&now))
			break;
		slab_growth = now.sunreclaim - before.sunreclaim;
		avail_drop = avail_kb(&before) - avail_kb(&now);
		if (slab_growth < best_slab)
			best_slab = slab_growth;
		if (avail_drop < best_avail)
			best_avail = avail_drop;
		if (best_slab <= tol_kb &&
		    (best_avail <= tol_kb || noise < 0 || noise > tol_kb / 4))
			break;
	}
	if (mem_ok && best_slab != INT64_MAX) {
		tap_diag("meminfo after %d iterations: SUnreclaim %+lld kB, Slab %+lld kB, MemAvailable %+lld kB, per-cpu free lists %+lld kB, VmallocUsed %+lld kB (tolerance %lld kB)",
			 CHURN_ITERS, (long long)(now.sunreclaim - before.sunreclaim),
			 (long long)(now.slab - before.slab),
			 (long long)(now.mem_available - before.mem_available),
			 (long long)(now.pcp_free - before.pcp_free),
			 (long long)(now.vmalloc_used - before.vmalloc_used),
			 (long long)tol_kb);
		if (!tap_check(best_slab <= tol_kb,
			       "churn: SUnreclaim grew less than %lld kB (half a page per iteration)",
			       (long long)tol_kb))
			tap_diag("  SUnreclaim grew %lld kB", (long long)best_slab);
		if (noise < 0 || noise > tol_kb / 4) {
			char why[128];

			snprintf(why, sizeof(why),
				 "MemAvailable wanders %lld kB while idle: system too busy to measure",
				 (long long)noise);
			tap_skip(why, "churn: MemAvailable (+ per-cpu free lists) dropped less than %lld kB (half a page per iteration)",
				 (long long)tol_kb);
		} else if (!tap_check(best_avail <= tol_kb,
				      "churn: MemAvailable (+ per-cpu free lists) dropped less than %lld kB (half a page per iteration)",
				      (long long)tol_kb)) {
			tap_diag("  MemAvailable dropped %lld kB (idle noise %lld kB)",
				 (long long)best_avail, (long long)noise);
		}
	} else {
		const char *why = cr.failed_at >= 0 ? "churn failed" :
			"/proc/meminfo unreadable";

		tap_check(false, "churn: SUnreclaim grew less than %lld kB (%s)",
			  (long long)tol_kb, why);
		tap_check(false, "churn: MemAvailable (+ per-cpu free lists) dropped less than %lld kB (%s)",
			  (long long)tol_kb, why);
	}

	if (!vmrun) {
		tap_skip(ABI_REF_SKIP, "debugfs vmrun/objects counts a live VM, memslot and vCPU");
		tap_skip(ABI_REF_SKIP, "debugfs vmrun/objects back to baseline after churn");
		munmap(backing, ps);
		return;
	}

	/* The counters must see the live objects, else they prove nothing. */
	if (base_err || !cr.live_ok) {
		tap_check(false, "debugfs vmrun/objects counts a live VM, memslot and vCPU");
		tap_diag("  %s: %s", VMRUN_OBJECTS_PATH,
			 strerror(base_err ? -base_err : ENOENT));
	} else if (!tap_check(cr.live.vms == base.vms + 1 &&
			      cr.live.vcpus == base.vcpus + 1 &&
			      cr.live.memslots == base.memslots + 1 &&
			      base.vms >= 0 && base.vcpus >= 0 &&
			      base.memslots >= 0,
			      "debugfs vmrun/objects counts a live VM, memslot and vCPU")) {
		tap_diag("  baseline %s", vmrun_objects_str(&base));
		tap_diag("  live     %s", vmrun_objects_str(&cr.live));
	}

	for (step = 0; step <= SETTLE_STEPS; step++) {
		if (step)
			sleep_ms(100);
		after_err = vmrun_objects_read(&after);
		if (after_err || (after.vms == base.vms &&
				  after.vcpus == base.vcpus &&
				  after.memslots == base.memslots))
			break;
	}
	if (!tap_check(!base_err && !after_err && after.vms == base.vms &&
		       after.vcpus == base.vcpus &&
		       after.memslots == base.memslots && base.vms >= 0,
		       "debugfs vmrun/objects back to baseline after churn")) {
		tap_diag("  baseline %s", vmrun_objects_str(&base));
		tap_diag("  after    %s", vmrun_objects_str(&after));
	}
	munmap(backing, ps);
}

/* ------------------------------------------------------------------ */
/* 6-9: vCPU id bounds and duplicates                                 */

static void test_vcpu_ids(int vmfd, long max_vcpu_id)
{
	struct tap_res r;

	r = create_vcpu(vmfd, (unsigned long)max_vcpu_id);
	tap_expect_errno(r, EINVAL,
			 "KVM_CREATE_VCPU(id = KVM_CAP_MAX_VCPU_ID = %ld) -> EINVAL",
			 max_vcpu_id);
	if (r.ret >= 0)
		close((int)r.ret);
	r = create_vcpu(vmfd, 0xffffffffUL);
	tap_expect_errno(r, EINVAL, "KVM_CREATE_VCPU(id 0xffffffff) -> EINVAL");
	if (r.ret >= 0)
		close((int)r.ret);
	r = create_vcpu(vmfd, (unsigned long)max_vcpu_id - 1);
	tap_expect_ok(r, "KVM_CREATE_VCPU(id = KVM_CAP_MAX_VCPU_ID - 1 = %ld) succeeds",
		      max_vcpu_id - 1);
	if (r.ret >= 0) {
		struct tap_res d = create_vcpu(vmfd, (unsigned long)max_vcpu_id - 1);

		tap_expect_errno(d, EEXIST,
				 "KVM_CREATE_VCPU(id %ld) a second time -> EEXIST",
				 max_vcpu_id - 1);
		if (d.ret >= 0)
			close((int)d.ret);
		close((int)r.ret);
	} else {
		tap_skip("no vCPU to duplicate",
			 "KVM_CREATE_VCPU(id %ld) a second time -> EEXIST",
			 max_vcpu_id - 1);
	}
}

/* ------------------------------------------------------------------ */
/* 10-11: vCPU count limit                                            */

static void test_max_vcpus(void)
{
	struct tap_res vm, r;
	long max_vcpus, max_vcpu_id, n, extra_id;
	int *fds;

	vm = TAP_CALL(abi_create_vm(sysfd));
	if (vm.ret < 0) {
		tap_diag("KVM_CREATE_VM: %s", tap_res_str(vm));
		tap_check(false, "KVM_CREATE_VCPU succeeds for KVM_CAP_MAX_VCPUS vCPUs (no VM)");
		tap_check(false, "KVM_CREATE_VCPU beyond KVM_CAP_MAX_VCPUS -> EINVAL (no VM)");
		return;
	}
	max_vcpus = vm_cap((int)vm.ret, KVM_CAP_MAX_VCPUS);
	max_vcpu_id = vm_cap((int)vm.ret, KVM_CAP_MAX_VCPU_ID);
	if (max_vcpus <= 0 || max_vcpus > 65536 ||
	    ensure_nofile((unsigned long)max_vcpus + 64)) {
		char why[96];

		snprintf(why, sizeof(why),
			 "cannot hold %ld vCPU fds (RLIMIT_NOFILE)", max_vcpus);
		tap_skip(why, "KVM_CREATE_VCPU succeeds for KVM_CAP_MAX_VCPUS vCPUs");
		tap_skip(why, "KVM_CREATE_VCPU beyond KVM_CAP_MAX_VCPUS -> EINVAL");
		close((int)vm.ret);
		return;
	}
	fds = calloc((size_t)max_vcpus, sizeof(*fds));
	if (!fds)
		tap_bail("out of memory");

	r = (struct tap_res){ 0, 0 };
	for (n = 0; n < max_vcpus; n++) {
		r = create_vcpu((int)vm.ret, (unsigned long)n);
		if (r.ret < 0)
			break;
		fds[n] = (int)r.ret;
	}
	if (!tap_check(n == max_vcpus,
		       "KVM_CREATE_VCPU succeeds for all KVM_CAP_MAX_VCPUS = %ld vCPUs",
		       max_vcpus))
		tap_diag("  vCPU %ld: %s", n, tap_res_str(r));

	/*
	 * One more.  Use an unused id when KVM_CAP_MAX_VCPU_ID leaves one, so
	 * that only the count can be the reason; otherwise (ids == vCPUs, as on
	 * arm64) reuse id 0: 6.1 checks the count before duplicate ids, so
	 * that is EINVAL too, not EEXIST.
	 */
	extra_id = max_vcpu_id > max_vcpus ? max_vcpus : 0;
	if (n == max_vcpus) {
		r = create_vcpu((int)vm.ret, (unsigned long)extra_id);
		tap_expect_errno(r, EINVAL,
				 "KVM_CREATE_VCPU(id %ld) beyond KVM_CAP_MAX_VCPUS -> EINVAL",
				 extra_id);
		if (r.ret >= 0)
			close((int)r.ret);
	} else {
		tap_skip("could not reach the limit",
			 "KVM_CREATE_VCPU(id %ld) beyond KVM_CAP_MAX_VCPUS -> EINVAL",
			 extra_id);
	}
	while (n > 0)
		close(fds[--n]);
	free(fds);
	close((int)vm.ret);
}

/* ------------------------------------------------------------------ */
/* 12-15: the kvm_run mapping                                         */

/* Map len bytes at offset off; report whether the last page faults. */
static void check_mapping_beyond(int vcpufd, size_t len, off_t off,
				 const char *desc)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd,
		       off);
	int sig;

	if (p == MAP_FAILED) {
		tap_check(true, "%s", desc);
		tap_diag("  mmap refused: %s (KVM 6.1 maps and SIGBUSes)",
			 tap_errname(errno));
		return;
	}
	sig = probe_access((char *)p + len - ps, false);
	if (!tap_check(sig == SIGBUS, "%s", desc))
		tap_diag("  access to the page past the end %s",
			 sig ? strsignal(sig) : "succeeded");
	munmap(p, len);
}

static void test_run_mmap(int vcpufd, long mmap_size)
{
	struct kvm_run *run1, *run2;
	size_t len = (size_t)mmap_size;
	size_t off;
	int sig = 0;

	run1 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run1 == MAP_FAILED) {
		tap_check(false, "mmap(vCPU fd, KVM_GET_VCPU_MMAP_SIZE, offset 0) succeeds and every page is readable");
		tap_diag("  mmap: %s", strerror(errno));
		tap_skip("no mapping", "a second mapping of the vCPU fd shares struct kvm_run");
	} else {
		for (off = 0; off < len && !sig; off += ps)
			sig = probe_access((char *)run1 + off, false);
		if (!sig)
			sig = probe_access(&run1->immediate_exit, true);
		if (!tap_check(!sig, "mmap(vCPU fd, KVM_GET_VCPU_MMAP_SIZE, offset 0) succeeds and every page is readable"))
			tap_diag("  page at offset %zu: %s", off - ps,
				 strsignal(sig));

		run2 = sig ? MAP_FAILED :
			mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED,
			     vcpufd, 0);
		if (run2 == MAP_FAILED) {
			tap_check(false, "a second mapping of the vCPU fd shares struct kvm_run");
		} else {
			run1->immediate_exit = 0x5a;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (!tap_check(run2->immediate_exit == 0x5a,
				       "a second mapping of the vCPU fd shares struct kvm_run"))
				tap_diag("  wrote 0x5a through one mapping, read 0x%x through the other",
					 run2->immediate_exit);
			run1->immediate_exit = 0;
			munmap(run2, ps);
		}
		munmap(run1, len);
	}

	check_mapping_beyond(vcpufd, len + ps, 0,
			     "vCPU mmap of KVM_GET_VCPU_MMAP_SIZE + 1 page: the extra page SIGBUSes (or mmap is refused)");
	check_mapping_beyond(vcpufd, ps, (off_t)len,
			     "vCPU mmap at offset KVM_GET_VCPU_MMAP_SIZE: access SIGBUSes (or mmap is refused)");
}

/* ------------------------------------------------------------------ */
/* 16-24: registers, and a vCPU outliving its VM fd                   */

#ifdef ABI_X86
static void fill_regs(struct kvm_regs *regs, uint64_t seed)
{
	uint64_t *w = (uint64_t *)regs;
	size_t i;

	for (i = 0; i < sizeof(*regs) / sizeof(uint64_t); i++)
		w[i] = seed + i * 0x0101010101010101ULL;
	regs->rip = 0x7c00 + (seed >> 56);
	/* Bit 1 is fixed to 1; ZF and PF are plain status flags. */
	regs->rflags = 0x2 | 0x40 | 0x4;
}

static bool regs_equal(const struct kvm_regs *a, const struct kvm_regs *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void diag_regs_mismatch(const struct kvm_regs *got,
			       const struct kvm_regs *want)
{
	const uint64_t *g = (const uint64_t *)got, *w = (const uint64_t *)want;
	size_t i;

	for (i = 0; i < sizeof(*got) / sizeof(uint64_t); i++)
		if (g[i] != w[i])
			tap_diag("  word %zu: got 0x%llx want 0x%llx", i,
				 (unsigned long long)g[i],
				 (unsigned long long)w[i]);
}

/* Returns true if the vCPU still reads back the pattern it was given. */
static bool vcpu_alive_check(int vcpufd, const void *expect)
{
	struct kvm_regs regs;
	struct tap_res r = TAP_CALL(ioctl(vcpufd, KVM_GET_REGS, &regs));

	if (r.ret < 0) {
		tap_diag("  KVM_GET_REGS: %s", tap_res_str(r));
		return false;
	}
	return regs_equal(&regs, expect);
}

static const char *const alive_desc =
	"after closing the VM fd the vCPU fd still works (kvm_run mapping; KVM_GET_REGS returns the set values)";

static void *test_regs(int vmfd, int vcpufd, int vcpufd_b)
{
	static struct kvm_regs set, got, other;
	struct tap_res r;

	fill_regs(&set, 0x1122334455667700ULL);
	tap_expect_ok(TAP_CALL(ioctl(vcpufd, KVM_SET_REGS, &set)),
		      "KVM_SET_REGS succeeds (x86)");
	memset(&got, 0xa5, sizeof(got));
	tap_expect_ok(TAP_CALL(ioctl(vcpufd, KVM_GET_REGS, &got)),
		      "KVM_GET_REGS succeeds (x86)");
	if (!tap_check(regs_equal(&got, &set),
		       "KVM_GET_REGS returns exactly what KVM_SET_REGS wrote"))
		diag_regs_mismatch(&got, &set);
	r = TAP_CALL(ioctl(vcpufd_b, KVM_GET_REGS, &other));
	if (!tap_check(r.ret == 0 && other.rax != set.rax &&
		       other.rbx != set.rbx && other.rip != set.rip,
		       "KVM_SET_REGS on one vCPU leaves another vCPU's registers alone"))
		tap_diag("  other vCPU: %s rax=0x%llx rip=0x%llx",
			 tap_res_str(r), (unsigned long long)other.rax,
			 (unsigned long long)other.rip);
	tap_skip("arm64 only", "KVM_GET_ONE_REG before KVM_ARM_VCPU_INIT -> ENOEXEC");
	tap_skip("arm64 only", "KVM_ARM_VCPU_INIT with KVM_ARM_PREFERRED_TARGET succeeds");
	(void)vmfd;
	return &set;
}
#else /* ABI_ARM64 */
#define REG_X0 (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		KVM_REG_ARM_CORE_REG(regs.regs[0]))
#define REG_PC (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		KVM_REG_ARM_CORE_REG(regs.pc))

static struct tap_res one_reg(int vcpufd, unsigned long req, uint64_t id,
			      uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return TAP_CALL(ioctl(vcpufd, req, &reg));
}

static bool vcpu_init(int vmfd, int vcpufd, struct tap_res *out)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	*out = TAP_CALL(ioctl(vmfd, KVM_ARM_PREFERRED_TARGET, &init));
	if (out->ret < 0)
		return false;
	*out = TAP_CALL(ioctl(vcpufd, KVM_ARM_VCPU_INIT, &init));
	return out->ret == 0;
}

/* Set by test_regs(): whether X0 can be read back through KVM_GET_ONE_REG. */
static bool have_one_reg;

static bool vcpu_alive_check(int vcpufd, const void *expect)
{
	uint64_t x0 = 0;
	struct tap_res r;

	if (!have_one_reg) {
		/* Still reaches the arm64 handler, not EIO/EBADF. */
		struct kvm_regs regs;

		r = TAP_CALL(ioctl(vcpufd, KVM_GET_REGS, &regs));
		if (r.ret == -1 && r.err == EINVAL)
			return true;
		tap_diag("  KVM_GET_REGS: %s, expected EINVAL", tap_res_str(r));
		return false;
	}
	r = one_reg(vcpufd, KVM_GET_ONE_REG, REG_X0, &x0);
	if (r.ret < 0) {
		tap_diag("  KVM_GET_ONE_REG(X0): %s", tap_res_str(r));
		return false;
	}
	return x0 == *(const uint64_t *)expect;
}

static const char *const alive_desc =
	"after closing the VM fd the vCPU fd still works (kvm_run mapping; KVM_GET_ONE_REG returns the set X0, or KVM_GET_REGS still EINVAL without ONE_REG)";

static void *test_regs(int vmfd, int vcpufd, int vcpufd_b)
{
	static const char *const no_init =
		"vmrun answers KVM_ARM_PREFERRED_TARGET like an unknown ioctl (EINVAL): not offered yet";
	static const uint64_t x0_set = 0x1122334455667788ULL;
	static const uint64_t pc_set = 0x40080000ULL;
	static uint64_t x0_got, pc_got, x0_other;
	const char *why = NULL;
	struct kvm_regs regs;
	struct tap_res r, r2;
	bool one_reg_cap = abi_cap(sysfd, KVM_CAP_ONE_REG) > 0;

	memset(&regs, 0, sizeof(regs));
	tap_expect_errno(TAP_CALL(ioctl(vcpufd, KVM_SET_REGS, &regs)), EINVAL,
			 "KVM_SET_REGS -> EINVAL on arm64 (guest.c kvm_arch_vcpu_ioctl_set_regs)");
	tap_expect_errno(TAP_CALL(ioctl(vcpufd, KVM_GET_REGS, &regs)), EINVAL,
			 "KVM_GET_REGS -> EINVAL on arm64 (guest.c kvm_arch_vcpu_ioctl_get_regs)");
	if (one_reg_cap)
		tap_expect_errno(one_reg(vcpufd, KVM_GET_ONE_REG, REG_X0, &x0_got),
				 ENOEXEC, "KVM_GET_ONE_REG before KVM_ARM_VCPU_INIT -> ENOEXEC");
	else
		tap_skip("KVM_CAP_ONE_REG not advertised",
			 "KVM_GET_ONE_REG before KVM_ARM_VCPU_INIT -> ENOEXEC");

	if (!vcpu_init(vmfd, vcpufd, &r) && abi_vmrun_lacks(r, EINVAL)) {
		why = no_init;
		tap_skip(why, "KVM_ARM_VCPU_INIT with KVM_ARM_PREFERRED_TARGET succeeds");
	} else if (!tap_check(r.ret == 0,
			      "KVM_ARM_VCPU_INIT with KVM_ARM_PREFERRED_TARGET succeeds")) {
		tap_diag("  %s", tap_res_str(r));
		why = "KVM_ARM_VCPU_INIT failed";
	}
	if (!why && !one_reg_cap)
		why = "KVM_CAP_ONE_REG not advertised";
	if (why) {
		tap_skip(why, "KVM_GET_ONE_REG returns what KVM_SET_ONE_REG wrote (X0, PC)");
		tap_skip(why, "KVM_SET_ONE_REG on one vCPU leaves another vCPU's X0 alone");
		return (void *)&x0_set;
	}
	have_one_reg = true;

	r = one_reg(vcpufd, KVM_SET_ONE_REG, REG_X0, (uint64_t *)&x0_set);
	r2 = one_reg(vcpufd, KVM_SET_ONE_REG, REG_PC, (uint64_t *)&pc_set);
	if (r.ret == 0 && r2.ret == 0) {
		r = one_reg(vcpufd, KVM_GET_ONE_REG, REG_X0, &x0_got);
		r2 = one_reg(vcpufd, KVM_GET_ONE_REG, REG_PC, &pc_got);
	}
	if (!tap_check(r.ret == 0 && r2.ret == 0 && x0_got == x0_set &&
		       pc_got == pc_set,
		       "KVM_GET_ONE_REG returns what KVM_SET_ONE_REG wrote (X0, PC)"))
		tap_diag("  X0: %s got 0x%llx; PC: ret %ld got 0x%llx",
			 tap_res_str(r), (unsigned long long)x0_got, r2.ret,
			 (unsigned long long)pc_got);

	r = (struct tap_res){ 0, 0 };
	if (vcpu_init(vmfd, vcpufd_b, &r))
		r = one_reg(vcpufd_b, KVM_GET_ONE_REG, REG_X0, &x0_other);
	if (!tap_check(r.ret == 0 && x0_other != x0_set,
		       "KVM_SET_ONE_REG on one vCPU leaves another vCPU's X0 alone"))
		tap_diag("  other vCPU: %s X0=0x%llx", tap_res_str(r),
			 (unsigned long long)x0_other);
	return (void *)&x0_set;
}
#endif

/*
 * pre: the counters before this VM was created.  Closing the VM fd must not
 * destroy the VM while a vCPU fd is open; closing that last fd must.
 */
static void test_vcpu_outlives_vm(int vmfd, int vcpufd, const void *expect,
				  const struct vmrun_objects *pre, int pre_err,
				  long mmap_size)
{
	struct vmrun_objects mid, end;
	bool vmrun = !abi.ref, alive;
	int e2 = 0, e3 = 0, step;
	void *run;

	close(vmfd);
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpufd, 0);
	alive = run != MAP_FAILED && probe_access(run, true) == 0;
	if (!alive)
		tap_diag("  kvm_run mapping after the VM fd closed: %s",
			 run == MAP_FAILED ? strerror(errno) : "faults");
	if (run != MAP_FAILED)
		munmap(run, (size_t)mmap_size);
	alive = vcpu_alive_check(vcpufd, expect) && alive;
	tap_check(alive, "%s", alive_desc);
	if (!vmrun) {
		tap_skip(ABI_REF_SKIP, "debugfs vmrun/objects: the VM lives until its last vCPU fd is closed");
		close(vcpufd);
		return;
	}
	e2 = vmrun_objects_read(&mid);
	close(vcpufd);
	for (step = 0; step <= SETTLE_STEPS; step++) {
		if (step)
			sleep_ms(100);
		e3 = vmrun_objects_read(&end);
		if (e3 || end.vms == pre->vms)
			break;
	}
	if (!tap_check(!pre_err && !e2 && !e3 && pre->vms >= 0 &&
		       mid.vms == pre->vms + 1 && mid.vcpus >= pre->vcpus + 1 &&
		       end.vms == pre->vms && end.vcpus == pre->vcpus &&
		       end.memslots == pre->memslots,
		       "debugfs vmrun/objects: the VM lives until its last vCPU fd is closed")) {
		tap_diag("  before the VM  %s", vmrun_objects_str(pre));
		tap_diag("  VM fd closed   %s", vmrun_objects_str(&mid));
		tap_diag("  vCPU fd closed %s", vmrun_objects_str(&end));
	}
}

int main(void)
{
	struct vmrun_objects pre = { -1, -1, -1 };
	long max_vcpu_id, mmap_size;
	struct tap_res vm, a, b;
	int pre_err;
	double t;
	const void *expect;

	abi_init();
	ps = page_size();
	sysfd = abi_open_dev();
	tap_plan(NR_TESTS);
	abi_hold_vm(sysfd);
	have_check_vm = abi_cap(sysfd, KVM_CAP_CHECK_EXTENSION_VM) > 0;
	mmap_size = ioctl(sysfd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (long)ps)
		tap_bail("KVM_GET_VCPU_MMAP_SIZE returned %ld", mmap_size);

	t = mono_seconds();
	test_churn();					/* 1-5 */
	tap_diag("churn took %.2f s", mono_seconds() - t);

	vm = TAP_CALL(abi_create_vm(sysfd));
	if (vm.ret < 0)
		tap_bail("KVM_CREATE_VM: %s", tap_res_str(vm));
	max_vcpu_id = vm_cap((int)vm.ret, KVM_CAP_MAX_VCPU_ID);
	if (max_vcpu_id <= 0)
		max_vcpu_id = vm_cap((int)vm.ret, KVM_CAP_MAX_VCPUS);
	tap_diag("KVM_CAP_MAX_VCPU_ID (VM) = %ld, KVM_CAP_MAX_VCPUS (VM) = %ld",
		 max_vcpu_id, vm_cap((int)vm.ret, KVM_CAP_MAX_VCPUS));
	test_vcpu_ids((int)vm.ret, max_vcpu_id);	/* 6-9 */
	close((int)vm.ret);

	t = mono_seconds();
	test_max_vcpus();				/* 10-11 */
	tap_diag("vCPU count limit took %.2f s", mono_seconds() - t);

	pre_err = abi.ref ? -ENOENT : vmrun_objects_read(&pre);
	vm = TAP_CALL(abi_create_vm(sysfd));
	if (vm.ret < 0)
		tap_bail("KVM_CREATE_VM: %s", tap_res_str(vm));
	a = create_vcpu((int)vm.ret, 0);
	b = create_vcpu((int)vm.ret, 1);
	if (a.ret < 0 || b.ret < 0)
		tap_bail("KVM_CREATE_VCPU(0/1): %s", tap_res_str(a.ret < 0 ? a : b));
	test_run_mmap((int)a.ret, mmap_size);		/* 12-15 */
	expect = test_regs((int)vm.ret, (int)a.ret, (int)b.ret); /* 16-21 */
	close((int)b.ret);
	test_vcpu_outlives_vm((int)vm.ret, (int)a.ret, expect, &pre, pre_err,
			      mmap_size);		/* 22-23 */

	/* 24: nothing leaked by the tests above is still holding the device. */
	vm = TAP_CALL(abi_create_vm(sysfd));
	tap_expect_ok(vm, "KVM_CREATE_VM still succeeds after all vCPU tests");
	if (vm.ret >= 0)
		close((int)vm.ret);

	close(sysfd);
	return tap_finish();
}
