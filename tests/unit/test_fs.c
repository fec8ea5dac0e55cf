/* Unit tests of src/lib/fs: option vocabulary, path helpers, fs_validate, fs_open_proc_file, and
 * whole-root scenarios (prepare, enter, finalize) run in forked children inside their own mount
 * and pid namespaces, so the host's mounts are never touched. Run as root; `--no-ns` runs only
 * the tests that need no namespaces (for valgrind). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"
#include "fs/fs.h"
#include "unit.h"

/* String vectors of the specs below (file scope: the specs outlive the functions building them). */
static char *opt_rbind_ro[] = {"rbind", "ro", NULL};
static char *opt_idmap[] = {"idmap", NULL};
static char *masked_relative[] = {"/proc/kcore", "proc/x", NULL};
static char *opt_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
static char *opt_devpts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL};
static char *opt_shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
static char *opt_mqueue[] = {"nosuid", "noexec", "nodev", NULL};
static char *opt_sysfs[] = {"nosuid", "noexec", "nodev", "ro", NULL};
static char *opt_cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
static char *opt_ro_bind[] = {"rbind", "ro", "nosuid", "rprivate", NULL};
static char *opt_file_bind[] = {"bind", "ro", NULL};
static char *opt_small[] = {"size=1m", NULL};
static char *opt_rro_bind[] = {"rbind", "rro", "rnosuid", NULL};
static char *masked_full[] = {"/proc/kcore",   "/proc/acpi",        "/proc/timer_list",
			      "/sys/firmware", "/proc/nonexistent", NULL};
static char *readonly_full[] = {"/proc/sys", "/proc/missing", NULL};
static char *masked_timer_list[] = {"/proc/timer_list", NULL};

static char tmpdir[PATH_MAX];
static char own_memory_cgroup[PATH_MAX]; /* this process's memory cgroup ("/" when none) */
static char rootfs[PATH_MAX + 16];

/* ---- helpers ---- */

static void put_file(const char *path, const char *s)
{
	ocirun_error_t err;

	if (write_file(path, s, strlen(s), &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
}

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", tmpdir, rel);
}

static void make_rootfs(void)
{
	static const char *const links[] = {"sh", "ls", "cat", "mount", "true"};
	ocirun_error_t err;
	char *data = NULL;
	size_t len = 0;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ocirun-test-fs-XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmpdir);
	mkdir(rootfs, 0755);
	for (const char *d = "bin\0etc\0tmp\0mnt\0"; *d; d += strlen(d) + 1) {
		char *p = xasprintf("%s/%s", rootfs, d);
		mkdir(p, 0755);
		free(p);
	}
	if (read_file("/bin/busybox", &data, &len, &err) == 0) {
		char *p = xasprintf("%s/bin/busybox", rootfs);
		write_file(p, data, len, &err);
		chmod(p, 0755);
		free(p);
		free(data);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		char *p = xasprintf("%s/bin/%s", rootfs, links[i]);
		symlink("busybox", p);
		free(p);
	}
	char *p = tpath("hostdir");
	mkdir(p, 0755);
	free(p);
	p = tpath("hostdir/sub");
	mkdir(p, 0755);
	free(p);
	p = tpath("hostdir/hello");
	put_file(p, "hi");
	free(p);
	p = tpath("hostfile");
	put_file(p, "filedata");
	free(p);
	/* An absolute symlink pointing far above the root: must land inside it. */
	p = tpath("rootfs/escape-link");
	symlink("/../../../tmp/escape", p);
	free(p);
	p = tpath("rootfs/proclink");
	symlink("/proc/sys", p);
	free(p);
}

static void read_memory_cgroup(void)
{
	ocirun_error_t err;
	char *data = NULL, *p;

	strcpy(own_memory_cgroup, "/");
	if (read_file("/proc/self/cgroup", &data, NULL, &err) < 0)
		return;
	p = strstr(data, ":memory:");
	if (p)
		snprintf(own_memory_cgroup, sizeof(own_memory_cgroup), "%.*s", (int)strcspn(p + 8, "\n"),
			 p + 8);
	free(data);
}

static void remove_rootfs(void)
{
	ocirun_error_t err;

	if (tmpdir[0] && rm_rf_at(AT_FDCWD, tmpdir, &err) < 0)
		fprintf(stderr, "# cleanup: %s\n", err.msg);
}

/* Run fn in a grandchild that is pid 1 of a new pid namespace, in a new mount namespace whose
 * "/" was made rslave first. Returns fn's exit status (its failed-check count), or 100+. */
static int run_in_ns(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return 100;
	if (pid == 0) {
		pid_t gc;

		if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
			_exit(101);
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			_exit(102);
		gc = fork();
		if (gc < 0)
			_exit(103);
		if (gc == 0) {
			unit_failed_checks = 0; /* fn returns its own count */
			_exit(fn(arg));
		}
		if (waitpid(gc, &status, 0) < 0)
			_exit(104);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 105);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 106;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 107;
	if (status)
		fprintf(stderr, "# namespace child exited %d\n", status);
	return status;
}

static const struct fs_mountinfo *find_mount(const struct fs_mountinfo *v, size_t n, const char *target)
{
	const struct fs_mountinfo *found = NULL;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].target, target))
			found = &v[i]; /* the last one is on top */
	return found;
}

#define CHECK_MOUNT(v, n, target, type, ro)                                                                  \
	do {                                                                                                 \
		const struct fs_mountinfo *_m = find_mount(v, n, target);                                    \
		CHECK(_m != NULL);                                                                           \
		if (!_m)                                                                                     \
			fprintf(stderr, "# missing mount %s\n", target);                                     \
		else {                                                                                       \
			CHECK_STR(_m->fstype, type);                                                         \
			if (!!(_m->flags & MS_RDONLY) != (ro))                                               \
				fprintf(stderr, "# %s: ro is %d\n", target, !(ro));                          \
			CHECK(!!(_m->flags & MS_RDONLY) == (ro));                                            \
		}                                                                                            \
	} while (0)

/* ---- pure tests ---- */

TEST(mountopts_table)
{
	const char *const *names = mount_opt_names();
	size_t n = 0;

	for (; names[n]; n++) {
		CHECK(mount_opt_lookup(names[n]) != NULL);
		if (n)
			CHECK(strcmp(names[n - 1], names[n]) < 0);
	}
	CHECK(n == 60);
	CHECK(mount_opt_lookup("ro")->flag == MS_RDONLY);
	CHECK(mount_opt_lookup("rw")->clear);
	CHECK(mount_opt_lookup("rslave")->propagation);
	CHECK(mount_opt_lookup("rro")->recursive && mount_opt_lookup("rro")->attr == MOUNT_ATTR_RDONLY);
	CHECK(mount_opt_lookup("idmap")->idmap && !mount_opt_lookup("idmap")->recursive);
	CHECK(mount_opt_lookup("ridmap")->idmap && mount_opt_lookup("ridmap")->recursive);
	CHECK(mount_opt_lookup("mode=755") == NULL);
	CHECK(mount_opt_lookup("") == NULL);
	CHECK(fs_propagation_flag("rshared") == (MS_SHARED | MS_REC));
	CHECK(fs_propagation_flag("ro") == 0);
}

TEST(mountopts_parse)
{
	char *opts[] = {"nosuid", "ro",          "mode=755", "rprivate", "size=65536k", "rnoexec",
			"rw",     "newinstance", "rnoatime", "rbind",    "slave",       NULL};
	struct fs_mount_flags f;
	ocirun_error_t err;

	CHECK(fs_parse_mount_options(opts, &f, &err) == 0);
	CHECK(f.flags == (MS_NOSUID | MS_BIND | MS_REC));
	CHECK(f.clear == MS_RDONLY);
	CHECK_STR(f.data, "mode=755,size=65536k,newinstance");
	CHECK(f.n_propagation == 2 && f.propagation[0] == (MS_PRIVATE | MS_REC) &&
	      f.propagation[1] == MS_SLAVE);
	CHECK(f.attr_set == (MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME));
	CHECK(f.attr_clr == MOUNT_ATTR__ATIME);
	fs_mount_flags_done(&f);

	char *idmap[] = {"rbind", "idmap", NULL};
	CHECK(fs_parse_mount_options(idmap, &f, &err) == 0 && f.idmap && !f.idmap_recursive && !f.data);
	CHECK(f.flags == (MS_BIND | MS_REC) && f.attr_set == 0);
	char *ridmap[] = {"ridmap", "idmap", NULL}; /* ridmap wins whatever the order */
	CHECK(fs_parse_mount_options(ridmap, &f, &err) == 0 && f.idmap && f.idmap_recursive);
	char *copyup[] = {"tmpcopyup", NULL};
	CHECK(fs_parse_mount_options(copyup, &f, &err) == 0 && f.tmpcopyup);
	fs_mount_flags_done(&f);
	CHECK(fs_parse_mount_options(NULL, &f, &err) == 0 && f.flags == 0 && !f.data);
}

TEST(path_clean)
{
	const char *cases[][2] = {
	    {"", "/"},          {"/", "/"},         {"a/b", "/a/b"},
	    {"/a//b/", "/a/b"}, {"/../../x", "/x"}, {"/a/./b/../c", "/a/c"},
	    {"..", "/"},        {"/a/..", "/"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *c = fs_path_clean(cases[i][0]);
		CHECK_STR(c, cases[i][1]);
		free(c);
	}
	CHECK(fs_path_under("/proc/sys", "/proc"));
	CHECK(fs_path_under("/proc", "/proc"));
	CHECK(!fs_path_under("/procfoo", "/proc"));
	CHECK(fs_path_under("/x", "/"));
}

static struct oci_spec *validate_spec(void)
{
	static struct oci_root root = {.path = "rootfs"};
	static struct oci_mount mounts[3];
	static struct oci_linux lnx;
	static struct oci_spec s;

	memset(mounts, 0, sizeof(mounts));
	mounts[0] = (struct oci_mount){.destination = "/proc", .type = "proc", .source = "proc"};
	mounts[1] = (struct oci_mount){
	    .destination = "/data", .type = "bind", .source = "hostdir", .options = opt_rbind_ro};
	mounts[2] = (struct oci_mount){.destination = "/tmp", .type = "tmpfs", .source = "tmpfs"};
	memset(&lnx, 0, sizeof(lnx));
	s = (struct oci_spec){.root = &root, .mounts = mounts, .n_mounts = 3, .linux_ = &lnx};
	root.path = "rootfs";
	return &s;
}

TEST(validate)
{
	struct oci_spec *s = validate_spec();
	struct oci_device dev = {.type = "c", .path = "/dev/fuse", .major = 10, .minor = 229};
	ocirun_error_t err;

	CHECK(fs_validate(s, tmpdir, &err) == 0);
	s->mounts[2].destination = "tmp"; /* relative: accepted with a warning, as runc does */
	CHECK(fs_validate(s, tmpdir, &err) == 0);

	s->mounts[1].source = "/nonexistent-ocirun";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(
	    err.msg,
	    "mounts[1].source (for \"/data\"): stat \"/nonexistent-ocirun\": No such file or directory");
	CHECK(err.code == ENOENT);

	s = validate_spec();
	s->mounts[1].type = NULL; /* bind by option only; relative source against the bundle */
	s->mounts[1].source = "nothere";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_CONTAINS(err.msg, "mounts[1].source (for \"/data\"): stat \"/tmp/ocirun-test-fs-");
	CHECK_CONTAINS(err.msg, "/nothere\": No such file or directory");

	s = validate_spec();
	s->mounts[2].destination = "";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "mounts[2].destination: must not be empty");

	s = validate_spec();
	s->mounts[2].type = NULL;
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_CONTAINS(err.msg, "mounts[2].type: required");

	s = validate_spec();
	s->mounts[2].options = opt_idmap;
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "mounts[2].options: only a bind mount can be idmapped");
	s->mounts[1].options = opt_idmap; /* a bind (by type) may be idmapped */
	s->mounts[2].options = NULL;
	CHECK(fs_validate(s, tmpdir, &err) == 0);
	CHECK(fs_mount_idmapped(&s->mounts[1]) && !fs_mount_idmapped(&s->mounts[2]));
	struct oci_id_mapping map = {.container_id = 0, .host_id = 1000, .size = 1};
	s->mounts[1].options = opt_rbind_ro;
	s->mounts[1].uid_mappings = &map;
	s->mounts[1].n_uid_mappings = 1;
	CHECK(fs_mount_idmapped(&s->mounts[1]));
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "mounts[1].uidMappings: must be given with gidMappings");
	s->mounts[1].gid_mappings = &map;
	s->mounts[1].n_gid_mappings = 1;
	CHECK(fs_validate(s, tmpdir, &err) == 0);

	s = validate_spec();
	s->mounts[2].destination = "/proc/sys/kernel";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_CONTAINS(err.msg, "cannot be mounted because it is inside /proc");

	s = validate_spec();
	s->root->path = "hostfile";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "root.path: \"hostfile\" is not a directory");
	s->root->path = "missing";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "root.path: stat \"missing\": No such file or directory");

	s = validate_spec();
	s->linux_->devices = &dev;
	s->linux_->n_devices = 1;
	CHECK(fs_validate(s, tmpdir, &err) == 0);
	dev.type = "x";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "linux.devices[0].type: \"x\" is not one of c, b, u, p");
	dev.type = "b";
	dev.path = "dev/sda";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.devices[0].path");

	s = validate_spec();
	s->linux_->mount_label = "system_u:object_r:container_file_t:s0";
	/* as runc: without SELinux the label is ignored (a debug line) */
	CHECK(fs_validate(s, tmpdir, &err) == 0 || fs_selinux_enabled());

	s = validate_spec();
	s->linux_->rootfs_propagation = "sideways";
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.rootfsPropagation");

	s = validate_spec();
	s->linux_->masked_paths = masked_relative;
	CHECK(fs_validate(s, tmpdir, &err) < 0);
	CHECK_STR(err.msg, "linux.maskedPaths[1]: \"proc/x\" is not an absolute path");
}

TEST(open_proc_file)
{
	ocirun_error_t err;
	char buf[64];
	int fd;

	fd = fs_open_proc_file("/proc/self/status", O_RDONLY, &err);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(read(fd, buf, 5) == 5 && !memcmp(buf, "Name:", 5));
		close(fd);
	}
	fd = fs_open_proc_file("/proc/sys/kernel/ostype", O_RDONLY, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = fs_open_proc_file("/proc/thread-self/comm", O_RDONLY, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* A magic link out of procfs. */
	CHECK(fs_open_proc_file("/proc/self/root/etc/hostname", O_RDONLY, &err) < 0);
	CHECK_CONTAINS(err.msg, "open \"/proc/self/root/etc/hostname\"");
	CHECK(fs_open_proc_file("/proc/self/cwd", O_RDONLY, &err) < 0);
	CHECK(fs_open_proc_file("/etc/passwd", O_RDONLY, &err) < 0);
	CHECK_STR(err.msg, "\"/etc/passwd\" is not under /proc");
	CHECK(fs_open_proc_file("/proc/../etc/passwd", O_RDONLY, &err) < 0);
}

/* ---- namespace tests ---- */

static int open_in_root_child(void *arg)
{
	ocirun_error_t err;
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char path[PATH_MAX + 32];
	struct stat st;
	int fd;

	(void)arg;
	fd = fs_open_in_root(rootfd, "/escape-link/a/b", FS_CREATE_DIR, &err);
	CHECK(fd >= 0);
	if (fd >= 0) {
		char *real = NULL;
		CHECK(fs_container_path(fd, rootfs, &real, &err) == 0);
		CHECK_STR(real, "/tmp/escape/a/b");
		free(real);
		close(fd);
	}
	fd = fs_open_in_root(rootfd, "/../../newfile", FS_CREATE_FILE, &err);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/newfile", rootfs);
	CHECK(stat(path, &st) == 0);
	unlink(path);
	CHECK(fs_open_in_root(rootfd, "/does/not/exist", FS_NO_CREATE, &err) < 0);
	CHECK_STR(err.msg, "open \"/does/not/exist\" in the container root: No such file or directory");
	close(rootfd);
	return unit_failed_checks;
}

TEST(open_in_root)
{
	CHECK(run_in_ns(open_in_root_child, NULL) == 0);
	CHECK(access("/tmp/escape", F_OK) < 0);
}

struct scenario {
	bool legacy;
	bool no_pivot;
	const char *propagation;
	bool cgroupns;
};

static struct oci_spec *full_spec(bool legacy)
{
	static struct oci_root root = {.path = "rootfs", .readonly = true};
	static struct oci_mount m[14];
	static struct oci_device devs[2];
	static struct oci_linux lnx;
	static struct oci_spec s;
	static char hostdir[PATH_MAX + 16];
	size_t n = 0;

	snprintf(hostdir, sizeof(hostdir), "%s/hostdir", tmpdir);
	m[n++] = (struct oci_mount){.destination = "/proc", .type = "proc", .source = "proc"};
	m[n++] =
	    (struct oci_mount){.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = opt_dev};
	m[n++] = (struct oci_mount){
	    .destination = "/dev/pts", .type = "devpts", .source = "devpts", .options = opt_devpts};
	m[n++] = (struct oci_mount){
	    .destination = "/dev/shm", .type = "tmpfs", .source = "shm", .options = opt_shm};
	m[n++] = (struct oci_mount){
	    .destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue", .options = opt_mqueue};
	m[n++] = (struct oci_mount){
	    .destination = "/sys", .type = "sysfs", .source = "sysfs", .options = opt_sysfs};
	m[n++] = (struct oci_mount){
	    .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", .options = opt_cgroup};
	m[n++] = (struct oci_mount){
	    .destination = "/mnt/ro", .type = "bind", .source = hostdir, .options = opt_ro_bind};
	m[n++] = (struct oci_mount){
	    .destination = "/etc/hostfile", .type = "none", .source = "hostfile", .options = opt_file_bind};
	m[n++] = (struct oci_mount){
	    .destination = "/escape-link/sub", .type = "tmpfs", .source = "tmpfs", .options = opt_small};
	m[n++] = (struct oci_mount){.destination = "mnt/rel", .type = "tmpfs", .source = "tmpfs"};
	if (!legacy)
		m[n++] =
		    (struct oci_mount){.destination = "/mnt/rro", .source = hostdir, .options = opt_rro_bind};
	devs[0] = (struct oci_device){.type = "c",
				      .path = "/dev/custom/mynull",
				      .major = 1,
				      .minor = 3,
				      .has_file_mode = true,
				      .file_mode = 0600,
				      .has_uid = true,
				      .uid = 1000,
				      .has_gid = true,
				      .gid = 1001};
	devs[1] = (struct oci_device){.type = "p", .path = "/dev/myfifo"};
	lnx = (struct oci_linux){
	    .devices = devs,
	    .n_devices = 2,
	    .masked_paths = masked_full,
	    .readonly_paths = readonly_full,
	};
	s = (struct oci_spec){.root = &root, .mounts = m, .n_mounts = n, .linux_ = &lnx};
	return &s;
}

static void check_files(bool legacy)
{
	struct stat st;
	char buf[64];
	ssize_t len;
	int fd;

	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	CHECK(stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 0));
	CHECK(stat("/dev/urandom", &st) == 0 && (st.st_mode & 07777) == 0666);
	CHECK(stat("/dev/custom/mynull", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 1000 &&
	      st.st_gid == 1001);
	CHECK(stat("/dev/myfifo", &st) == 0 && S_ISFIFO(st.st_mode));
	len = readlink("/dev/ptmx", buf, sizeof(buf) - 1);
	CHECK(len == 8 && !memcmp(buf, "pts/ptmx", 8));
	len = readlink("/dev/fd", buf, sizeof(buf) - 1);
	CHECK(len == 13 && !memcmp(buf, "/proc/self/fd", 13));
	CHECK(lstat("/dev/core", &st) < 0); /* no /proc/kcore on this kernel */
	CHECK(open("/mnt/ro/new", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	fd = open("/mnt/ro/sub/new", O_CREAT | O_WRONLY, 0644); /* ro is not recursive */
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	if (!legacy)
		CHECK(open("/mnt/rro/sub/new2", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	fd = open("/etc/hostfile", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 8 && !memcmp(buf, "filedata", 8));
	if (fd >= 0)
		close(fd);
	CHECK(open("/etc/hostfile", O_WRONLY) < 0 && errno == EROFS);
	fd = open("/proc/timer_list", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(open("/proc/sys/kernel/hostname", O_WRONLY) < 0 && errno == EROFS);
	CHECK(open("/newfile", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	CHECK(stat("/proc/acpi", &st) == 0 && st.st_nlink == 2);
	CHECK(stat("/tmp/escape/sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(getpid() == 1 && access("/proc/1/status", F_OK) == 0 && access("/proc/2", F_OK) < 0);
	CHECK(access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0);
	CHECK(lstat("/bin/sh", &st) == 0 && S_ISLNK(st.st_mode));
}

static void check_mounts(bool legacy, bool shared, bool cgroupns)
{
	struct fs_mountinfo *v = NULL;
	ocirun_error_t err;
	size_t n = 0;

	CHECK(fs_mountinfo_list(NULL, &v, &n, &err) == 0);
	CHECK(find_mount(v, n, "/") && find_mount(v, n, "/")->flags & MS_RDONLY);
	CHECK_MOUNT(v, n, "/proc", "proc", false);
	CHECK_MOUNT(v, n, "/proc/sys", "proc", true);
	CHECK_MOUNT(v, n, "/proc/acpi", "tmpfs", true);
	CHECK_MOUNT(v, n, "/proc/timer_list", "tmpfs", false); /* /dev/null of the /dev tmpfs */
	CHECK_MOUNT(v, n, "/dev", "tmpfs", false);
	CHECK_MOUNT(v, n, "/dev/pts", "devpts", false);
	CHECK_MOUNT(v, n, "/dev/shm", "tmpfs", false);
	CHECK_MOUNT(v, n, "/dev/mqueue", "mqueue", false);
	CHECK_MOUNT(v, n, "/sys", "sysfs", true);
	CHECK_MOUNT(v, n, "/sys/firmware", "tmpfs", true);
	CHECK_MOUNT(v, n, "/sys/fs/cgroup", "tmpfs", true);
	CHECK_MOUNT(v, n, "/sys/fs/cgroup/memory", "cgroup", true);
	CHECK_MOUNT(v, n, "/sys/fs/cgroup/cpu", "cgroup", true);
	CHECK_MOUNT(v, n, "/sys/fs/cgroup/systemd", "cgroup", true);
	/* The container's own cgroup: bound from the host, or the namespace's root. */
	if (find_mount(v, n, "/sys/fs/cgroup/memory")) {
		const char *r = find_mount(v, n, "/sys/fs/cgroup/memory")->root;
		CHECK(cgroupns ? !strcmp(r, "/") : !strcmp(r, own_memory_cgroup));
	}
	CHECK_MOUNT(v, n, "/sys/fs/cgroup/unified", "cgroup2", true);
	CHECK_MOUNT(v, n, "/mnt/ro", "ext4", true);
	CHECK_MOUNT(v, n, "/mnt/ro/sub", "tmpfs", false);
	CHECK_MOUNT(v, n, "/etc/hostfile", "ext4", true);
	CHECK_MOUNT(v, n, "/tmp/escape/sub", "tmpfs", false);
	CHECK_MOUNT(v, n, "/mnt/rel", "tmpfs", false);
	if (!legacy) {
		CHECK_MOUNT(v, n, "/mnt/rro", "ext4", true);
		CHECK_MOUNT(v, n, "/mnt/rro/sub", "tmpfs", true);
		CHECK(find_mount(v, n, "/mnt/rro/sub")->flags & MS_NOSUID);
	}
	CHECK(find_mount(v, n, "/mnt/ro") && find_mount(v, n, "/mnt/ro")->flags & MS_NOSUID);
	/* rootfsPropagation rshared is applied to "/" recursively after pivot_root (as runc does),
	 * over the mount's own "rprivate". */
	CHECK(find_mount(v, n, "/mnt/ro") && find_mount(v, n, "/mnt/ro")->shared == shared);
	CHECK(find_mount(v, n, "/") && find_mount(v, n, "/")->shared == shared);
	CHECK(find_mount(v, n, "/dev") && find_mount(v, n, "/dev")->flags & MS_NOSUID);
	fs_mountinfo_free(v, n);
}

static int full_child(void *arg)
{
	const struct scenario *sc = arg;
	struct oci_spec *s = full_spec(sc->legacy);
	struct fs_config c = {.spec = s, .rootfs = rootfs, .no_pivot = sc->no_pivot, .bundle = tmpdir};
	ocirun_error_t err;
	char *sub = tpath("hostdir/sub");
	int status;

	/* A submount in the bind source (this namespace only) to tell ro from rro. */
	if (mount("tmpfs", sub, "tmpfs", 0, "size=1m") < 0)
		return 110;
	free(sub);
	fs_legacy_mount_api = sc->legacy;
	s->linux_->rootfs_propagation = (char *)sc->propagation;
	c.new_cgroupns = sc->cgroupns;
	if (sc->cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return 112;
	if (fs_prepare_rootfs(&c, &err) < 0 || fs_enter_rootfs(&c, &err) < 0 ||
	    fs_finalize_rootfs(&c, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 111;
	}
	if (getenv("TEST_FS_DUMP"))
		system("cat /proc/self/mountinfo; ls -l /dev /sys/fs/cgroup >&2");
	check_files(sc->legacy);
	check_mounts(sc->legacy, sc->propagation && !strcmp(sc->propagation, "rshared"), sc->cgroupns);
	/* The busybox in the root runs. */
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	return unit_failed_checks;
}

static void run_full(const struct scenario *sc)
{
	char *p = tpath("rootfs/tmp/escape/sub");
	struct stat st;
	int r;

	r = run_in_ns(full_child, (void *)sc);
	if (r)
		fprintf(stderr, "# scenario exited %d\n", r);
	CHECK(r == 0);
	CHECK(access("/tmp/escape", F_OK) < 0);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	free(p);
	/* Nothing was left mounted on the host. */
	p = tpath("rootfs/proc");
	CHECK(stat(p, &st) == 0 && st.st_nlink == 2);
	free(p);
}

TEST(full_new_api_pivot)
{
	struct scenario sc = {0};

	run_full(&sc);
}

TEST(full_legacy_api_pivot)
{
	struct scenario sc = {.legacy = true};

	run_full(&sc);
}

TEST(full_no_pivot)
{
	struct scenario sc = {.no_pivot = true};

	run_full(&sc);
}

TEST(full_cgroupns)
{
	struct scenario sc = {.cgroupns = true};

	run_full(&sc);
}

TEST(full_rshared)
{
	struct scenario sc = {.propagation = "rshared"};

	run_full(&sc);
}

static int proc_escape_child(void *arg)
{
	static struct oci_mount m[2];
	struct oci_spec s = {.mounts = m, .n_mounts = 2};
	struct fs_config c = {.spec = &s, .rootfs = rootfs};
	ocirun_error_t err;

	(void)arg;
	m[0] = (struct oci_mount){.destination = "/proc", .type = "proc", .source = "proc"};
	/* /proclink -> /proc/sys inside the root: a tmpfs there would cover procfs files. */
	m[1] = (struct oci_mount){.destination = "/proclink", .type = "tmpfs", .source = "tmpfs"};
	CHECK(fs_prepare_rootfs(&c, &err) < 0);
	CHECK_STR(err.msg, "mounts[1] (tmpfs on /proclink): \"/proc/sys\" cannot be mounted because it is "
			   "inside /proc");
	return unit_failed_checks;
}

TEST(dest_into_proc_refused)
{
	CHECK(run_in_ns(proc_escape_child, NULL) == 0);
}

static int devnull_swap_child(void *arg)
{
	static struct oci_mount m[2];
	struct oci_linux l = {.masked_paths = masked_timer_list};
	struct oci_spec s = {.mounts = m, .n_mounts = 2, .linux_ = &l};
	struct fs_config c = {.spec = &s, .rootfs = rootfs};
	ocirun_error_t err;

	(void)arg;
	m[0] = (struct oci_mount){.destination = "/proc", .type = "proc", .source = "proc"};
	m[1] = (struct oci_mount){.destination = "/dev", .type = "tmpfs", .source = "tmpfs"};
	if (fs_prepare_rootfs(&c, &err) < 0 || fs_enter_rootfs(&c, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 111;
	}
	/* CVE-2025-31133: a container (or hook) swaps /dev/null for a symlink to a procfs file. */
	CHECK(unlink("/dev/null") == 0);
	CHECK(symlink("/proc/sys/kernel/core_pattern", "/dev/null") == 0);
	CHECK(fs_finalize_rootfs(&c, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.maskedPaths[0]: open \"/dev/null\"");
	/* A regular file instead of the device. */
	CHECK(unlink("/dev/null") == 0);
	CHECK(mknod("/dev/null", S_IFREG | 0666, 0) == 0);
	CHECK(fs_finalize_rootfs(&c, &err) < 0);
	CHECK_STR(err.msg, "linux.maskedPaths[0]: \"/dev/null\" is not the null device (1:3)");
	return unit_failed_checks;
}

TEST(masked_devnull_swap)
{
	CHECK(run_in_ns(devnull_swap_child, NULL) == 0);
}

static int bad_mount_child(void *arg)
{
	static struct oci_mount m[1];
	struct oci_spec s = {.mounts = m, .n_mounts = 1};
	struct fs_config c = {.spec = &s, .rootfs = rootfs};
	ocirun_error_t err;

	(void)arg;
	m[0] = (struct oci_mount){.destination = "/x", .type = "nosuchfs", .source = "none"};
	CHECK(fs_prepare_rootfs(&c, &err) < 0);
	CHECK_STR(err.msg, "mounts[0] (nosuchfs on /x): mount \"none\" on \"/x\": No such device");
	m[0] = (struct oci_mount){.destination = "/y", .type = "bind", .source = "/nonexistent-ocirun"};
	CHECK(fs_prepare_rootfs(&c, &err) < 0);
	CHECK_STR(err.msg, "mounts[0] (bind on /y): stat \"/nonexistent-ocirun\": No such file or directory");
	return unit_failed_checks;
}

TEST(prepare_errors)
{
	CHECK(run_in_ns(bad_mount_child, NULL) == 0);
}

/* Run fn in a child inside a new user namespace (uid and gid 0..2^32-2 mapped to themselves by
 * the parent) and a new mount namespace, but in the host's pid and network namespaces: there
 * procfs and sysfs mounts are refused and mknod is refused. Returns fn's exit status. */
static int run_in_userns(int (*fn)(void *), void *arg)
{
	int to_parent[2], to_child[2];
	char c = 0;
	pid_t pid;
	int status;

	if (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(to_child, O_CLOEXEC) < 0)
		return 100;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0 || write(to_parent[1], "u", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1 || c != 'm')
			_exit(101);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			_exit(102);
		unit_failed_checks = 0;
		_exit(fn(arg));
	}
	if (pid < 0)
		return 103;
	if (read(to_parent[0], &c, 1) == 1) {
		char path[64];
		ocirun_error_t err;

		for (const char *const *f = (const char *const[]){"uid_map", "gid_map", NULL}; *f; f++) {
			snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, *f);
			if (write_file(path, "0 0 4294967295", 14, &err) < 0)
				fprintf(stderr, "# %s\n", err.msg);
		}
		if (write(to_child[1], "m", 1) != 1)
			fprintf(stderr, "# cannot wake the child\n");
	}
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
	if (waitpid(pid, &status, 0) < 0)
		return 106;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 107;
	if (status)
		fprintf(stderr, "# user namespace child exited %d\n", status);
	return status;
}

static char *opt_userns_sysfs[] = {"nosuid", "noexec", "nodev", "ro", NULL};
static char *masked_userns[] = {"/proc/timer_list", "/proc/acpi", NULL};
static char *readonly_userns[] = {"/proc/sys", NULL};

static int userns_child(void *arg)
{
	static struct oci_mount m[6];
	static struct oci_device fifo = {.type = "p", .path = "/dev/myfifo"};
	struct oci_root root = {.path = "rootfs", .readonly = true};
	struct oci_linux l = {.devices = &fifo,
			      .n_devices = 1,
			      .masked_paths = masked_userns,
			      .readonly_paths = readonly_userns};
	struct oci_spec s = {.root = &root, .mounts = m, .n_mounts = 6, .linux_ = &l};
	struct fs_config c = {.spec = &s, .rootfs = rootfs, .in_userns = true, .bundle = tmpdir};
	struct fs_mountinfo *v = NULL;
	ocirun_error_t err;
	struct stat st;
	size_t n = 0;
	char buf[8];
	int fd;

	fs_legacy_mount_api = arg != NULL;
	m[0] = (struct oci_mount){.destination = "/proc", .type = "proc", .source = "proc"};
	m[1] =
	    (struct oci_mount){.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = opt_dev};
	m[2] = (struct oci_mount){
	    .destination = "/sys", .type = "sysfs", .source = "sysfs", .options = opt_userns_sysfs};
	m[3] = (struct oci_mount){
	    .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", .options = opt_cgroup};
	m[4] = (struct oci_mount){
	    .destination = "/etc/hostfile", .type = "bind", .source = "hostfile", .options = opt_file_bind};
	m[5] = (struct oci_mount){
	    .destination = "/dev/pts", .type = "devpts", .source = "devpts", .options = opt_devpts};
	if (fs_prepare_rootfs(&c, &err) < 0 || fs_enter_rootfs(&c, &err) < 0 ||
	    fs_finalize_rootfs(&c, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 111;
	}
	/* mknod refused: the host's nodes are bound onto empty files. */
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	CHECK(stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 0));
	CHECK(stat("/dev/myfifo", &st) == 0 && S_ISFIFO(st.st_mode));
	fd = open("/proc/timer_list", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(open("/proc/sys/kernel/hostname", O_WRONLY) < 0 && errno == EROFS);
	CHECK(open("/newfile", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	CHECK(open("/etc/hostfile", O_WRONLY) < 0 && errno == EROFS);
	CHECK(fs_mountinfo_list(NULL, &v, &n, &err) == 0);
	CHECK_MOUNT(v, n, "/dev/null", "devtmpfs", false);
	CHECK_MOUNT(v, n, "/proc", "proc", false); /* the host's procfs, bound */
	CHECK_MOUNT(v, n, "/proc/sys", "proc", true);
	CHECK_MOUNT(v, n, "/sys", "sysfs", true);
	/* the sysfs fallback is read-only all the way down (with mount_setattr) */
	if (!arg) {
		CHECK_MOUNT(v, n, "/sys/fs/cgroup/memory", "cgroup", true);
	}
	CHECK_MOUNT(v, n, "/sys/fs/cgroup", "tmpfs", true);
	CHECK(find_mount(v, n, "/sys") && find_mount(v, n, "/sys")->flags & MS_NOEXEC);
	fs_mountinfo_free(v, n);
	return unit_failed_checks;
}

TEST(userns_fallbacks)
{
	CHECK(run_in_userns(userns_child, NULL) == 0);
}

TEST(userns_fallbacks_legacy)
{
	CHECK(run_in_userns(userns_child, "legacy") == 0);
}

int main(int argc, char **argv)
{
	bool ns = !(argc > 1 && !strcmp(argv[1], "--no-ns"));

	make_rootfs();
	read_memory_cgroup();
	RUN(mountopts_table);
	RUN(mountopts_parse);
	RUN(path_clean);
	RUN(validate);
	RUN(open_proc_file);
	if (ns && geteuid() == 0) {
		RUN(open_in_root);
		RUN(full_new_api_pivot);
		RUN(full_legacy_api_pivot);
		RUN(full_no_pivot);
		RUN(full_rshared);
		RUN(full_cgroupns);
		RUN(dest_into_proc_refused);
		RUN(masked_devnull_swap);
		RUN(prepare_errors);
		RUN(userns_fallbacks);
		RUN(userns_fallbacks_legacy);
	}
	remove_rootfs();
	return UNIT_END();
}
