#include "state/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

int state_root_open(const char *root, int *ret_fd, ocirun_error_t *err)
{
	int fd;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir_p(root, 0700, err) < 0)
			return oerr_prefix(err, "state root");
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return oerr(err, errno, "open state root \"%s\"", root);
	*ret_fd = fd;
	return 0;
}

int state_validate_id(const char *id, ocirun_error_t *err)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0)
		return oerr_msg(err, EINVAL, "container ID cannot be empty");
	if (n > 1024)
		return oerr_msg(err, EINVAL, "invalid container ID: longer than 1024 bytes");
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return oerr_msg(err, EINVAL, "invalid container ID \"%s\"", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return oerr_msg(
			    err, EINVAL,
			    "invalid container ID \"%s\": only letters, digits and _+-. are allowed", id);
	}
	return 0;
}

int state_dir_create(int root_fd, const char *id, int *ret_dirfd, ocirun_error_t *err)
{
	int fd;

	if (state_validate_id(id, err) < 0)
		return oerr_ret(err);
	if (mkdirat(root_fd, id, 0711) < 0) {
		if (errno == EEXIST)
			return oerr_msg(err, EEXIST, "container with id exists: %s", id);
		return oerr(err, errno, "create state dir for \"%s\"", id);
	}
	fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		unlinkat(root_fd, id, AT_REMOVEDIR);
		return oerr(err, e, "open state dir for \"%s\"", id);
	}
	*ret_dirfd = fd;
	return 0;
}

int state_dir_open(int root_fd, const char *id, int *ret_dirfd, ocirun_error_t *err)
{
	int fd;

	if (state_validate_id(id, err) < 0)
		return oerr_ret(err);
	fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return oerr_msg(err, ENOENT, "container \"%s\" does not exist", id);
		return oerr(err, errno, "open state dir for \"%s\"", id);
	}
	*ret_dirfd = fd;
	return 0;
}

int state_lock(int dirfd, ocirun_error_t *err)
{
	while (flock(dirfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return oerr(err, errno, "lock state dir");
	}
	return 0;
}

char *state_now_rfc3339(void)
{
	struct timespec now;
	struct tm tm;
	char buf[64];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", now.tv_nsec);
	return xstrdup(buf);
}

static void emit_map(json_gen_t *g, const char *key, const struct oci_map *m)
{
	json_gen_key(g, key);
	json_gen_obj_open(g);
	for (size_t i = 0; i < m->n; i++) {
		json_gen_key(g, m->items[i].key);
		json_gen_str(g, m->items[i].value);
	}
	json_gen_obj_close(g);
}

void state_emit(json_gen_t *g, const struct container_state *st, const char *status)
{
	json_gen_obj_open(g);
	json_gen_key(g, "ociVersion");
	json_gen_str(g, st->oci_version ? st->oci_version : "1.2.0");
	json_gen_key(g, "id");
	json_gen_str(g, st->id);
	json_gen_key(g, "pid");
	json_gen_i64(g, strcmp(status, "stopped") == 0 ? 0 : st->pid);
	json_gen_key(g, "status");
	json_gen_str(g, status);
	json_gen_key(g, "bundle");
	json_gen_str(g, st->bundle);
	json_gen_key(g, "rootfs");
	json_gen_str(g, st->rootfs);
	json_gen_key(g, "created");
	json_gen_str(g, st->created);
	json_gen_key(g, "owner");
	json_gen_str(g, st->owner ? st->owner : "");
	if (st->annotations.n)
		emit_map(g, "annotations", &st->annotations);
	json_gen_obj_close(g);
}

int state_write(int dirfd, const struct container_state *st, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	json_gen_obj_open(g);
	json_gen_key(g, "ociVersion");
	json_gen_str(g, st->oci_version);
	json_gen_key(g, "id");
	json_gen_str(g, st->id);
	json_gen_key(g, "bundle");
	json_gen_str(g, st->bundle);
	json_gen_key(g, "rootfs");
	json_gen_str(g, st->rootfs);
	json_gen_key(g, "pid");
	json_gen_i64(g, st->pid);
	json_gen_key(g, "startTime");
	json_gen_u64(g, st->start_time);
	json_gen_key(g, "created");
	json_gen_str(g, st->created);
	json_gen_key(g, "owner");
	json_gen_str(g, st->owner);
	json_gen_key(g, "phase");
	json_gen_str(g, st->phase == PHASE_CREATED ? "created" : "creating");
	json_gen_key(g, "creatorPid");
	json_gen_i64(g, st->creator_pid);
	json_gen_key(g, "creatorStartTime");
	json_gen_u64(g, st->creator_start_time);
	json_gen_key(g, "systemdCgroup");
	json_gen_bool(g, st->systemd_cgroup);
	json_gen_key(g, "rootless");
	json_gen_bool(g, st->rootless);
	json_gen_key(g, "noPivot");
	json_gen_bool(g, st->no_pivot);
	json_gen_key(g, "noNewKeyring");
	json_gen_bool(g, st->no_new_keyring);
	json_gen_key(g, "terminal");
	json_gen_bool(g, st->terminal);
	emit_map(g, "annotations", &st->annotations);
	if (st->cgroup) {
		json_gen_key(g, "cgroup");
		json_gen_tree(g, st->cgroup);
	}
	json_gen_obj_close(g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	r = write_file_atomic(dirfd, STATE_FILE, text, len, err);
	if (r < 0)
		return oerr_prefix(err, "write state");
	return 0;
}

static char *get_str(const json_t *v, const char *key)
{
	return xstrdup(json_str(json_obj_get(v, key)));
}

static uint64_t get_u64(const json_t *v, const char *key)
{
	uint64_t u = 0;

	json_u64(json_obj_get(v, key), &u);
	return u;
}

/* "<state dir>/<name>" for messages: the dir's path from /proc/self/fd, else the bare name. */
static char *path_at(int dirfd, const char *name)
{
	char link[64], dir[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0 || dir[0] != '/')
		return xstrdup(name);
	dir[n] = '\0';
	return xasprintf("%s/%s", dir, name);
}

/* Read and parse the JSON object in dirfd/name; every error names the file. */
static int read_object(int dirfd, const char *name, json_t **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL, *path = path_at(dirfd, name);
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len;

	if (fd < 0)
		return oerr(err, errno, "\"%s\"", path);
	if (read_fd_all(fd, &text, &len, err) < 0 || json_parse(text, len, ret, err) < 0)
		return oerr_prefix(err, "\"%s\"", path);
	if (json_type(*ret) != JSON_OBJECT) {
		json_free(*ret);
		*ret = NULL;
		return oerr_msg(err, EINVAL, "\"%s\": expected a JSON object", path);
	}
	return 0;
}

int state_read(int dirfd, struct container_state **ret, ocirun_error_t *err)
{
	struct container_state *st;
	json_t *v = NULL, *ann;

	if (read_object(dirfd, STATE_FILE, &v, err) < 0)
		return oerr_ret(err);
	st = xzalloc(sizeof(*st));
	st->oci_version = get_str(v, "ociVersion");
	st->id = get_str(v, "id");
	st->bundle = get_str(v, "bundle");
	st->rootfs = get_str(v, "rootfs");
	st->pid = (pid_t)get_u64(v, "pid");
	st->start_time = get_u64(v, "startTime");
	st->created = get_str(v, "created");
	st->owner = get_str(v, "owner");
	st->phase =
	    json_str(json_obj_get(v, "phase")) && !strcmp(json_str(json_obj_get(v, "phase")), "created")
		? PHASE_CREATED
		: PHASE_CREATING;
	st->creator_pid = (pid_t)get_u64(v, "creatorPid");
	st->creator_start_time = get_u64(v, "creatorStartTime");
	st->systemd_cgroup = json_bool(json_obj_get(v, "systemdCgroup"));
	st->rootless = json_bool(json_obj_get(v, "rootless"));
	st->no_pivot = json_bool(json_obj_get(v, "noPivot"));
	st->no_new_keyring = json_bool(json_obj_get(v, "noNewKeyring"));
	st->terminal = json_bool(json_obj_get(v, "terminal"));
	ann = json_obj_get(v, "annotations");
	if (json_type(ann) == JSON_OBJECT && json_len(ann)) {
		st->annotations.items = xzalloc(json_len(ann) * sizeof(struct oci_kv));
		for (size_t i = 0; i < json_len(ann); i++) {
			const char *val = json_str(json_obj_val(ann, i));
			if (!val)
				continue;
			st->annotations.items[st->annotations.n].key = xstrdup(json_obj_key(ann, i));
			st->annotations.items[st->annotations.n++].value = xstrdup(val);
		}
	}
	/* keep the whole tree alive: the cgroup member points into it */
	st->cgroup = json_obj_get(v, "cgroup");
	st->owned_tree = v;
	if (!st->id || !st->bundle) {
		_cleanup_free_ char *path = path_at(dirfd, STATE_FILE);
		state_free(st);
		return oerr_msg(err, EINVAL, "\"%s\": missing id or bundle", path);
	}
	*ret = st;
	return 0;
}

void state_free(struct container_state *st)
{
	if (!st)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	for (size_t i = 0; i < st->annotations.n; i++) {
		free(st->annotations.items[i].key);
		free(st->annotations.items[i].value);
	}
	free(st->annotations.items);
	json_free(st->owned_tree);
	free(st);
}

int state_owned_write(int dirfd, const struct state_owned *o, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;
	size_t len;

	json_gen_obj_open(g);
	json_gen_key(g, "bundle");
	json_gen_str(g, o->bundle);
	json_gen_key(g, "created");
	json_gen_str(g, o->created);
	json_gen_key(g, "pid");
	json_gen_i64(g, o->pid);
	json_gen_key(g, "startTime");
	json_gen_u64(g, o->start_time);
	json_gen_key(g, "cgroupMade");
	json_gen_bool(g, o->cgroup_made);
	if (o->cgroup) {
		json_gen_key(g, "cgroup");
		json_gen_tree(g, o->cgroup);
	}
	json_gen_obj_close(g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	if (write_file_atomic(dirfd, STATE_OWNED, text, len, err) < 0)
		return oerr_prefix(err, "write %s", STATE_OWNED);
	return 0;
}

int state_owned_read(int dirfd, struct state_owned *ret, ocirun_error_t *err)
{
	json_t *v = NULL;
	uint64_t pid = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_object(dirfd, STATE_OWNED, &v, err); /* err may be NULL */
	if (r < 0)
		return r;
	/* a pid that does not fit pid_t reads as none: (pid_t)-1 must never reach kill() */
	if (json_u64(json_obj_get(v, "pid"), &pid) == 0 && pid > 0 && pid <= INT32_MAX)
		ret->pid = (pid_t)pid;
	ret->start_time = get_u64(v, "startTime");
	ret->bundle = get_str(v, "bundle");
	ret->created = get_str(v, "created");
	ret->cgroup_made = json_bool(json_obj_get(v, "cgroupMade"));
	ret->cgroup = json_obj_get(v, "cgroup");
	ret->tree = v;
	return 0;
}

void state_owned_release(struct state_owned *o)
{
	free(o->bundle);
	free(o->created);
	json_free(o->tree);
	memset(o, 0, sizeof(*o));
}

int state_config_write(int dirfd, const char *text, size_t len, ocirun_error_t *err)
{
	if (write_file_atomic(dirfd, STATE_CONFIG, text, len, err) < 0)
		return oerr_prefix(err, "keep config.json");
	return 0;
}

int state_config_read(int dirfd, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	int r = read_file_at(dirfd, STATE_CONFIG, ret, ret_len, err);

	return r < 0 ? oerr_prefix(err, "read the kept config.json") : 0;
}

int state_dir_remove(int root_fd, const char *id, ocirun_error_t *err)
{
	if (state_validate_id(id, err) < 0)
		return oerr_ret(err);
	return rm_rf_at(root_fd, id, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(int root_fd, char ***ret, ocirun_error_t *err)
{
	char **ids = xzalloc(sizeof(char *));
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		free(ids);
		return oerr(err, errno, "read state root");
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (state_validate_id(de->d_name, NULL) < 0)
			continue;
		strv_push(&ids, de->d_name);
	}
	closedir(d);
	qsort(ids, strv_len(ids), sizeof(char *), cmp_str);
	*ret = ids;
	return 0;
}

bool state_init_alive(const struct container_state *st)
{
	char s;

	if (st->pid <= 0 || !st->start_time)
		return false;
	if (proc_start_time(st->pid) != st->start_time)
		return false;
	s = proc_state(st->pid);
	return s && s != 'Z' && s != 'X';
}

int state_init_pidfd(const struct container_state *st)
{
	int fd;

	if (st->pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return -errno;
	/* The pidfd pins the process; checking the start time after opening it
	 * proves it is the same process we recorded, not a recycled PID. */
	if (!state_init_alive(st)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* The state dir's path may be longer than sun_path: the socket is named through the dirfd. */
static void done_addr(int dirfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, STATE_DONE);
}

int state_done_listen(int dirfd, int *ret_fd, ocirun_error_t *err)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;

	if (fd < 0)
		return oerr(err, errno, "socket for %s", STATE_DONE);
	done_addr(dirfd, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return oerr(err, errno, "bind %s", STATE_DONE);
	if (fchmodat(dirfd, STATE_DONE, 0600, 0) < 0)
		return oerr(err, errno, "chmod %s", STATE_DONE);
	if (listen(fd, 1) < 0)
		return oerr(err, errno, "listen on %s", STATE_DONE);
	*ret_fd = fd;
	fd = -1;
	return 0;
}

int state_done_connect(int dirfd, int *ret_fd, ocirun_error_t *err)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;

	if (fd < 0)
		return oerr(err, errno, "socket for %s", STATE_DONE);
	done_addr(dirfd, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return oerr(err, errno, "connect to %s", STATE_DONE);
	*ret_fd = fd;
	fd = -1;
	return 0;
}
