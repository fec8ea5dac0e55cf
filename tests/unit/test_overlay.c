/* Unit tests of src/lib/fs/overlay.c: the annotations' checks (fs_overlay_validate), the runtime's
 * root resolution and what it creates (fs_resolve_root), and the overlay assembled in a forked child
 * inside its own mount namespace (fs_overlay_mount), so the host's mounts are never touched. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"
#include "fs/fs.h"
#include "spec/spec.h"
#include "unit.h"

static char tmpdir[PATH_MAX];

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", tmpdir, rel);
}

static void mkdir_in(const char *rel)
{
	_cleanup_free_ char *p = tpath(rel);
	ocirun_error_t err;

	if (mkdir_p(p, 0755, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
}

static void rmdir_in(const char *rel)
{
	_cleanup_free_ char *p = tpath(rel);

	rmdir(p);
}

static void put(const char *rel, const char *s)
{
	_cleanup_free_ char *p = tpath(rel);
	ocirun_error_t err;

	if (write_file(p, s, strlen(s), &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
}

static bool exists(const char *rel)
{
	_cleanup_free_ char *p = tpath(rel);

	return access(p, F_OK) == 0;
}

/* A config with root.path, the given annotations (a JSON object body) and a new mount namespace. */
static struct oci_spec *spec_with(const char *root, const char *annotations, bool mount_ns)
{
	_cleanup_free_ char *text =
	    xasprintf("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"true\"], \"cwd\": \"/\"},"
		      "\"root\": {\"path\": \"%s\"}, \"annotations\": {%s},"
		      "\"linux\": {\"namespaces\": [%s]}}",
		      root, annotations, mount_ns ? "{\"type\": \"mount\"}" : "{\"type\": \"pid\"}");
	struct oci_spec *s = NULL;
	ocirun_error_t err = {0};

	if (spec_parse(text, strlen(text), "test", &s, &err) < 0)
		fprintf(stderr, "# spec: %s\n", err.msg);
	return s;
}

/* fs_overlay_validate fails with a message containing each of want (NULL-terminated). */
static bool fails_with(const char *root, const char *ann, bool mount_ns, const char *want, const char *want2)
{
	struct oci_spec *s = spec_with(root, ann, mount_ns);
	ocirun_error_t err = {0};
	bool ok;

	if (!s)
		return false;
	ok = fs_overlay_validate(s, tmpdir, &err) < 0 && strstr(err.msg, want) &&
	     (!want2 || strstr(err.msg, want2));
	if (!ok)
		fprintf(stderr, "# %s -> \"%s\", want \"%s\"\n", ann, err.msg, want);
	spec_free(s);
	return ok;
}

static bool passes(const char *root, const char *ann)
{
	struct oci_spec *s = spec_with(root, ann, true);
	ocirun_error_t err = {0};
	bool ok = s && fs_overlay_validate(s, tmpdir, &err) == 0;

	if (!ok)
		fprintf(stderr, "# %s -> \"%s\"\n", ann, err.msg);
	spec_free(s);
	return ok;
}

#define OV "\"org.ocirun.rootfs.overlay\": "
#define LA "\"org.ocirun.rootfs.layers\": "
#define UP "\"org.ocirun.rootfs.upper\": "

TEST(values)
{
	CHECK(passes("rootfs", ""));
	CHECK(passes("rootfs", OV "\"false\""));
	CHECK(passes("rootfs", OV "\"true\""));
	CHECK(fails_with("rootfs", OV "\"yes\"", true, "org.ocirun.rootfs.overlay", "\"yes\""));
	CHECK(
	    fails_with("rootfs", OV "\"true\", " LA "\"a\"", true, "org.ocirun.rootfs.overlay", "combined"));
	CHECK(fails_with("rootfs", UP "\"up\"", true, "org.ocirun.rootfs.upper", "needs"));
	CHECK(fails_with("rootfs", OV "\"true\", " UP "\"\"", true, "org.ocirun.rootfs.upper", "empty"));
	CHECK(fails_with("merged", LA "\"\"", true, "org.ocirun.rootfs.layers", "at least one"));
	CHECK(fails_with("merged", LA "\"a:\"", true, "org.ocirun.rootfs.layers", "layer 2 is empty"));
	CHECK(fails_with("merged", LA "\":a\"", true, "org.ocirun.rootfs.layers", "layer 1 is empty"));
	CHECK(fails_with("rootfs", OV "\"true\"", false, "org.ocirun.rootfs.overlay", "mount namespace"));
}

TEST(too_many_layers)
{
	char *v = xstrdup("\"");
	char *ann;

	for (int i = 0; i < 129; i++) {
		char *n = xasprintf("%s%sa", v, i ? ":" : "");
		free(v);
		v = n;
	}
	ann = xasprintf(LA "%s\"", v);
	CHECK(fails_with("merged", ann, true, "org.ocirun.rootfs.layers", "more than 128"));
	free(ann);
	free(v);
}

TEST(paths)
{
	_cleanup_free_ char *abs_a = tpath("layers/a"), *ann = NULL;

	CHECK(passes("merged", LA "\"layers/a:layers/b:rootfs\""));
	ann = xasprintf(LA "\"%s:rootfs\", " UP "\"upper\"", abs_a);
	CHECK(passes("merged", ann));
	/* the mount point may be missing: fs_resolve_root creates it */
	CHECK(passes("missing", LA "\"layers/a\""));
	CHECK(fails_with("merged", LA "\"layers/a:layers/nope\"", true, "org.ocirun.rootfs.layers: layer 2",
			 "No such file"));
	CHECK(fails_with("merged", LA "\"layers/file\"", true, "layer 1", "not a directory"));
	CHECK(fails_with("merged", LA "\"layers/a:layers/a\"", true, "layer 2", "same directory as layer 1"));
	CHECK(fails_with("merged", LA "\"layers/a:layers/a/sub\"", true, "layer 2", "is inside layer 1"));
	CHECK(fails_with("merged", LA "\"layers/a\", " UP "\"layers/a/sub\"", true, "org.ocirun.rootfs.upper",
			 "is inside layer 1"));
	CHECK(
	    fails_with("merged", LA "\"layers/a\", " UP "\"nope\"", true, "org.ocirun.rootfs.upper", "nope"));
	CHECK(fails_with("layers/a/sub", LA "\"layers/a\"", true, "layer 1", "contains root.path"));
	mkdir_in("merged/x");
	CHECK(fails_with("merged", LA "\"merged/x\"", true, "layer 1", "is inside root.path"));
	rmdir_in("merged/x");
	CHECK(fails_with("rootfs", OV "\"true\", " UP "\"rootfs/tmp\"", true, "org.ocirun.rootfs.upper",
			 "is inside root.path"));
	CHECK(fails_with("nodir/x", LA "\"layers/a\"", true, "org.ocirun.rootfs.layers",
			 "parent of root.path"));
}

TEST(resolve_root_creates)
{
	struct oci_spec *s = spec_with("made", LA "\"layers/a:layers/nope\", " UP "\"upper2\"", true);
	ocirun_error_t err = {0};
	char *root = NULL;

	mkdir_in("upper2");
	CHECK(s && fs_resolve_root(s, tmpdir, &root, &err) < 0);
	CHECK_CONTAINS(err.msg, "org.ocirun.rootfs.layers");
	CHECK(!exists("made") && !exists("upper2.work"));
	spec_free(s);
	s = spec_with("made", LA "\"layers/a\", " UP "\"upper2\"", true);
	CHECK(s && fs_resolve_root(s, tmpdir, &root, &err) == 0);
	CHECK(exists("made") && exists("upper2.work"));
	CHECK(root && !strncmp(root, tmpdir, strlen(tmpdir)) && !strcmp(root + strlen(tmpdir), "/made"));
	free(root);
	root = NULL;
	spec_free(s);
	/* without annotations it is realpath, with its error */
	s = spec_with("nothere", "", true);
	CHECK(s && fs_resolve_root(s, tmpdir, &root, &err) < 0);
	CHECK_CONTAINS(err.msg, "root.path \"nothere\"");
	spec_free(s);
}

/* In a child with its own mount namespace: assemble, read through it, write into it; the exit code
 * says which step failed. The caller checks the host side. */
static int child_mount(const char *root, const char *ann)
{
	struct oci_spec *s = spec_with(root, ann, true);
	_cleanup_free_ char *rootfs = tpath(root), *who = NULL;
	struct fs_config c = {.spec = s, .rootfs = rootfs, .bundle = tmpdir};
	ocirun_error_t err = {0};
	char *p;

	if (!s || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	if (fs_overlay_mount(&c, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 11;
	}
	p = xasprintf("%s/who", rootfs);
	if (read_file(p, &who, NULL, &err) < 0 || strcmp(who, "A\n"))
		return 12;
	free(p);
	p = xasprintf("%s/new", rootfs);
	if (write_file(p, "x", 1, &err) < 0)
		return 13;
	free(p);
	return 0;
}

static int in_child(const char *root, const char *ann)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child_mount(root, ann));
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(mount_private_upper)
{
	_cleanup_free_ char *mi = NULL;
	ocirun_error_t err;

	CHECK(in_child("merged", LA "\"layers/a:layers/b\"") == 0);
	CHECK(in_child("layers/a", OV "\"true\"") == 0);
	/* the private upper left nothing on the host */
	CHECK(!exists("merged/new") && !exists("layers/a/new"));
	CHECK(read_file("/proc/self/mountinfo", &mi, NULL, &err) == 0 && !strstr(mi, tmpdir));
}

TEST(mount_kept_upper)
{
	mkdir_in("upper3");
	CHECK(in_child("merged", LA "\"layers/a:layers/b\", " UP "\"upper3\"") == 0);
	CHECK(exists("upper3/new") && exists("upper3.work"));
	CHECK(!exists("layers/a/new"));
}

int main(void)
{
	ocirun_error_t err;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ocirun-test-overlay-XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	mkdir_in("rootfs/tmp");
	mkdir_in("merged");
	mkdir_in("layers/a/sub");
	mkdir_in("layers/b");
	mkdir_in("upper");
	put("layers/file", "f");
	put("layers/a/who", "A\n");
	put("layers/b/who", "B\n");
	RUN(values);
	RUN(too_many_layers);
	RUN(paths);
	RUN(resolve_root_creates);
	if (geteuid() == 0) {
		RUN(mount_private_upper);
		RUN(mount_kept_upper);
	}
	if (rm_rf_at(AT_FDCWD, tmpdir, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return UNIT_END();
}
