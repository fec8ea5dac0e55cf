/* features: what this build and host really support (runtime-spec
 * features.md), gathered from the modules' own vocabularies. */
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "criu/criu.h"
#include "fs/fs.h"
#include "lifecycle/lifecycle.h"
#include "ocirun/ocirun.h"
#include "sec/sec.h"
#include "spec/spec.h"

static void gen_list(json_gen_t *g, const char *key, const char *const *v)
{
	json_gen_key(g, key);
	json_gen_arr_open(g);
	for (size_t i = 0; v && v[i]; i++)
		json_gen_str(g, v[i]);
	json_gen_arr_close(g);
}

static void gen_enabled(json_gen_t *g, const char *key, bool on)
{
	json_gen_key(g, key);
	json_gen_obj_open(g);
	json_gen_key(g, "enabled");
	json_gen_bool(g, on);
	json_gen_obj_close(g);
}

static void gen_mount_options(json_gen_t *g)
{
	const char *const *names = mount_opt_names();

	json_gen_key(g, "mountOptions");
	json_gen_arr_open(g);
	for (size_t i = 0; names && names[i]; i++) {
		json_gen_str(g, names[i]);
	}
	json_gen_arr_close(g);
}

static void gen_capabilities(json_gen_t *g)
{
	json_gen_key(g, "capabilities");
	json_gen_arr_open(g);
	for (int c = 0; c <= caps_last_cap(); c++) {
		char *name = caps_to_name(c);
		if (name)
			json_gen_str(g, name);
		free(name);
	}
	json_gen_arr_close(g);
}

static void gen_seccomp(json_gen_t *g)
{
	json_gen_key(g, "seccomp");
	json_gen_obj_open(g);
	json_gen_key(g, "enabled");
	json_gen_bool(g, true);
	gen_list(g, "actions", seccomp_known_actions());
	gen_list(g, "operators", seccomp_known_operators());
	gen_list(g, "archs", seccomp_known_archs());
	gen_list(g, "knownFlags", seccomp_known_flags());
	gen_list(g, "supportedFlags", seccomp_supported_flags());
	json_gen_obj_close(g);
}

char *ocirun_features(void)
{
	static const char *const hooks[] = {
	    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL};
	json_gen_t *g = json_gen_new(true);
	char *text;

	json_gen_obj_open(g);
	json_gen_key(g, "ociVersionMin");
	json_gen_str(g, "1.0.0");
	json_gen_key(g, "ociVersionMax");
	json_gen_str(g, "1.2.0");
	gen_list(g, "hooks", hooks);
	gen_mount_options(g);
	json_gen_key(g, "linux");
	json_gen_obj_open(g);
	json_gen_key(g, "namespaces");
	json_gen_arr_open(g);
	for (size_t i = 0; i < spec_n_ns_types; i++)
		json_gen_str(g, spec_ns_types[i].name);
	json_gen_arr_close(g);
	gen_capabilities(g);
	json_gen_key(g, "cgroup");
	json_gen_obj_open(g);
	json_gen_key(g, "v1");
	json_gen_bool(g, true);
	json_gen_key(g, "v2");
	json_gen_bool(g, true);
	json_gen_key(g, "systemd");
	json_gen_bool(g, true);
	json_gen_key(g, "systemdUser");
	json_gen_bool(g, true);
	json_gen_key(g, "rdma");
	json_gen_bool(g, true);
	json_gen_obj_close(g);
	gen_seccomp(g);
	/* whether ocirun implements them, whatever this host has (features-linux.md) */
	gen_enabled(g, "apparmor", true);
	gen_enabled(g, "selinux", true);
	gen_enabled(g, "intelRdt", false);
	json_gen_key(g, "mountExtensions");
	json_gen_obj_open(g);
	gen_enabled(g, "idmap", true);
	json_gen_obj_close(g);
	json_gen_obj_close(g);
	json_gen_key(g, "annotations");
	json_gen_obj_open(g);
	/* runc's key names compiled-in support; ocirun's says whether CRIU is there to use */
	json_gen_key(g, "org.ocirun.checkpoint.enabled");
	json_gen_str(g, criu_available() ? "true" : "false");
	json_gen_key(g, "org.ocirun.version");
	json_gen_str(g, OCIRUN_VERSION);
	json_gen_obj_close(g);
	json_gen_obj_close(g);
	text = json_gen_finish(g, NULL);
	json_gen_free(g);
	return text;
}

int ocirun_protect_exe(char *const *argv, ocirun_error_t *err)
{
	return exe_guard(argv, err);
}

bool ocirun_rootless_auto(void)
{
	return geteuid() != 0 || running_in_userns();
}
