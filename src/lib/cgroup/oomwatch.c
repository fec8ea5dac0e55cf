/* The OOM watch of `events`: wakes on each OOM kill in the container's memory
 * cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/util.h"
#include "cgroup/cgroup.h"

/* Watches the memory cgroup for OOM kills: v1 registers an eventfd for
 * memory.oom_control with cgroup.event_control (it also fires when the
 * cgroup is removed); v2 watches memory.events with inotify and compares
 * its oom_kill counter, and cgroup.events for the cgroup becoming empty. */
struct cgroup_oom_watch {
	int fd; /* eventfd (v1) or inotify fd (v2), -1 none */
	bool v2;
	char *dir;
	uint64_t oom_kills;
};

static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file), *text = NULL;
	size_t kl = strlen(key);

	if (read_file(path, &text, NULL, NULL) < 0)
		return 0;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

static int oom_watch_v1(cgroup_oom_watch_t *w, ocirun_error_t *err)
{
	_cleanup_free_ char *ctl = xasprintf("%s/cgroup.event_control", w->dir);
	_cleanup_free_ char *oc = xasprintf("%s/memory.oom_control", w->dir);
	_cleanup_close_ int ofd = open(oc, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int efd = -1;
	char line[64];
	int n;

	if (ofd < 0)
		return oerr(err, errno, "open \"%s\"", oc);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return oerr(err, errno, "eventfd");
	n = snprintf(line, sizeof(line), "%d %d", efd, ofd);
	if (write_file(ctl, line, (size_t)n, err) < 0)
		return oerr_prefix(err, "register for OOM notifications");
	/* the kernel holds its own reference to memory.oom_control now */
	w->fd = TAKE_FD(efd);
	return 0;
}

static int oom_watch_v2(cgroup_oom_watch_t *w, ocirun_error_t *err)
{
	_cleanup_free_ char *ev = xasprintf("%s/memory.events", w->dir);
	_cleanup_free_ char *cev = xasprintf("%s/cgroup.events", w->dir);
	_cleanup_close_ int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd < 0)
		return oerr(err, errno, "inotify_init1");
	if (inotify_add_watch(fd, ev, IN_MODIFY) < 0)
		return oerr(err, errno, "watch \"%s\"", ev);
	if (inotify_add_watch(fd, cev, IN_MODIFY) < 0)
		return oerr(err, errno, "watch \"%s\"", cev);
	w->oom_kills = read_key(w->dir, "memory.events", "oom_kill");
	w->v2 = true;
	w->fd = TAKE_FD(fd);
	return 0;
}

int cgroup_oom_watch_open(const cgroup_t *cg, cgroup_oom_watch_t **ret, ocirun_error_t *err)
{
	const char *dir = cgroup_path(cg, "memory");
	cgroup_oom_watch_t *w = xmalloc(sizeof(*w));
	_cleanup_free_ char *v1 = NULL;
	int r;

	w->fd = -1;
	w->dir = NULL;
	w->v2 = false;
	w->oom_kills = 0;
	if (!dir) {
		free(w);
		return oerr_msg(err, ENOTSUP, "memory controller missing");
	}
	w->dir = xstrdup(dir);
	v1 = xasprintf("%s/memory.oom_control", dir);
	r = access(v1, F_OK) == 0 ? oom_watch_v1(w, err) : oom_watch_v2(w, err);
	if (r < 0) {
		cgroup_oom_watch_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int cgroup_oom_watch_fd(const cgroup_oom_watch_t *w)
{
	return w->fd;
}

void cgroup_oom_watch_free(cgroup_oom_watch_t *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w);
}

/* Read what woke the watch: the number of OOM events to report, or -1 when
 * the v1 cgroup was removed. */
int cgroup_oom_watch_read(cgroup_oom_watch_t *w)
{
	if (!w->v2) {
		uint64_t n = 0;
		_cleanup_free_ char *ctl = xasprintf("%s/cgroup.event_control", w->dir);
		if (read(w->fd, &n, sizeof(n)) != sizeof(n))
			return 0;
		/* the eventfd also fires when the cgroup goes away */
		if (access(ctl, F_OK) < 0)
			return -1;
		return 1;
	} else {
		char buf[4096];
		uint64_t kills;
		while (read(w->fd, buf, sizeof(buf)) > 0)
			;
		kills = read_key(w->dir, "memory.events", "oom_kill");
		if (kills <= w->oom_kills)
			return 0;
		w->oom_kills = kills;
		return 1;
	}
}
