#!/usr/bin/env bats
# User namespaces (uid/gid mappings written by the runtime) and rootless
# mode (an unprivileged user runs `spec --rootless` and `run`).

load helpers

TEST_USER=ocirun-test

setup_file() {
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /bin/sh "$TEST_USER"
		touch "$BATS_FILE_TMPDIR/created-user"
	fi
}

teardown_file() {
	if [ -e "$BATS_FILE_TMPDIR/created-user" ]; then
		userdel "$TEST_USER" 2>/dev/null || true
	fi
}

SUB_START=300000
SUB_COUNT=65536

# subids: give $TEST_USER subordinate ids in /etc/subuid and /etc/subgid for this test
# (the line is removed in teardown).
subids() {
	local f
	for f in /etc/subuid /etc/subgid; do
		[ -e "$f" ] || { touch "$f" && on_teardown rm -f "$f"; }
		echo "$TEST_USER:$SUB_START:$SUB_COUNT" >>"$f"
		on_teardown sed -i "/^$TEST_USER:$SUB_START:$SUB_COUNT\$/d" "$f"
	done
}

# rootless_bundle JQ: a `spec --rootless` config for $TEST_USER, edited by JQ.
rootless_bundle() {
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false | .root.readonly = false'
	update_config "$1" --argjson uid "$(id -u "$TEST_USER")" --argjson gid "$(id -g "$TEST_USER")" \
		--argjson sub "$SUB_START" --argjson n "$SUB_COUNT"
	chown -R "$TEST_USER" "$TEST_TMP"
}

# as_user CMD: run CMD as $TEST_USER with its own XDG_RUNTIME_DIR.
as_user() {
	local xdg="$TEST_TMP/xdg"
	mkdir -p "$xdg" && chown "$TEST_USER" "$xdg"
	run su "$TEST_USER" -s /bin/sh -c "XDG_RUNTIME_DIR='$xdg' $1"
}

@test "userns: the container runs as root of its own user namespace with the configured maps" {
	userns_config
	set_args sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0
	assert_contains "$output" "0     200000      65536"
	# a different user namespace than ours
	assert_not_contains "$output" "$(readlink /proc/self/ns/user)"
	assert_no_leftovers
}

@test "userns: the init is an unprivileged host uid seen from outside" {
	userns_config
	set_args sleep 1000
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	run awk '/^Uid:/ {print $2}' "/proc/$pid/status"
	assert_eq "$output" 200000
	rt delete -f "$ID"
	assert_no_leftovers
}

# Written by the runtime before the init becomes uid 0 of its user namespace: after that its
# /proc/self files are root's (not dumpable) and lowering the score (containerd gives a pod
# sandbox -998) needs CAP_SYS_RESOURCE of the host's namespace. 500: this CI host's root
# lacks CAP_SYS_RESOURCE; the Debian 13 guest's CRI userns pods check -998.
@test "userns: oomScoreAdj is set from outside the user namespace" {
	runc_gap "it writes oom_score_adj inside the user namespace (fixed by 1.1.15)"
	userns_config
	update_config '.process.oomScoreAdj = 500'
	run_ctr cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	assert_eq "$output" 500 oom_score_adj
	assert_no_leftovers
}

@test "userns: host files owned by unmapped ids appear as nobody; devices are bind mounts" {
	userns_config
	set_args sh -c 'stat -c %u /bin/busybox; stat -c %t:%T /dev/null; echo x > /dev/null && echo null-ok'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 65534
	assert_contains "$output" "1:3"
	assert_contains "$output" "null-ok"
}

@test "userns: bind sources in directories closed to others are opened by the runtime, as runc does" {
	local d
	for d in closed-1 closed-2; do
		mkdir -p "$TEST_TMP/$d/dir"
		echo "$d" >"$TEST_TMP/$d/dir/f"
		chmod 700 "$TEST_TMP/$d"
	done
	# root of the user namespace is "others" to these: it can neither stat nor bind them
	mkdir -p "$BUNDLE/rootfs/m1" "$BUNDLE/rootfs/m2"
	touch "$BUNDLE/rootfs/f2"
	userns_config
	add_bind "$TEST_TMP/closed-1/dir" /m1 bind
	add_bind "$TEST_TMP/closed-2/dir" /m2 rbind ro
	add_bind "$TEST_TMP/closed-2/dir/f" /f2 bind
	run_ctr sh -c 'cat /m1/f /m2/f /f2; touch /m2/x 2>/dev/null || echo m2-ro'
	[ "$status" -eq 0 ]
	assert_eq "$output" "closed-1
closed-2
closed-2
m2-ro"
	assert_no_leftovers
}

@test "userns: capabilities are confined to the namespace (mknod of a device is refused)" {
	userns_config
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args sh -c 'mknod /tmp/sda b 8 0 2>&1; echo rc=$?'
	run_ctr
	assert_contains "$output" "rc=1"
}

@test "userns: a container joining another's user namespace by path runs as its root" {
	join_userns_of "$ID-a"
	# the default mounts are made in the joined namespace (the /dev tmpfs, /dev/pts in it)
	run_ctr sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0
	assert_contains "$output" "0     200000      65536"
	assert_contains "$output" "$(readlink "/proc/$JOINED_PID/ns/user")"
	rt delete -f "$ID-a"
	assert_no_leftovers
}

@test "userns: a joined user namespace does not stop joining a host-owned network namespace" {
	join_userns_of "$ID-a"
	# a network namespace the joined user namespace does not own: setns into it needs the
	# runtime's own rights, which entering the user namespace first would have given up
	unshare -n sleep 1000 &
	local netpid=$!
	track_pid "$netpid"
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(readlink "/proc/$netpid/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
		sleep "$POLL_INTERVAL"
	done
	add_ns network "/proc/$netpid/ns/net"
	# sysfs can only be mounted by the owner of the network namespace: bind the host's
	update_config '.mounts |= map(if .type == "sysfs" then {"source": "/sys", "destination": .destination, "type": "bind", "options": ["rbind", "ro"]} else . end)'
	run_ctr sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/net'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$(readlink "/proc/$JOINED_PID/ns/user")"
	assert_eq "${lines[1]}" "$(readlink "/proc/$netpid/ns/net")"
	rt delete -f "$ID-a"
	assert_no_leftovers
}

@test "userns: a mapping for a new user namespace is required" {
	requires_ocirun
	update_config '.linux.namespaces += [{"type": "user"}]'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "uidMappings"
	assert_no_leftovers
}

@test "rootless: an unprivileged user runs spec --rootless and run" {
	local uid
	uid="$(id -u "$TEST_USER")"
	rm -f "$BUNDLE/config.json"
	chown -R "$TEST_USER" "$TEST_TMP"
	chmod 755 "$TEST_TMP"
	local xdg="$TEST_TMP/xdg"
	mkdir -p "$xdg" && chown "$TEST_USER" "$xdg"
	run su "$TEST_USER" -s /bin/sh -c "cd '$BUNDLE' && '$RUNTIME' spec --rootless &&
		jq '.process.terminal = false | .root.readonly = false | .process.args = [\"sh\", \"-c\", \"id -u; cat /proc/self/uid_map\"]' config.json > c && mv c config.json &&
		XDG_RUNTIME_DIR='$xdg' '$RUNTIME' run rl-$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0
	assert_contains "$output" "$uid"
	# state lived under $XDG_RUNTIME_DIR and was removed with the container
	[ ! -e "$xdg/${RUNTIME_NAME}/rl-$ID" ]
}

@test "rootless: oomScoreAdj above the caller's is set by the unprivileged runtime" {
	rootless_bundle '.linux.uidMappings = [{"containerID": 0, "hostID": $uid, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $gid, "size": 1}]
		| .process.oomScoreAdj = 300 | .process.args = ["cat", "/proc/self/oom_score_adj"]'
	chmod 755 "$TEST_TMP"
	as_user "'$RUNTIME' run -b '$BUNDLE' rl-$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 300 oom_score_adj
}

@test "rootless: state is kept under XDG_RUNTIME_DIR while the container exists" {
	requires_ocirun
	rm -f "$BUNDLE/config.json"
	chown -R "$TEST_USER" "$TEST_TMP"
	local xdg="$TEST_TMP/xdg"
	mkdir -p "$xdg" && chown "$TEST_USER" "$xdg"
	run su "$TEST_USER" -s /bin/sh -c "cd '$BUNDLE' && '$RUNTIME' spec --rootless &&
		jq '.process.terminal = false | .root.readonly = false | .process.args = [\"true\"]' config.json > c && mv c config.json &&
		XDG_RUNTIME_DIR='$xdg' '$RUNTIME' create rl-$ID </dev/null >/dev/null 2>&1 && ls '$xdg/ocirun' &&
		XDG_RUNTIME_DIR='$xdg' '$RUNTIME' delete -f rl-$ID && ls '$xdg/ocirun'"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "rl-$ID"
	[ "${#lines[@]}" -eq 1 ]
}

@test "rootless auto: root of a user namespace that is not the host's is rootless, as in runc" {
	runc_gap "1.1.5 fails to setns to its own mount namespace under unshare -r"
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false | .root.readonly = false
		| .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
	chown -R "$TEST_USER" "$TEST_TMP"
	# an unprivileged user's `unshare -r` (as under rootlesskit): uid 0 there, but the host's
	# cgroup tree is not writable; auto-detection makes it rootless and the cgroup is skipped
	run su "$TEST_USER" -s /bin/sh -c "unshare -r '$RUNTIME' --root '$TEST_ROOT' run -b '$BUNDLE' '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0
	assert_contains "$output" "0          0          1"
	assert_no_leftovers
	# the contrast: told it is not rootless, it needs the cgroup and fails cleanly
	run su "$TEST_USER" -s /bin/sh -c "unshare -r '$RUNTIME' --rootless false --root '$TEST_ROOT' run -b '$BUNDLE' '$ID'"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_contains "$output" "Permission denied"
	assert_no_leftovers
}

@test "rootless: root of a user namespace keeps state under XDG_RUNTIME_DIR, as rootless podman runs it" {
	runc_gap "1.1.5 fails to setns to its own mount namespace under unshare -r"
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false | .root.readonly = false | .process.args = ["true"]'
	chown -R "$TEST_USER" "$TEST_TMP"
	local xdg="$TEST_TMP/xdg"
	mkdir -p "$xdg" && chown "$TEST_USER" "$xdg"
	# uid 0 in the namespace, $USER the user's: /run/<runtime> cannot be made there
	# stderr to a file: a created init holds its stdio, and `run` would wait for it to close
	run su "$TEST_USER" -s /bin/sh -c "unshare -r sh -c \"USER='$TEST_USER' XDG_RUNTIME_DIR='$xdg' \
		'$RUNTIME' create -b '$BUNDLE' rl-$ID </dev/null >/dev/null 2>'$TEST_TMP/create.err' &&
		ls '$xdg'/* &&
		USER='$TEST_USER' XDG_RUNTIME_DIR='$xdg' '$RUNTIME' delete -f rl-$ID\""
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "rl-$ID"
	# the runtime's dir there is empty again after delete
	[ -z "$(ls "$xdg"/* 2>/dev/null)" ]
}

@test "rootless: mappings beyond one's own id go through newuidmap/newgidmap and /etc/subuid" {
	subids
	rootless_bundle '.linux.uidMappings = [{"containerID": 0, "hostID": $uid, "size": 1},
			{"containerID": 1, "hostID": $sub, "size": $n}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $gid, "size": 1},
			{"containerID": 1, "hostID": $sub, "size": $n}]
		| .process.capabilities.bounding += ["CAP_CHOWN"]
		| .process.capabilities.effective += ["CAP_CHOWN"]
		| .process.capabilities.permitted += ["CAP_CHOWN"]
		| .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f"]'
	as_user "'$RUNTIME' run -b '$BUNDLE' '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "1     300000      65536"
	assert_eq "${lines[-1]}" 1000:1000
	# on the host the file belongs to the subordinate id that container uid 1000 maps to
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" "300999:300999"
	assert_no_leftovers
}

@test "rootless: a mapping outside /etc/subuid is refused by newuidmap and nothing is left" {
	requires_ocirun
	subids
	rootless_bundle '.linux.uidMappings = [{"containerID": 0, "hostID": $uid, "size": 1},
			{"containerID": 1, "hostID": ($sub + $n), "size": 10}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $gid, "size": 1}]'
	as_user "'$RUNTIME' run -b '$BUNDLE' '$ID'"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.uidMappings: newuidmap:"
	[ "$(grep -c . <<<"$output")" -eq 1 ]
	assert_no_leftovers
}

@test "rootless: a cgroup delegated to the user is used; the others are skipped" {
	requires_ocirun
	requires pids
	local name="ocirun-deleg-${ID#ocit-}" # not named for $ID: assert_no_leftovers would count it
	local deleg="/sys/fs/cgroup/pids/$name"
	[ -d /sys/fs/cgroup/pids ] || skip "needs the v1 pids hierarchy (the VM checks v2)"
	# delegation, v1 style: the parent cgroup and its files belong to the user
	mkdir "$deleg"
	on_teardown rmdir "$deleg"
	chown -R "$TEST_USER" "$deleg"
	rm -f "$BUNDLE/config.json"
	chown -R "$TEST_USER" "$TEST_TMP"
	as_user "cd '$BUNDLE' && '$RUNTIME' spec --rootless"
	update_config '.process.terminal = false | .root.readonly = false
		| .linux.cgroupsPath = $p | .linux.resources.pids.limit = 20
		| .process.args = ["sh", "-c", "grep :pids: /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max"]' \
		--arg p "/$name/ctr"
	as_user "'$RUNTIME' --debug run -b '$BUNDLE' '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "pids:/$name/ctr"
	assert_eq "${lines[-1]}" 20
	# a controller that is not delegated is skipped with a debug line
	assert_contains "$output" "rootless, skipping \"/sys/fs/cgroup/memory/$name/ctr\""
	# the container's own cgroup went with it; the delegated parent stays until teardown
	[ ! -e "$deleg/ctr" ]
	assert_no_leftovers
}

@test "userns: mqueue without the container's own ipc namespace fails with the reason" {
	requires_ocirun
	userns_config
	update_config '.linux.namespaces |= map(select(.type != "ipc"))'
	run_ctr_sep true
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "mounts[4] (mqueue on /dev/mqueue)"
	assert_contains "$stderr" "mqueue needs the container's own ipc namespace"
	assert_no_leftovers
}
