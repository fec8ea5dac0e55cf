#!/usr/bin/env bats
# Bad config.json, field by field. Each test is a table: every row takes the
# valid config of make_bundle, breaks one field (a wrong type, an
# out-of-range value, a 1 MB string, 10000 nested arrays, a NUL byte, a path
# with "..", a symlink out of the rootfs) and runs `create`. A row must fail
# (non-zero exit), with (ocirun only) one line on stderr naming the field by
# its JSON path, and leave no state dir, cgroup, mount or process. A test
# runs all its rows and then lists every row that misbehaved, so one run
# shows them all.
#
# Paths with ".." and symlinks that point out of the rootfs are resolved
# inside the rootfs by the runtime-spec (and by runc); for those fields the
# rows check containment instead: create may fail or succeed, but nothing
# outside the rootfs is created, changed or mounted.

load helpers

setup() {
	setup_common
	make_bundle
	cp "$BUNDLE/config.json" "$TEST_TMP/base.json"
	BAD=()
	ROWS=0
}

teardown() {
	teardown_common
}

# The runtime under test is ocirun (its wording is checked), not runc/crun.
is_ocirun() {
	case "$RUNTIME_NAME" in
	runc | crun) return 1 ;;
	*) return 0 ;;
	esac
}

# Processes whose root is DIR, by device:inode (as _procs_in, in one stat(1)).
procs_in() {
	local want
	want="$(stat -c %d:%i "$1" 2>/dev/null)" || return 0
	stat -L -c '%d:%i %n' /proc/[0-9]*/root/ 2>/dev/null | awk -v w="$want" '$1 == w {print $2}'
}

# leftovers: what the last row left behind (nothing printed when clean).
leftovers() {
	[ -e "$TEST_ROOT/$ID" ] && echo "state dir $TEST_ROOT/$ID"
	_cgroups_of "$ID" | sed 's/^/cgroup /'
	_mounts_under "$BUNDLE" | sed 's/^/mount /'
	procs_in "$BUNDLE/rootfs" | sed 's/^/process /'
	return 0
}

# short: stdin on one line, runs of a repeated character cut to three, at
# most 300 bytes (the 1 MB rows would fill the screen otherwise).
short() {
	tr '\n' '|' | sed -E 's/(.)\1{8,}/\1\1\1.../g' | head -c 300
}

# names_field MSG FIELD: MSG holds FIELD as a word of its own ("hostname"
# does not count inside "sethostname").
names_field() {
	local re
	re="$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
	grep -qE "(^|[^A-Za-z0-9_.])${re}([^A-Za-z0-9_]|$)" <<<"$1"
}

# check_create FIELD: create with the config.json in place must fail with
# one line naming FIELD and leave nothing. Misbehaviour goes to BAD.
check_create() {
	local field="$1" st=0 err n left
	ROWS=$((ROWS + 1))
	rt create -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
	err="$(head -c 4096 "$TEST_TMP/err")"
	if [ "$st" -eq 0 ]; then
		# runc 1.1.5 takes some of these; only its leftovers are checked
		if is_ocirun; then
			BAD+=("$field: create succeeded")
		else
			echo "# $RUNTIME_NAME accepts this $field" >&3
		fi
		rt delete -f "$ID" >/dev/null 2>&1
	elif is_ocirun; then
		n="$(grep -c . "$TEST_TMP/err" || true)"
		[ "$n" -eq 1 ] || BAD+=("$field: $n lines on stderr: $(short <<<"$err")")
		names_field "$err" "$field" || BAD+=("$field: not named in: $(short <<<"$err")")
	fi
	left="$(leftovers)"
	if [ -n "$left" ]; then
		BAD+=("$field: left behind: $(tr '\n' ' ' <<<"$left")")
		rt delete -f "$ID" >/dev/null 2>&1
	fi
	return 0
}

# bad FIELD JQ [JQ ARGS...]: config = base | JQ, then check_create FIELD.
bad() {
	local field="$1" prog="$2"
	shift 2
	if ! jq "$@" "$prog" "$TEST_TMP/base.json" >"$BUNDLE/config.json"; then
		BAD+=("$field: jq program failed: $prog")
		return 0
	fi
	check_create "$field"
}

# host_snapshot: the host dir the escape rows aim at, as a listing.
host_snapshot() {
	(cd "$HOST" && find . -printf '%p %y %m %s\n' | sort)
	_mounts_under "$HOST"
}

# contained FIELD JQ [JQ ARGS...]: config = base | JQ; create may fail or
# succeed, but $HOST (outside the rootfs) must not change and nothing may be
# left once the container is deleted.
contained() {
	local field="$1" prog="$2" st=0 before after left
	shift 2
	ROWS=$((ROWS + 1))
	if ! jq "$@" --arg host "$HOST" "$prog" "$TEST_TMP/base.json" >"$BUNDLE/config.json"; then
		BAD+=("$field: jq program failed: $prog")
		return 0
	fi
	before="$(host_snapshot)"
	rt create -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
	after="$(host_snapshot)"
	[ "$before" = "$after" ] ||
		BAD+=("$field: changed the host outside the rootfs: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')")
	if [ "$st" -ne 0 ] && is_ocirun; then
		[ "$(grep -c . "$TEST_TMP/err")" -eq 1 ] ||
			BAD+=("$field: refused with more than one line: $(short <"$TEST_TMP/err")")
	fi
	echo "# $field: $([ "$st" -eq 0 ] && echo "created, contained" || echo "refused: $(short <"$TEST_TMP/err")")" >&3
	rt delete -f "$ID" >/dev/null 2>&1
	left="$(leftovers)"
	[ -z "$left" ] || BAD+=("$field: left behind after delete -f: $(tr '\n' ' ' <<<"$left")")
	return 0
}

# verdict: fail the test listing every row that misbehaved.
verdict() {
	echo "# $ROWS rows, ${#BAD[@]} misbehaved" >&3
	[ "${#BAD[@]}" -eq 0 ] && return 0
	printf '%s\n' "${BAD[@]}" >&2
	return 1
}

@test "badconfig: a wrong JSON type, field by field" {
	bad ociVersion '.ociVersion = 1'
	bad process '.process = "sh"'
	bad process.terminal '.process.terminal = "yes"'
	bad process.consoleSize '.process.consoleSize = []'
	bad process.user '.process.user = 0'
	bad process.user.uid '.process.user.uid = "0"'
	bad process.user.gid '.process.user.gid = true'
	bad process.user.umask '.process.user.umask = "022"'
	bad process.user.additionalGids '.process.user.additionalGids = "5"'
	bad 'process.user.additionalGids[0]' '.process.user.additionalGids = ["5"]'
	bad process.args '.process.args = "true"'
	bad 'process.args[0]' '.process.args = [1]'
	bad process.env '.process.env = {"A": "1"}'
	bad 'process.env[0]' '.process.env = [null]'
	bad process.cwd '.process.cwd = 5'
	bad process.capabilities '.process.capabilities = ["CAP_KILL"]'
	bad process.capabilities.bounding '.process.capabilities.bounding = "CAP_KILL"'
	bad process.capabilities.effective '.process.capabilities.effective = [1]'
	bad process.rlimits '.process.rlimits = {}'
	bad 'process.rlimits[0].hard' '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": "1024", "soft": 1024}]'
	bad process.noNewPrivileges '.process.noNewPrivileges = 1'
	bad process.oomScoreAdj '.process.oomScoreAdj = "5"'
	bad process.apparmorProfile '.process.apparmorProfile = 1'
	bad process.selinuxLabel '.process.selinuxLabel = []'
	bad process.scheduler '.process.scheduler = "SCHED_FIFO"'
	bad process.ioPriority.class '.process.ioPriority = {"class": 2}'
	bad root '.root = "rootfs"'
	bad root.path '.root.path = 1'
	bad root.readonly '.root.readonly = "no"'
	bad hostname '.hostname = 7'
	bad domainname '.domainname = []'
	bad mounts '.mounts = {}'
	bad 'mounts[0].destination' '.mounts[0].destination = 1'
	bad 'mounts[0].type' '.mounts[0].type = false'
	bad 'mounts[0].source' '.mounts[0].source = {}'
	bad 'mounts[0].options' '.mounts[0].options = "nosuid"'
	bad 'mounts[0].uidMappings' '.mounts[0].uidMappings = {}'
	bad linux '.linux = []'
	bad linux.namespaces '.linux.namespaces = {}'
	bad 'linux.namespaces[0].type' '.linux.namespaces[0].type = 1'
	bad 'linux.namespaces[0].path' '.linux.namespaces[0].path = 1'
	bad 'linux.uidMappings[0].containerID' '.linux.uidMappings = [{"containerID": "0", "hostID": 0, "size": 1}]'
	bad 'linux.devices[0].major' '.linux.devices = [{"path": "/dev/x", "type": "c", "major": "1", "minor": 3}]'
	bad linux.cgroupsPath '.linux.cgroupsPath = 1'
	bad linux.resources '.linux.resources = "none"'
	bad linux.resources.memory.limit '.linux.resources.memory = {"limit": "1g"}'
	bad linux.resources.cpu.shares '.linux.resources.cpu = {"shares": "512"}'
	bad linux.resources.pids.limit '.linux.resources.pids = {"limit": "10"}'
	bad linux.resources.devices '.linux.resources.devices = {}'
	bad linux.resources.blockIO.weight '.linux.resources.blockIO = {"weight": "x"}'
	bad linux.resources.unified '.linux.resources.unified = {"pids.max": 10}'
	bad linux.sysctl '.linux.sysctl = []'
	bad linux.maskedPaths '.linux.maskedPaths = "/proc/kcore"'
	bad 'linux.readonlyPaths[0]' '.linux.readonlyPaths = [1]'
	bad linux.rootfsPropagation '.linux.rootfsPropagation = 1'
	bad linux.mountLabel '.linux.mountLabel = 1'
	bad linux.seccomp '.linux.seccomp = []'
	bad linux.seccomp.defaultAction '.linux.seccomp = {"defaultAction": 1}'
	bad linux.timeOffsets '.linux.timeOffsets = []'
	bad linux.personality.domain '.linux.personality = {"domain": 1}'
	bad hooks '.hooks = []'
	bad hooks.prestart '.hooks.prestart = {}'
	bad 'hooks.prestart[0].path' '.hooks.prestart = [{"path": 1}]'
	bad 'hooks.poststart[0].args' '.hooks.poststart = [{"path": "/bin/true", "args": "x"}]'
	bad 'hooks.createRuntime[0].timeout' '.hooks.createRuntime = [{"path": "/bin/true", "timeout": "5"}]'
	bad annotations '.annotations = []'
	bad annotations.a '.annotations = {"a": 1}'
	verdict
}

@test "badconfig: an out-of-range value, field by field" {
	bad process.user.uid '.process.user.uid = -1'
	bad process.user.uid '.process.user.uid = 4294967296'
	bad process.user.gid '.process.user.gid = -5'
	bad process.user.umask '.process.user.umask = 4294967296'
	bad 'process.user.additionalGids[0]' '.process.user.additionalGids = [4294967296]'
	bad process.oomScoreAdj '.process.oomScoreAdj = 1001'
	bad 'process.rlimits[0]' '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 10, "soft": 20}]'
	bad 'process.rlimits[0].type' '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]'
	bad process 'del(.process)'
	bad process.args '.process.args = []'
	bad process.cwd '.process.cwd = "relative/dir"'
	bad 'linux.seccomp.syscalls[0].action' '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_NO_SUCH"}]}'
	bad process.consoleSize.height '.process.consoleSize = {"height": -1, "width": 1}'
	bad process.scheduler.nice '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 100}'
	bad process.ioPriority.priority '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}'
	# (an unknown capability name is a warning, as runtime-spec and runc say: errors.bats)
	bad 'linux.namespaces[5].type' '.linux.namespaces += [{"type": "bogus"}]'
	bad 'linux.uidMappings[0].size' '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 0}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
	bad 'linux.devices[0].type' '.linux.devices = [{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}]'
	bad 'linux.resources.devices[0].type' '.linux.resources.devices = [{"allow": true, "type": "q", "access": "rwm"}]'
	bad 'linux.resources.devices[0].access' '.linux.resources.devices = [{"allow": true, "type": "c", "access": "rwx"}]'
	bad linux.resources.memory.swappiness '.linux.resources.memory = {"swappiness": 101}'
	bad linux.resources.cpu.shares '.linux.resources.cpu = {"shares": 1}'
	bad linux.resources.cpu.quota '.linux.resources.cpu = {"quota": 10, "period": 100000}'
	bad linux.resources.cpu.period '.linux.resources.cpu = {"period": 1}'
	bad linux.resources.cpu.cpus '.linux.resources.cpu = {"cpus": "999"}'
	bad 'hooks.prestart[0].timeout' '.hooks.prestart = [{"path": "/bin/true", "timeout": 0}]'
	bad 'hooks.poststop[0].timeout' '.hooks.poststop = [{"path": "/bin/true", "timeout": -1}]'
	bad linux.rootfsPropagation '.linux.rootfsPropagation = "bogus"'
	bad linux.sysctl '.linux.sysctl = {"kernel.panic": "1"}'
	bad hostname '.hostname = ("a" * 65)'
	bad linux.timeOffsets.monotonic.nanosecs '.linux.timeOffsets = {"monotonic": {"secs": 1, "nanosecs": 1000000000}}'
	bad linux.personality.domain '.linux.personality = {"domain": "BOGUS"}'
	bad linux.seccomp.defaultAction '.linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS"}'
	bad 'mounts[0].options' '.mounts[0].options = ["idmap"]'
	bad 'linux.maskedPaths[0]' '.linux.maskedPaths = ["relative"]'
	bad 'linux.readonlyPaths[0]' '.linux.readonlyPaths = ["relative"]'
	bad 'linux.namespaces[0].path' '.linux.namespaces[0].path = "relative"'
	verdict
}

@test "badconfig: a 1 MB string, field by field" {
	# 1,000,000 bytes: the document stays under ocirun's size limit, so the
	# field itself has to be refused.
	# (--rawfile: one argument of exec is limited to 128 KiB)
	head -c 1000000 /dev/zero | tr '\0' a >"$TEST_TMP/mb"
	bad hostname '.hostname = $s' --rawfile s "$TEST_TMP/mb"
	bad domainname '.domainname = $s' --rawfile s "$TEST_TMP/mb"
	bad process.cwd '.process.cwd = "/" + $s' --rawfile s "$TEST_TMP/mb"
	bad 'process.args[0]' '.process.args = ["/" + $s]' --rawfile s "$TEST_TMP/mb"
	bad 'process.rlimits[0].type' '.process.rlimits = [{"type": $s, "hard": 1, "soft": 1}]' --rawfile s "$TEST_TMP/mb"
	bad root.path '.root.path = $s' --rawfile s "$TEST_TMP/mb"
	bad 'mounts[0].destination' '.mounts[0].destination = "/" + $s' --rawfile s "$TEST_TMP/mb"
	bad 'mounts[0].type' '.mounts[0] = {"destination": "/mnt", "type": $s, "source": "none"}' --rawfile s "$TEST_TMP/mb"
	bad 'mounts[0].source' '.mounts[0] = {"destination": "/mnt", "type": "bind", "source": ("/" + $s), "options": ["rbind"]}' --rawfile s "$TEST_TMP/mb"
	bad 'linux.namespaces[0].path' '.linux.namespaces[0].path = "/" + $s' --rawfile s "$TEST_TMP/mb"
	bad linux.cgroupsPath '.linux.cgroupsPath = "/" + $s' --rawfile s "$TEST_TMP/mb"
	bad linux.sysctl '.linux.sysctl = {($s): "1"}' --rawfile s "$TEST_TMP/mb"
	bad linux.rootfsPropagation '.linux.rootfsPropagation = $s' --rawfile s "$TEST_TMP/mb"
	bad linux.seccomp.defaultAction '.linux.seccomp = {"defaultAction": $s}' --rawfile s "$TEST_TMP/mb"
	bad 'hooks.prestart[0].path' '.hooks.prestart = [{"path": ("/" + $s)}]' --rawfile s "$TEST_TMP/mb"
	verdict
}

@test "badconfig: 10000 nested arrays in place of a field" {
	local deep f
	deep="$(head -c 10000 /dev/zero | tr '\0' '[')$(head -c 10000 /dev/zero | tr '\0' ']')"
	for f in process.args process.env process.user.additionalGids process.capabilities.bounding \
		process.rlimits mounts linux.namespaces linux.maskedPaths linux.resources.devices \
		hooks.prestart annotations root; do
		# jq cannot hold 10000 levels: it writes a marker that awk replaces.
		jq -c --arg f "$f" 'setpath($f | split("."); "@NEST@")' "$TEST_TMP/base.json" |
			awk -v d="$deep" '{ sub(/"@NEST@"/, d); print }' >"$BUNDLE/config.json"
		check_create "$f"
	done
	verdict
}

@test "badconfig: a NUL byte (\\u0000) in a string, field by field" {
	bad 'process.args[0]' '.process.args = ["tr\u0000ue"]'
	bad 'process.env[0]' '.process.env = ["A=1\u0000B=2"]'
	bad process.cwd '.process.cwd = "/tmp\u0000/x"'
	bad process.user.username '.process.user.username = "ro\u0000ot"'
	bad process.apparmorProfile '.process.apparmorProfile = "x\u0000"'
	bad root.path '.root.path = "rootfs\u0000x"'
	bad hostname '.hostname = "host\u0000name"'
	bad 'mounts[0].destination' '.mounts[0].destination = "/proc\u0000x"'
	bad 'mounts[0].source' '.mounts[0].source = "proc\u0000x"'
	bad 'mounts[0].options[0]' '.mounts[0].options = ["nosuid\u0000"]'
	bad linux.cgroupsPath '.linux.cgroupsPath = "/a\u0000b"'
	bad 'linux.maskedPaths[0]' '.linux.maskedPaths = ["/proc/kcore\u0000"]'
	bad linux.sysctl '.linux.sysctl = {"net.ipv4.ip_forward\u0000": "1"}'
	bad 'hooks.prestart[0].path' '.hooks.prestart = [{"path": "/bin/true\u0000x"}]'
	bad annotations '.annotations = {"a\u0000b": "c"}'
	bad annotations.a '.annotations = {"a": "b\u0000c"}'
	verdict
}

@test "badconfig: a path with .. is refused where a path must stay below its root" {
	bad linux.cgroupsPath '.linux.cgroupsPath = "../escape"'
	bad linux.cgroupsPath '.linux.cgroupsPath = "/a/../../escape"'
	bad linux.cgroupsPath '.linux.cgroupsPath = "a/b/../../.."'
	bad linux.sysctl '.linux.sysctl = {"net/../kernel/panic": "1"}'
	bad linux.sysctl '.linux.sysctl = {"net.ipv4..ip_forward": "1"}'
	verdict
}

@test "badconfig: a path with .. stays inside the rootfs" {
	HOST="$TEST_TMP/host"
	mkdir -p "$HOST/dir"
	echo secret >"$HOST/file"
	local up="../../../../../../../../../../.."
	contained 'mounts[].destination' '.mounts += [{"destination": ("/'$up'" + $host + "/dir/m"), "type": "tmpfs", "source": "tmpfs"}]'
	contained 'mounts[].destination (bind)' '.mounts += [{"destination": ("/'$up'" + $host + "/dir"), "type": "bind", "source": "/etc", "options": ["rbind", "ro"]}]'
	contained process.cwd '.process.cwd = "/'$up'" + $host + "/dir/new"'
	contained linux.maskedPaths '.linux.maskedPaths += ["/'$up'" + $host + "/file"]'
	contained linux.readonlyPaths '.linux.readonlyPaths += ["/'$up'" + $host + "/dir"]'
	contained 'linux.devices[].path' '.linux.devices = [{"path": ("/'$up'" + $host + "/dir/null"), "type": "c", "major": 1, "minor": 3}]'
	verdict
	# and the file itself is untouched
	assert_eq "$(cat "$HOST/file")" secret "host file"
}

@test "badconfig: a symlink in the rootfs pointing out of it stays inside the rootfs" {
	HOST="$TEST_TMP/host"
	mkdir -p "$HOST/dir"
	echo secret >"$HOST/file"
	ln -s "$HOST" "$BUNDLE/rootfs/abs"
	ln -s "../../../../../../../../../..$HOST" "$BUNDLE/rootfs/rel"
	ln -s "$HOST/file" "$BUNDLE/rootfs/absfile"
	local l
	for l in abs rel; do
		contained "mounts[].destination via /$l" '.mounts += [{"destination": "/'$l'/dir/m", "type": "tmpfs", "source": "tmpfs"}]'
		contained "mounts[].destination (bind) via /$l" '.mounts += [{"destination": "/'$l'/dir", "type": "bind", "source": "/etc", "options": ["rbind", "ro"]}]'
		contained "process.cwd via /$l" '.process.cwd = "/'$l'/dir/new"'
		contained "linux.readonlyPaths via /$l" '.linux.readonlyPaths += ["/'$l'/dir"]'
		contained "linux.devices[].path via /$l" '.linux.devices = [{"path": "/'$l'/dir/null", "type": "c", "major": 1, "minor": 3}]'
	done
	contained "linux.maskedPaths via /absfile" '.linux.maskedPaths += ["/absfile"]'
	contained "mounts[].destination file via /absfile" '.mounts += [{"destination": "/absfile", "type": "bind", "source": "/etc/hostname", "options": ["bind"]}]'
	verdict
	assert_eq "$(cat "$HOST/file")" secret "host file"
}
