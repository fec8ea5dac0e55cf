/* Host features a config may ask for that this host may not have. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs.h"
#include "lifecycle/lifecycle.h"

#define RDTGROUP_SUPER_MAGIC 0x7655821

static bool apparmor_enabled(void)
{
	_cleanup_free_ char *v = NULL;

	if (read_file("/sys/module/apparmor/parameters/enabled", &v, NULL, NULL) < 0)
		return false;
	return v[0] == 'Y';
}

static bool resctrl_mounted(void)
{
	struct statfs sf;

	return statfs("/sys/fs/resctrl", &sf) == 0 && sf.f_type == RDTGROUP_SUPER_MAGIC;
}

int lsm_validate(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err)
{
	(void)fs_selinux_enabled(); /* cache the host's answer now */
	if (p->apparmor_profile && *p->apparmor_profile && !apparmor_enabled())
		return oerr_msg(
		    err, ENOTSUP,
		    "process.apparmorProfile: \"%s\" given but AppArmor is not enabled on this host",
		    p->apparmor_profile);
	if (p->selinux_label && *p->selinux_label && !fs_selinux_enabled())
		log_debug("process.selinuxLabel: SELinux is not enabled on this host, label \"%s\" ignored",
			  p->selinux_label);
	if (l && l->intel_rdt && !resctrl_mounted())
		return oerr_msg(err, ENOTSUP,
				"linux.intelRdt: Intel RDT needs resctrl, which is not mounted on this host");
	/* never ignored: where resctrl exists ocirun still cannot place the container in it */
	if (l && l->intel_rdt)
		return oerr_msg(err, ENOTSUP, "linux.intelRdt: not supported by ocirun (features says so)");
	return 0;
}
