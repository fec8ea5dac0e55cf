/* Unit tests for sec/: capabilities, rlimits and seccomp. Validation is
 * checked on exact messages; behaviour in fork()ed children, which report
 * through their exit status (0 = all good, else the number of the failed step). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "sec/sec.h"
#include "sec/seccomp_bpf.h"
#include "unit.h"

#define V(...) ((char *[]){__VA_ARGS__, NULL})

/* Run fn in a child; returns the raw wait status. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

#define CHECK_EXIT0(status)                                                                                  \
	do {                                                                                                 \
		int _s = (status);                                                                           \
		if (!(WIFEXITED(_s) && WEXITSTATUS(_s) == 0))                                                \
			fprintf(stderr, "# child: %s %d\n", WIFEXITED(_s) ? "exit" : "signal",               \
				WIFEXITED(_s) ? WEXITSTATUS(_s) : WTERMSIG(_s));                             \
		CHECK(WIFEXITED(_s) && WEXITSTATUS(_s) == 0);                                                \
	} while (0)

/* A capability mask line of /proc/self/status, e.g. "CapEff". */
static uint64_t status_mask(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

/* ---------------- capabilities ---------------- */

TEST(caps_names)
{
	char *name = caps_to_name(0);
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	CHECK(caps_from_name("CAP_CHOWN") == 0);
	CHECK(caps_from_name("CAP_SYS_ADMIN") == 21);
	CHECK(caps_from_name("CAP_NET_BIND_SERVICE") == 10);
	CHECK(caps_from_name("cap_chown") == -1); /* the spec's spelling only */
	CHECK(caps_from_name("CAP_chown") == -1);
	CHECK(caps_from_name("CHOWN") == -1);
	CHECK(caps_from_name("0") == -1);
	CHECK(caps_from_name("CAP_") == -1);
	CHECK(caps_from_name("CAP_FOO") == -1);
	CHECK(caps_from_name(NULL) == -1);
	CHECK_STR(name, "CAP_CHOWN");
	free(name);
	name = caps_to_name(21);
	CHECK_STR(name, "CAP_SYS_ADMIN");
	free(name);
	CHECK(caps_to_name(-1) == NULL);
	CHECK(caps_to_name(63) == NULL);
	if (f) {
		CHECK(fscanf(f, "%d", &last) == 1);
		fclose(f);
	}
	CHECK(caps_last_cap() == last);
}

TEST(caps_validate)
{
	ocirun_error_t err = {0};
	struct oci_capabilities c = {0};
	struct caps_set set;

	CHECK(caps_validate(NULL, &set, &err) == 0);
	CHECK(caps_validate(&c, &set, &err) == 0);

	/* unknown names are ignored with a warning (runtime-spec, runc) */
	c.bounding = V("CAP_CHOWN", "CAP_FOO");
	CHECK(caps_validate(&c, &set, &err) == 0);
	CHECK(set.bounding == 1 && set.effective == 0);

	c.bounding = V("CAP_CHOWN");
	c.ambient = V("cap_kill"); /* libcap's spelling, not the spec's: unknown */
	CHECK(caps_validate(&c, &set, &err) == 0);
	CHECK(set.ambient == 0);

	c.ambient = NULL;
	c.permitted = V("CAP_CHOWN");
	c.effective = V("CAP_CHOWN", "CAP_KILL");
	CHECK(caps_validate(&c, &set, &err) < 0);
	CHECK_STR(err.msg, "process.capabilities.effective: CAP_KILL is not in the permitted set");

	c.effective = V("CAP_CHOWN");
	c.inheritable = V("CAP_AUDIT_READ", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");
	CHECK(caps_validate(&c, &set, &err) == 0);
	CHECK(set.permitted == 1 && set.effective == 1);
}

struct caps_case {
	struct oci_capabilities *caps; /* NULL: none at all */
	uid_t uid;                     /* switch to it between prepare and apply */
	uint64_t eff, prm, inh, bnd, amb;
	const char *exec_check; /* grep pattern on /proc/self/status after exec */
};

static int caps_child(void *arg)
{
	const struct caps_case *t = arg;
	ocirun_error_t err = {0};
	struct caps_set set;

	if (caps_validate(t->caps, &set, &err) < 0) {
		fprintf(stderr, "# caps_validate: %s\n", err.msg);
		return 12;
	}
	if (caps_prepare(&set, &err) < 0) {
		fprintf(stderr, "# caps_prepare: %s\n", err.msg);
		return 1;
	}
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1)
		return 2;
	/* What the init does in between. */
	if (t->uid != 0 && (setgroups(0, NULL) < 0 || setresgid(t->uid, t->uid, t->uid) < 0 ||
			    setresuid(t->uid, t->uid, t->uid) < 0))
		return 3;
	if (caps_apply(&set, &err) < 0) {
		fprintf(stderr, "# caps_apply: %s\n", err.msg);
		return 4;
	}
	if (status_mask("CapEff") != t->eff)
		return 5;
	if (status_mask("CapPrm") != t->prm)
		return 6;
	if (status_mask("CapInh") != t->inh)
		return 7;
	if (status_mask("CapBnd") != t->bnd)
		return 8;
	if (status_mask("CapAmb") != t->amb)
		return 9;
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
		return 10;
	if (t->exec_check) {
		execl("/bin/grep", "grep", "-q", t->exec_check, "/proc/self/status", (char *)NULL);
		return 11;
	}
	return 0;
}

TEST(caps_apply_chown)
{
	struct oci_capabilities c = {
	    .bounding = V("CAP_CHOWN"),
	    .effective = V("CAP_CHOWN"),
	    .permitted = V("CAP_CHOWN"),
	    .inheritable = V("CAP_CHOWN"),
	};
	struct caps_case t = {.caps = &c, .eff = 1, .prm = 1, .inh = 1, .bnd = 1, .amb = 0};

	CHECK_EXIT0(in_child(caps_child, &t));
}

TEST(caps_apply_none)
{
	struct caps_case t = {.caps = NULL};

	CHECK_EXIT0(in_child(caps_child, &t));
}

/* A non-root process keeps CAP_NET_BIND_SERVICE across exec only through
 * the ambient set. CAP_KILL is asked for as ambient but is not inheritable:
 * skipped with a warning. */
TEST(caps_apply_ambient_nonroot)
{
	struct oci_capabilities c = {
	    .bounding = V("CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"),
	    .effective = V("CAP_CHOWN", "CAP_NET_BIND_SERVICE"),
	    .permitted = V("CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"),
	    .inheritable = V("CAP_CHOWN", "CAP_NET_BIND_SERVICE"),
	    .ambient = V("CAP_NET_BIND_SERVICE", "CAP_KILL"),
	};
	struct caps_case t = {
	    .caps = &c,
	    .uid = 1000,
	    .eff = 0x401,
	    .prm = 0x421,
	    .inh = 0x401,
	    .bnd = 0x421,
	    .amb = 0x400,
	    .exec_check = "^CapEff:[[:space:]]*0000000000000400$",
	};

	CHECK_EXIT0(in_child(caps_child, &t));
}

/* ---------------- rlimits ---------------- */

TEST(rlimit_names)
{
	static const char *const names[] = {
	    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
	    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
	    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
	    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
	};
	static const int values[] = {
	    RLIMIT_AS,      RLIMIT_CORE,     RLIMIT_CPU,        RLIMIT_DATA,   RLIMIT_FSIZE, RLIMIT_LOCKS,
	    RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE,       RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS,
	    RLIMIT_RTPRIO,  RLIMIT_RTTIME,   RLIMIT_SIGPENDING, RLIMIT_STACK,
	};

	for (size_t i = 0; i < 16; i++)
		CHECK(rlimit_from_name(names[i]) == values[i]);
	CHECK(rlimit_from_name("RLIMIT_FOO") == -1);
	CHECK(rlimit_from_name("rlimit_nofile") == -1);
	CHECK(rlimit_from_name("") == -1);
	CHECK(rlimit_from_name(NULL) == -1);
}

TEST(rlimits_validate)
{
	ocirun_error_t err = {0};
	struct oci_rlimit r[] = {
	    {.type = "RLIMIT_NOFILE", .soft = 100, .hard = 200},
	    {.type = "RLIMIT_CORE", .soft = 0, .hard = UINT64_MAX},
	    {.type = "RLIMIT_FOO", .soft = 1, .hard = 1},
	};

	CHECK(rlimits_validate(r, 2, &err) == 0);
	CHECK(rlimits_validate(r, 3, &err) == -EINVAL);
	CHECK_STR(err.msg, "process.rlimits[2].type: unknown rlimit \"RLIMIT_FOO\"");

	r[2].type = "RLIMIT_NOFILE";
	CHECK(rlimits_validate(r, 3, &err) < 0);
	CHECK_STR(err.msg,
		  "process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\" (also in process.rlimits[0])");

	r[2].type = "RLIMIT_STACK";
	r[2].soft = 300;
	r[2].hard = 200;
	CHECK(rlimits_validate(r, 3, &err) < 0);
	CHECK_STR(err.msg,
		  "process.rlimits[2]: RLIMIT_STACK soft limit 300 is greater than the hard limit 200");

	r[2].soft = UINT64_MAX;
	CHECK(rlimits_validate(r, 3, &err) < 0);
	CHECK_STR(err.msg,
		  "process.rlimits[2]: RLIMIT_STACK soft limit unlimited is greater than the hard limit 200");
}

/* valgrind pins RLIMIT_NOFILE (it keeps fds for itself). */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

static int rlimit_child(void *arg)
{
	ocirun_error_t err = {0};
	struct oci_rlimit r[] = {
	    {.type = "RLIMIT_CORE", .soft = 1024, .hard = 4096},
	    {.type = "RLIMIT_MSGQUEUE", .soft = 8192, .hard = 8192},
	    {.type = "RLIMIT_NOFILE", .soft = 100, .hard = 200},
	};
	size_t n = under_valgrind() ? 2 : 3;
	struct rlimit rl;

	(void)arg;
	if (rlimits_apply(r, n, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 1;
	}
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 1024 || rl.rlim_max != 4096)
		return 2;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) < 0 || rl.rlim_cur != 8192 || rl.rlim_max != 8192)
		return 3;
	if (n == 2)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 100 || rl.rlim_max != 200)
		return 4;
	/* Raising the hard limit back: EPERM without CAP_SYS_RESOURCE. */
	r[2].hard = 300;
	if (rlimits_apply(&r[2], 1, &err) < 0 &&
	    (err.code != EPERM || !strstr(err.msg, "set RLIMIT_NOFILE to soft 100, hard 300: Operation not "
						   "permitted (raising the hard limit above the current 200 "
						   "needs CAP_SYS_RESOURCE")))
		return 5;
	return 0;
}

TEST(rlimits_apply)
{
	ocirun_error_t err = {0};
	struct oci_rlimit r = {.type = "RLIMIT_NOFILE", .soft = 1024, .hard = UINT64_MAX - 1};

	CHECK_EXIT0(in_child(rlimit_child, NULL));
	/* Above fs.nr_open fails for everyone, with a reason; nothing changes. */
	CHECK(rlimits_apply(&r, 1, &err) == -EPERM);
	CHECK_CONTAINS(err.msg, "set RLIMIT_NOFILE to soft 1024, hard 18446744073709551614: Operation not "
				"permitted (the hard limit is above fs.nr_open ");
}

/* ---------------- seccomp: validation ---------------- */

static void check_compile_error(const struct oci_seccomp *s, const char *msg)
{
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	CHECK(seccomp_compile(s, &p, &err) < 0);
	CHECK(p == NULL);
	CHECK_STR(err.msg, msg);
	seccomp_prog_free(p);
}

TEST(seccomp_validate)
{
	struct oci_seccomp_arg args[] = {
	    {.index = 0, .op = "SCMP_CMP_EQ", .value = 1},
	    {.index = 1, .op = "X"},
	};
	struct oci_seccomp_syscall sc[] = {
	    {.names = V("read"), .action = "SCMP_ACT_ERRNO"},
	    {.names = V("write"), .action = "SCMP_ACT_LOG"},
	    {.names = V("mkdir"), .action = "SCMP_ACT_TRAP"},
	    {.names = V("mkdir"), .action = "SCMP_ACT_FOO"},
	};
	struct oci_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .n_syscalls = 4};

	check_compile_error(&s, "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
	sc[3].action = NULL;
	check_compile_error(&s, "linux.seccomp.syscalls[3].action: required");
	sc[3].action = "SCMP_ACT_KILL";
	sc[3].names = NULL;
	check_compile_error(&s, "linux.seccomp.syscalls[3].names: required");
	sc[3].names = V("mkdir");

	sc[0].args = args;
	sc[0].n_args = 2;
	check_compile_error(&s, "linux.seccomp.syscalls[0].args[1].op: unknown operator \"X\"");
	args[1].op = "SCMP_CMP_NE";
	args[1].index = 6;
	check_compile_error(&s, "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0-5)");
	args[1].index = 1;

	sc[0].has_errno_ret = true;
	sc[0].errno_ret = 70000;
	check_compile_error(&s, "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range (0-65535)");
	sc[0].errno_ret = 13;

	s.default_action = "SCMP_ACT_ALOW";
	check_compile_error(&s, "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_ALOW\"");
	s.default_action = NULL;
	check_compile_error(&s, "linux.seccomp.defaultAction: required");
	s.default_action = "SCMP_ACT_NOTIFY";
	check_compile_error(&s, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	s.default_action = "SCMP_ACT_ALLOW";

	s.architectures = V("SCMP_ARCH_X86_64", "SCMP_ARCH_VAX");
	check_compile_error(&s, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
	s.architectures = V("scmp_arch_x86");
	check_compile_error(&s, "linux.seccomp.architectures[0]: unknown architecture \"scmp_arch_x86\"");
	s.architectures = V("X86_64");
	check_compile_error(&s, "linux.seccomp.architectures[0]: unknown architecture \"X86_64\"");
	s.architectures = NULL;

	s.flags = V("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO");
	check_compile_error(&s, "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
	s.flags = NULL;

	sc[1].action = "SCMP_ACT_NOTIFY";
	sc[1].names = V("read", "write");
	check_compile_error(
	    &s, "linux.seccomp.syscalls[1].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall");
}

TEST(seccomp_known_lists)
{
	const char *const *v;
	size_t n;
	bool x86_64 = false, x32 = false;

	for (v = seccomp_known_actions(), n = 0; v[n]; n++)
		;
	CHECK(n == 9);
	for (v = seccomp_known_operators(), n = 0; v[n]; n++)
		;
	CHECK(n == 7);
	for (v = seccomp_known_archs(), n = 0; v[n]; n++) {
		x86_64 |= strcmp(v[n], "SCMP_ARCH_X86_64") == 0;
		x32 |= strcmp(v[n], "SCMP_ARCH_X32") == 0;
	}
	CHECK(n >= 15);
	CHECK(x86_64 && x32);
	v = seccomp_known_flags();
	for (n = 0; v[n]; n++)
		CHECK(strncmp(v[n], "SECCOMP_FILTER_FLAG_", 20) == 0);
	CHECK(n == 4);
	/* a subset, in the same order */
	for (const char *const *w = seccomp_supported_flags(); *w; w++) {
		while (*v && strcmp(*v, *w) != 0)
			v++;
		CHECK(*v != NULL);
	}
}

/* Compile and free only (runs under valgrind too): basic actions, archs,
 * args on the same and on distinct indexes. */
TEST(seccomp_compile_free)
{
	struct oci_seccomp_arg args[] = {
	    {.index = 0, .op = "SCMP_CMP_EQ", .value = 1},
	    {.index = 0, .op = "SCMP_CMP_EQ", .value = 2},
	    {.index = 2, .op = "SCMP_CMP_GT", .value = 4096},
	};
	struct oci_seccomp_syscall sc[] = {
	    {.names = V("read", "write", "exit_group"), .action = "SCMP_ACT_ALLOW"},
	    {.names = V("ioctl"), .action = "SCMP_ACT_ALLOW", .args = args, .n_args = 3},
	    {.names = V("mmap"), .action = "SCMP_ACT_ALLOW", .args = args + 1, .n_args = 2},
	    {.names = V("ptrace"), .action = "SCMP_ACT_TRACE", .has_errno_ret = true, .errno_ret = 7},
	    {.names = V("reboot", "not_a_syscall"), .action = "SCMP_ACT_KILL"},
	    {.names = V("uname"), .action = "SCMP_ACT_ERRNO"}, /* = default: skipped */
	};
	struct oci_seccomp s = {
	    .default_action = "SCMP_ACT_ERRNO",
	    .architectures = V("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"),
	    .syscalls = sc,
	    .n_syscalls = ARRAY_SIZE(sc),
	};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	CHECK(seccomp_compile(&s, &p, &err) == 0);
	if (!p)
		fprintf(stderr, "# %s\n", err.msg);
	seccomp_prog_free(p);
}

/* ---------------- seccomp: behaviour ---------------- */

/* valgrind does not emulate seccomp(2): libseccomp then sees API level 1 and
 * loading is impossible, so the behaviour tests are skipped there. */
static bool seccomp_usable(void)
{
	uint32_t act = SECCOMP_RET_KILL_PROCESS;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0)
		return true;
	fprintf(stderr, "# skipped: seccomp(2) unavailable here (%s)\n", strerror(errno));
	return false;
}

/* The small realistic profile: default allow; mkdir denied with EACCES;
 * personality(0xffffffff) denied (EPERM by default); a syscall name unknown to
 * libseccomp is skipped. Plus the argument semantics: getpriority with
 * which == 1 OR which == 2 (same index), kill with pid == NO_PID AND sig == 0
 * (distinct indexes), umask with (mode & 0700) == 0500 (MASKED_EQ). */
static struct oci_seccomp_arg personality_args[] = {{.index = 0, .op = "SCMP_CMP_EQ", .value = 0xffffffff}};
static struct oci_seccomp_arg getprio_args[] = {
    {.index = 0, .op = "SCMP_CMP_EQ", .value = 1},
    {.index = 0, .op = "SCMP_CMP_EQ", .value = 2},
};
#define NO_PID 0x7ffffff0
static struct oci_seccomp_arg kill_args[] = {
    {.index = 0, .op = "SCMP_CMP_EQ", .value = NO_PID},
    {.index = 1, .op = "SCMP_CMP_EQ", .value = 0},
};
static struct oci_seccomp_arg umask_args[] = {
    {.index = 0, .op = "SCMP_CMP_MASKED_EQ", .value = 0700, .value_two = 0500},
};
static struct oci_seccomp_syscall profile_syscalls[] = {
    {.names = V("mkdir", "mkdirat"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = 13},
    {.names = V("personality"), .action = "SCMP_ACT_ERRNO", .args = personality_args, .n_args = 1},
    {.names = V("no_such_syscall", "getcwd"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = ENOTSUP},
    {.names = V("getpriority"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = EXDEV,
     .args = getprio_args,
     .n_args = 2},
    {.names = V("kill"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = EXDEV,
     .args = kill_args,
     .n_args = 2},
    {.names = V("umask"),
     .action = "SCMP_ACT_ERRNO",
     .has_errno_ret = true,
     .errno_ret = EXDEV,
     .args = umask_args,
     .n_args = 1},
    {.names = V("getsid"), .action = "SCMP_ACT_TRACE"}, /* no tracer: ENOSYS */
    {.names = V("getpgid"), .action = "SCMP_ACT_LOG"},
    {.names = V("getpid"), .action = "SCMP_ACT_ALLOW"}, /* = default: skipped */
};
static const struct oci_seccomp profile = {
    .default_action = "SCMP_ACT_ALLOW",
    .architectures = V("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
    .flags = V("SECCOMP_FILTER_FLAG_LOG"),
    .syscalls = profile_syscalls,
    .n_syscalls = ARRAY_SIZE(profile_syscalls),
};

static int errno_of(long r)
{
	return r < 0 ? errno : 0;
}

static int profile_child(void *arg)
{
	seccomp_prog_t *p = arg;
	ocirun_error_t err = {0};
	char cwd[256];
	int fd = 123;

	if (seccomp_install(p, &fd, &err) < 0) {
		fprintf(stderr, "# seccomp_install: %s\n", err.msg);
		return 1;
	}
	if (fd != -1)
		return 2;
	/* SCMP_FLTATR_CTL_NNP = 0: loading did not set no_new_privs. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return 3;
	if (errno_of(mkdir("/tmp/ocirun-test-sec-never", 0700)) != EACCES)
		return 4;
	if (errno_of(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/ocirun-test-sec-never", 0700)) != EACCES)
		return 5;
	if (errno_of(personality(0xffffffff)) != EPERM || personality(PER_LINUX) < 0)
		return 6;
	if (getcwd(cwd, sizeof(cwd)) != NULL || errno != ENOTSUP)
		return 7;
	if (syscall(SYS_getpid) != getpid() || getppid() <= 0)
		return 8;
	if (errno_of(syscall(SYS_getsid, 0)) != ENOSYS || syscall(SYS_getpgid, 0) < 0)
		return 13;
	/* Same index: ORed. */
	if (errno_of(syscall(SYS_getpriority, 1, 0)) != EXDEV ||
	    errno_of(syscall(SYS_getpriority, 2, 0)) != EXDEV)
		return 9;
	if (errno_of(syscall(SYS_getpriority, PRIO_PROCESS, 0)) != 0)
		return 10;
	/* Distinct indexes: ANDed (ESRCH: the kernel saw it). */
	if (errno_of(kill(NO_PID, 0)) != EXDEV || kill(getpid(), 0) != 0 ||
	    errno_of(kill(NO_PID, SIGCONT)) != ESRCH)
		return 11;
	/* MASKED_EQ: value is the mask, valueTwo the datum. */
	if (errno_of(syscall(SYS_umask, 0577)) != EXDEV || errno_of(syscall(SYS_umask, 0510)) != EXDEV ||
	    syscall(SYS_umask, 0777) < 0 || syscall(SYS_umask, 0022) < 0)
		return 12;
	return 0;
}

TEST(seccomp_profile)
{
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;
	struct stat st;

	if (!seccomp_usable())
		return;

	CHECK(seccomp_compile(&profile, &p, &err) == 0);
	if (!p) {
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	/* Compiling changed nothing here. */
	CHECK(status_mask("Seccomp") == 0);
	CHECK_EXIT0(in_child(profile_child, p));
	CHECK(stat("/tmp/ocirun-test-sec-never", &st) < 0);
	seccomp_prog_free(p);
	seccomp_prog_free(NULL);
}

static int kill_process_child(void *arg)
{
	ocirun_error_t err = {0};

	if (seccomp_install(arg, NULL, &err) < 0)
		return 1;
	syscall(SYS_getppid);
	return 2;
}

TEST(seccomp_kill_process)
{
	struct oci_seccomp_syscall sc[] = {{.names = V("getppid"), .action = "SCMP_ACT_KILL_PROCESS"}};
	struct oci_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .n_syscalls = 1};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;
	int status;

	if (!seccomp_usable())
		return;

	CHECK(seccomp_compile(&s, &p, &err) == 0);
	if (!p)
		return;
	status = in_child(kill_process_child, p);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	seccomp_prog_free(p);
}

static int default_errno_child(void *arg)
{
	ocirun_error_t err = {0};

	/* The filter denies prctl, so set no_new_privs first (as the init does
	 * with process.noNewPrivileges): then loading needs no CAP_SYS_ADMIN. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (seccomp_install(arg, NULL, &err) < 0)
		return 2;
	if (errno_of(syscall(SYS_getegid)) != EXDEV || errno_of(syscall(SYS_getuid)) != EXDEV)
		return 3;
	/* The allowed one runs. */
	if (syscall(SYS_getppid) <= 0)
		return 4;
	return 0;
}

TEST(seccomp_default_errno)
{
	struct oci_seccomp_syscall sc[] = {
	    /* Plus what a sanitizer runtime needs on the way out. */
	    {.names = V("exit", "exit_group", "getppid", "rt_sigreturn", "write", "mmap", "munmap", "madvise",
			"sigaltstack", "gettid", "getpid", "rt_sigprocmask", "rt_sigaction"),
	     .action = "SCMP_ACT_ALLOW"},
	    /* Same action and data as the default: skipped, libseccomp would refuse it. */
	    {.names = V("getuid"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = EXDEV},
	};
	struct oci_seccomp s = {
	    .default_action = "SCMP_ACT_ERRNO",
	    .has_default_errno_ret = true,
	    .default_errno_ret = EXDEV,
	    .syscalls = sc,
	    .n_syscalls = 2,
	};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	if (!seccomp_usable())
		return;

	CHECK(seccomp_compile(&s, &p, &err) == 0);
	if (!p) {
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	CHECK_EXIT0(in_child(default_errno_child, p));
	seccomp_prog_free(p);
}

static int notify_child(void *arg)
{
	ocirun_error_t err = {0};
	char link[64], target[128];
	ssize_t n;
	int fd = -1;

	if (seccomp_install(arg, &fd, &err) < 0) {
		fprintf(stderr, "# seccomp_install: %s\n", err.msg);
		return 1;
	}
	if (fd < 0)
		return 2;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 3;
	target[n] = '\0';
	if (!strstr(target, "seccomp"))
		return 4;
	return 0;
}

TEST(seccomp_notify_fd)
{
	struct oci_seccomp_syscall sc[] = {{.names = V("getppid"), .action = "SCMP_ACT_NOTIFY"}};
	struct oci_seccomp s = {
	    .default_action = "SCMP_ACT_ALLOW",
	    .flags = V("SECCOMP_FILTER_FLAG_TSYNC"),
	    .syscalls = sc,
	    .n_syscalls = 1,
	};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	if (!seccomp_usable())
		return;

	CHECK(seccomp_compile(&s, &p, &err) == 0);
	if (!p) {
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	CHECK_EXIT0(in_child(notify_child, p));
	seccomp_prog_free(p);
}

/* ---------------- seccomp: the -ENOSYS stub ---------------- */

static size_t compiled_len(const char *def_action, bool has_ret, uint32_t ret)
{
	struct oci_seccomp_syscall sc[] = {
	    /* actions none of the defaults below has, so that no rule is skipped */
	    {.names = V("reboot"), .action = "SCMP_ACT_KILL"},
	    {.names = V("getpid"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = EIO},
	};
	struct oci_seccomp s = {
	    .default_action = (char *)def_action,
	    .has_default_errno_ret = has_ret,
	    .default_errno_ret = ret,
	    .syscalls = sc,
	    .n_syscalls = ARRAY_SIZE(sc),
	};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;
	size_t len;

	if (seccomp_compile(&s, &p, &err) < 0) {
		fprintf(stderr, "# %s: %s\n", def_action, err.msg);
		return 0;
	}
	len = p->len;
	seccomp_prog_free(p);
	return len;
}

/* libseccomp's program is as long whatever the default action (it is only
 * the final return): a longer one has the stub. */
TEST(seccomp_stub_only_when_denying)
{
	size_t allow;

	/* under valgrind libseccomp refuses SCMP_ACT_LOG and SCMP_ACT_KILL_PROCESS */
	if (!seccomp_usable())
		return;
	allow = compiled_len("SCMP_ACT_ALLOW", false, 0);
	CHECK(allow > 0);
	CHECK(compiled_len("SCMP_ACT_LOG", false, 0) == allow);
	CHECK(compiled_len("SCMP_ACT_TRACE", true, 3) == allow);
	/* ERRNO(ENOSYS) is what the stub would give */
	CHECK(compiled_len("SCMP_ACT_ERRNO", true, ENOSYS) == allow);
	CHECK(compiled_len("SCMP_ACT_ERRNO", false, 0) > allow);
	CHECK(compiled_len("SCMP_ACT_ERRNO", true, EXDEV) > allow);
	CHECK(compiled_len("SCMP_ACT_KILL_PROCESS", false, 0) > allow);
	CHECK(compiled_len("SCMP_ACT_TRAP", false, 0) > allow);
}

#ifdef __x86_64__
#define X32_BIT 0x40000000L

static int enosys_child(void *arg)
{
	ocirun_error_t err = {0};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (seccomp_install(arg, NULL, &err) < 0)
		return 2;
	/* x86_64: above exit_group (231), the largest named: ENOSYS; below: the default */
	if (errno_of(syscall(1000)) != ENOSYS || errno_of(syscall(300)) != ENOSYS)
		return 3;
	if (errno_of(syscall(SYS_getegid)) != EXDEV)
		return 4;
	/* x32: its own largest, readv (515 | bit 30): 300 is below, 1000 above */
	if (errno_of(syscall(X32_BIT | 300)) != EXDEV || errno_of(syscall(X32_BIT | 1000)) != ENOSYS)
		return 5;
	if (syscall(SYS_getppid) <= 0)
		return 6;
	return 0;
}

/* Each ABI has its own largest number: x32 names readv as 515 (bit 30 set),
 * x86_64 as 19. */
TEST(seccomp_enosys_x86_64_x32)
{
	struct oci_seccomp_syscall sc[] = {
	    {.names = V("exit", "exit_group", "getppid", "rt_sigreturn", "write", "mmap", "munmap", "madvise",
			"sigaltstack", "gettid", "getpid", "rt_sigprocmask", "rt_sigaction"),
	     .action = "SCMP_ACT_ALLOW"},
	    {.names = V("readv"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = EXDEV},
	};
	struct oci_seccomp s = {
	    .default_action = "SCMP_ACT_ERRNO",
	    .has_default_errno_ret = true,
	    .default_errno_ret = EXDEV,
	    .architectures = V("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"),
	    .syscalls = sc,
	    .n_syscalls = ARRAY_SIZE(sc),
	};
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	if (!seccomp_usable())
		return;
	CHECK(seccomp_compile(&s, &p, &err) == 0);
	if (!p) {
		fprintf(stderr, "# %s\n", err.msg);
		return;
	}
	CHECK_EXIT0(in_child(enosys_child, p));
	seccomp_prog_free(p);
}
#endif

/* The flags go to seccomp(2) as given; NEW_LISTENER with a notify rule,
 * WAIT_KILLABLE_RECV only then, TSYNC with a listener needs TSYNC_ESRCH. */
TEST(seccomp_flags)
{
	struct oci_seccomp_syscall sc[] = {{.names = V("getppid"), .action = "SCMP_ACT_NOTIFY"}};
	struct oci_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .n_syscalls = 1};
	const unsigned int wait = SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			   nl = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	ocirun_error_t err = {0};
	seccomp_prog_t *p = NULL;

	if (!seccomp_usable())
		return;
	s.flags = V("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC");
	CHECK(seccomp_compile(&s, &p, &err) == 0);
	CHECK(p && p->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC | nl |
				SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
	seccomp_prog_free(p);
	p = NULL;
	if (!seccomp_bpf_flags_supported(wait | nl)) {
		fprintf(stderr, "# skipped: no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV in this kernel\n");
		return;
	}
	s.flags = V("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
	CHECK(seccomp_compile(&s, &p, &err) == 0);
	CHECK(p && p->flags == (wait | nl));
	seccomp_prog_free(p);
	p = NULL;
	sc[0].action = "SCMP_ACT_ERRNO";
	CHECK(seccomp_compile(&s, &p, &err) == 0);
	CHECK(p && p->flags == 0);
	seccomp_prog_free(p);
}

int main(void)
{
	RUN(caps_names);
	RUN(caps_validate);
	RUN(caps_apply_chown);
	RUN(caps_apply_none);
	RUN(caps_apply_ambient_nonroot);
	RUN(rlimit_names);
	RUN(rlimits_validate);
	RUN(rlimits_apply);
	RUN(seccomp_validate);
	RUN(seccomp_known_lists);
	RUN(seccomp_compile_free);
	RUN(seccomp_profile);
	RUN(seccomp_kill_process);
	RUN(seccomp_default_errno);
	RUN(seccomp_notify_fd);
	RUN(seccomp_stub_only_when_denying);
#ifdef __x86_64__
	RUN(seccomp_enosys_x86_64_x32);
#endif
	RUN(seccomp_flags);
	return UNIT_END();
}
