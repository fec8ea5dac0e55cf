/* cgroup v2 device filter: linux.resources.devices compiled into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program with raw bpf(2), no libbpf.
 *
 * The program, for a request (type, access, major, minor):
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   for each rule, last first:
 *     type/major/minor differ                     -> next rule
 *     allow rule: request has access it lacks    -> next rule
 *     deny rule:  request shares no access with it -> next rule
 *     return allow ? 1 : 0
 *   return 0                                      (no rule matched: deny)
 * So the last matching rule wins. A rule that matches everything ends the
 * program (the verifier refuses unreachable code after it). */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

struct prog {
	struct bpf_insn *v;
	size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	p->v[p->n].code = code;
	p->v[p->n].dst_reg = dst & 0xf;
	p->v[p->n].src_reg = src & 0xf;
	p->v[p->n].off = off;
	p->v[p->n].imm = imm;
	p->n++;
}

#define LDX_W(p, dst, src, off) emit(p, BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU_K(p, op, dst, imm)  emit(p, BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV_X(p, dst, src)      emit(p, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
/* Conditional jump to the end of the rule's block; the offset is patched later. */
#define JMP_K(p, op, dst, imm) emit(p, BPF_JMP | (op) | BPF_K, dst, 0, 0, imm)
#define EXIT(p)                emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *acc, size_t i, uint32_t *ret, ocirun_error_t *err)
{
	uint32_t bits = 0;

	if (!acc)
		acc = "rwm";
	for (const char *c = acc; *c; c++) {
		if (*c == 'r')
			bits |= BPF_DEVCG_ACC_READ;
		else if (*c == 'w')
			bits |= BPF_DEVCG_ACC_WRITE;
		else if (*c == 'm')
			bits |= BPF_DEVCG_ACC_MKNOD;
		else if (*c == 'a')
			continue; /* means nothing, ignored as runc's v1 driver does */
		else
			return oerr_msg(err, EINVAL,
					"linux.resources.devices[%zu].access: invalid access \"%s\"", i, acc);
	}
	if (!bits)
		return oerr_msg(err, EINVAL, "linux.resources.devices[%zu].access: empty", i);
	*ret = bits;
	return 0;
}

static int dev_num(bool has, int64_t v, const char *what, size_t i, int32_t *ret, ocirun_error_t *err)
{
	if (!has || v < 0) {
		*ret = -1; /* wildcard */
		return 0;
	}
	if (v > INT32_MAX)
		return oerr_msg(err, ERANGE, "linux.resources.devices[%zu].%s: %" PRId64 " is out of range",
				i, what, v);
	*ret = (int32_t)v;
	return 0;
}

/* One rule's block; returns 1 when the rule matches every request. */
static int emit_rule(struct prog *p, const struct oci_device_cgroup *d, size_t i, ocirun_error_t *err)
{
	const char *t = d->type ? d->type : "a";
	int32_t type = 0, major = -1, minor = -1;
	uint32_t acc = ACC_ALL;
	size_t start = p->n, jumps = 0;

	if (strcmp(t, "c") == 0)
		type = BPF_DEVCG_DEV_CHAR;
	else if (strcmp(t, "b") == 0)
		type = BPF_DEVCG_DEV_BLOCK;
	else if (strcmp(t, "a") != 0)
		return oerr_msg(err, EINVAL, "linux.resources.devices[%zu].type: invalid device type \"%s\"",
				i, t);
	if (access_bits(d->access, i, &acc, err) < 0 ||
	    dev_num(d->has_major, d->major, "major", i, &major, err) < 0 ||
	    dev_num(d->has_minor, d->minor, "minor", i, &minor, err) < 0)
		return oerr_ret(err);
	if (type) {
		JMP_K(p, BPF_JNE, BPF_REG_2, type);
		jumps++;
	}
	if (major >= 0) {
		JMP_K(p, BPF_JNE, BPF_REG_4, major);
		jumps++;
	}
	if (minor >= 0) {
		JMP_K(p, BPF_JNE, BPF_REG_5, minor);
		jumps++;
	}
	if (acc != ACC_ALL) {
		MOV_X(p, BPF_REG_1, BPF_REG_3);
		if (d->allow) {
			ALU_K(p, BPF_AND, BPF_REG_1, (int32_t)(~acc & ACC_ALL));
			JMP_K(p, BPF_JNE, BPF_REG_1, 0);
		} else {
			ALU_K(p, BPF_AND, BPF_REG_1, (int32_t)acc);
			JMP_K(p, BPF_JEQ, BPF_REG_1, 0);
		}
		jumps++;
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
	EXIT(p);
	/* Every conditional jump of the block goes to the next block. */
	for (size_t k = start; k < p->n; k++)
		if (BPF_CLASS(p->v[k].code) == BPF_JMP && BPF_OP(p->v[k].code) != BPF_EXIT)
			p->v[k].off = (int16_t)(p->n - (k + 1));
	return jumps == 0;
}

int cg_devices_bpf_build(const struct oci_device_cgroup *rules, size_t n, struct bpf_insn **ret,
			 size_t *ret_n, ocirun_error_t *err)
{
	struct prog p = {NULL, 0};
	bool total = false;

	/* ctx is struct bpf_cgroup_dev_ctx: access_type = access << 16 | type. */
	LDX_W(&p, BPF_REG_2, BPF_REG_1, 0);
	ALU_K(&p, BPF_AND, BPF_REG_2, 0xffff);
	LDX_W(&p, BPF_REG_3, BPF_REG_1, 0);
	ALU_K(&p, BPF_RSH, BPF_REG_3, 16);
	LDX_W(&p, BPF_REG_4, BPF_REG_1, 4);
	LDX_W(&p, BPF_REG_5, BPF_REG_1, 8);
	for (size_t i = n; i-- > 0 && !total;) {
		int r = emit_rule(&p, &rules[i], i, err);
		if (r < 0) {
			free(p.v);
			return r;
		}
		total = r == 1;
	}
	if (!total) {
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		EXIT(&p);
	}
	*ret = p.v;
	*ret_n = p.n;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int cg_devices_bpf_load(const struct bpf_insn *insns, size_t n, ocirun_error_t *err)
{
	static const char license[] = "Apache-2.0";
	union bpf_attr a;
	int fd, e;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	e = errno;
	/* Load again with the verifier's log, only to say why. */
	_cleanup_free_ char *log = xzalloc(65536);
	a.log_level = 1;
	a.log_size = 65536;
	a.log_buf = (uint64_t)(uintptr_t)log;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		close(fd);
	size_t len = strlen(log);
	while (len > 0 && log[len - 1] == '\n')
		log[--len] = '\0';
	const char *tail = strrchr(log, '\n');
	return oerr_msg(err, e, "load the device filter (bpf BPF_PROG_LOAD, %zu instructions): %s%s%s", n,
			strerror(e), *log ? ": verifier: " : "", tail ? tail + 1 : log);
}

/* The programs attached directly to the cgroup (ours, from an earlier apply). */
static size_t query_attached(int dirfd, uint32_t *ids, size_t cap)
{
	union bpf_attr q;

	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)dirfd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = (uint32_t)cap;
	if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
		return 0;
	return q.query.prog_cnt < cap ? q.query.prog_cnt : cap;
}

int cg_devices_bpf_apply(int dirfd, const struct oci_device_cgroup *rules, size_t n, ocirun_error_t *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -1;
	uint32_t old[64];
	size_t n_insns = 0, n_old;
	union bpf_attr a;

	if (cg_devices_bpf_build(rules, n, &insns, &n_insns, err) < 0)
		return oerr_ret(err);
	prog = cg_devices_bpf_load(insns, n_insns, err);
	if (prog < 0)
		return prog;
	n_old = query_attached(dirfd, old, ARRAY_SIZE(old));
	/* Attach the new filter before detaching the old one: never a moment
	 * without a filter. */
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dirfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return oerr(err, errno, "attach the device filter (bpf BPF_PROG_ATTACH)");
	for (size_t i = 0; i < n_old; i++) {
		union bpf_attr g, d;
		memset(&g, 0, sizeof(g));
		g.prog_id = old[i];
		_cleanup_close_ int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (fd < 0)
			continue;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)dirfd;
		d.attach_bpf_fd = (uint32_t)fd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
			return oerr(err, errno, "detach the previous device filter (bpf BPF_PROG_DETACH)");
	}
	return 0;
}
