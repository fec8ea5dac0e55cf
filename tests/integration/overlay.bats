#!/usr/bin/env bats
# Overlay roots from annotations (docs/overlay.md): org.ocirun.rootfs.overlay,
# org.ocirun.rootfs.layers and org.ocirun.rootfs.upper. Checked from inside
# (what the container sees) and from outside (the layers on the host, the
# host's mount table, leftovers).

load helpers

setup() {
	requires_ocirun
	setup_common
	make_bundle
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || skip "needs overlayfs"
}

teardown() {
	teardown_common
}

ANN=org.ocirun.rootfs

# tree_sum DIR: one checksum over names, modes, sizes, mtimes and contents.
tree_sum() {
	(
		cd "$1" || exit 1
		find . -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort
		find . -type f -exec sha256sum {} + | LC_ALL=C sort
	) | sha256sum | cut -d' ' -f1
}

# overlay_on: root.path (rootfs/) is the only lower layer, writes are private.
overlay_on() {
	update_config '.annotations[$k] = "true"' --arg k "$ANN.overlay"
}

# use_layers LAYERS [UPPER]: lower layers, top first; root.path becomes
# "merged" (created here unless NO_MOUNTPOINT is set).
use_layers() {
	update_config '.annotations[$k] = $v | .root.path = "merged"' --arg k "$ANN.layers" --arg v "$1"
	[ -n "${NO_MOUNTPOINT:-}" ] || mkdir -p "$BUNDLE/merged"
	if [ -n "${2:-}" ]; then
		update_config '.annotations[$k] = $v' --arg k "$ANN.upper" --arg v "$2"
	fi
}

# layer NAME FILE=CONTENT...: $BUNDLE/layers/NAME holding those files.
layer() {
	local d="$BUNDLE/layers/$1" kv
	shift
	mkdir -p "$d"
	for kv in "$@"; do
		mkdir -p "$(dirname "$d/${kv%%=*}")"
		printf '%s\n' "${kv#*=}" >"$d/${kv%%=*}"
	done
}

# overlays_on_host: host mounts of type overlay, or any mount under the test dir.
overlays_on_host() {
	awk -v d="$TEST_TMP" '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "overlay" || index($5, d) == 1) print }' \
		/proc/self/mountinfo
}

# expect_config_error ANNOTATION: the run failed at once, naming ANNOTATION,
# in one line, and left nothing behind.
expect_config_error() {
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "$1"
	assert_eq "$(grep -c . <<<"$stderr")" 1 "error lines"
	assert_no_leftovers
	[ -z "$(ls -A "$TEST_ROOT")" ]
}

# --- org.ocirun.rootfs.overlay ---------------------------------------------

@test "overlay: writes land in a private layer and root.path is untouched" {
	overlay_on
	local before
	before="$(tree_sum "$BUNDLE/rootfs")"
	run_ctr sh -c 'echo new >/new; echo changed >/etc/passwd; rm /bin/true; mkdir /d; cat /new /etc/passwd; [ ! -e /bin/true ] && echo gone; awk "\$5 == \"/\" {print \$9}" /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" new
	assert_eq "${lines[1]}" changed
	assert_eq "${lines[2]}" gone
	assert_eq "${lines[3]}" overlay "fstype of /"
	assert_eq "$(tree_sum "$BUNDLE/rootfs")" "$before" "rootfs checksum"
	[ ! -e "$BUNDLE/rootfs/new" ]
	# The private layer went with the container: a second run starts clean.
	run_ctr sh -c 'ls /new 2>&1; head -1 /etc/passwd'
	assert_contains "$output" "No such file"
	assert_contains "$output" "root:x:0:0"
	assert_no_leftovers
}

@test "overlay: --no-pivot works on an overlay root" {
	overlay_on
	set_args sh -c 'echo x >/x && cat /x'
	run rt run --no-pivot -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" x
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "overlay: the merged / keeps the mode and owner of root.path" {
	overlay_on
	chmod 0750 "$BUNDLE/rootfs"
	run_ctr stat -c '%a %u %g' /
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(stat -c '%a %u %g' "$BUNDLE/rootfs")"
}

@test "overlay: two containers on one lower see only their own writes" {
	overlay_on
	share_dir
	set_args sh -c 'echo "$MINE" >/f; touch /shared/$MINE.ready;
		while [ ! -e /shared/go ]; do sleep 0.05; done;
		cat /f >/shared/$MINE.saw; ls /shared/*.only 2>/dev/null; touch /$MINE.only; ls /*.only >/shared/$MINE.ls'
	update_config '.process.env += ["MINE=one"]'
	start_detached "$ID-a"
	update_config '.process.env = [.process.env[] | select(startswith("MINE=") | not)] + ["MINE=two"]'
	start_detached "$ID-b"
	wait_for_file "$SHARED/one.ready"
	wait_for_file "$SHARED/two.ready"
	touch "$SHARED/go"
	wait_for_file "$SHARED/one.ls"
	wait_for_file "$SHARED/two.ls"
	assert_eq "$(cat "$SHARED/one.saw")" one
	assert_eq "$(cat "$SHARED/two.saw")" two
	assert_eq "$(cat "$SHARED/one.ls")" /one.only
	assert_eq "$(cat "$SHARED/two.ls")" /two.only
	[ ! -e "$BUNDLE/rootfs/f" ]
	wait_for_status "$ID-a" stopped
	wait_for_status "$ID-b" stopped
	rt delete "$ID-a"
	rt delete "$ID-b"
	assert_no_leftovers "$ID-a"
	assert_no_leftovers "$ID-b"
}

@test "overlay: root.readonly makes the merged root read-only (EROFS)" {
	overlay_on
	update_config '.root.readonly = true'
	run_ctr sh -c 'touch /x; echo rc=$?'
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "rc=1"
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "overlay: nothing of it shows in the host's mount table while it runs" {
	overlay_on
	share_dir
	local before
	before="$(overlays_on_host)"
	set_args sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo >/shared/mi; sleep 100'
	start_detached
	wait_for_file "$SHARED/mi"
	# Inside: / is an overlay. Outside: no new overlay, nothing under the test dir.
	assert_contains "$(cat "$SHARED/mi")" " - overlay "
	assert_eq "$(overlays_on_host)" "$before" "host overlay mounts"
	run ! grep -F "$BUNDLE" /proc/self/mountinfo
	# exec joins the merged root: its writes land in the same private layer.
	rt exec "$ID" sh -c 'echo via-exec >/e'
	assert_eq "$(rt exec "$ID" cat /e)" via-exec "file written by exec"
	[ ! -e "$BUNDLE/rootfs/e" ]
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	assert_no_leftovers
}

@test "overlay: works in a user namespace (userxattr)" {
	overlay_on
	# As without an overlay, the image must belong to ids mapped in the namespace: copy-up keeps
	# each file's owner, which must exist there.
	chown -R 100000:100000 "$BUNDLE/rootfs"
	add_ns user
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	local before
	before="$(tree_sum "$BUNDLE/rootfs")"
	run_ctr_sep sh -c 'echo x >/new && cat /new && grep " / / " /proc/self/mountinfo'
	if [ "$status" -ne 0 ] && [[ "$stderr" == *"Invalid argument"* || "$stderr" == *"not permitted"* ]]; then
		skip "this kernel refuses overlayfs in a user namespace: $stderr"
	fi
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" x
	assert_contains "${lines[1]}" userxattr
	assert_eq "$(tree_sum "$BUNDLE/rootfs")" "$before" "rootfs checksum"
}

# --- org.ocirun.rootfs.layers (and .upper) ----------------------------------

@test "overlay: layers are stacked top first (A shadows B)" {
	layer a who=A only-a=1 etc/motd=from-a
	layer b who=B only-b=1
	use_layers "layers/a:layers/b:$BUNDLE/rootfs"
	run_ctr sh -c 'cat /who; ls /only-a /only-b; cat /etc/motd; head -1 /etc/passwd'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" A
	assert_eq "${lines[1]}" /only-a
	assert_eq "${lines[2]}" /only-b
	assert_eq "${lines[3]}" from-a
	assert_contains "${lines[4]}" root:x:0:0
	# The other order: B on top.
	update_config '.annotations[$k] = $v' --arg k "$ANN.layers" --arg v "layers/b:layers/a:rootfs"
	run_ctr cat /who
	assert_eq "$output" B
}

@test "overlay: layers without an upper: writes vanish, layers and mount point untouched" {
	layer a who=A
	use_layers "layers/a:rootfs"
	local sa sr
	sa="$(tree_sum "$BUNDLE/layers")"
	sr="$(tree_sum "$BUNDLE/rootfs")"
	run_ctr sh -c 'echo B >/who; rm /bin/ls; echo w >/w; cat /who /w'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'B\nw')"
	assert_eq "$(tree_sum "$BUNDLE/layers")" "$sa" "layers checksum"
	assert_eq "$(tree_sum "$BUNDLE/rootfs")" "$sr" "rootfs checksum"
	assert_eq "$(ls -A "$BUNDLE/merged")" "" "mount point contents"
	assert_no_leftovers
}

@test "overlay: a persistent upper keeps the writes across runs" {
	layer a who=A
	mkdir "$BUNDLE/upper"
	use_layers "layers/a:rootfs" upper
	local sa
	sa="$(tree_sum "$BUNDLE/layers")"
	run_ctr sh -c 'echo kept >/kept; echo changed >/who; rm /bin/ls'
	[ "$status" -eq 0 ]
	# From outside: the writes are in the upper, the work dir beside it.
	assert_eq "$(cat "$BUNDLE/upper/kept")" kept
	assert_eq "$(cat "$BUNDLE/upper/who")" changed
	[ -c "$BUNDLE/upper/bin/ls" ] # the whiteout of the removed file
	[ -d "$BUNDLE/upper.work" ]
	assert_eq "$(tree_sum "$BUNDLE/layers")" "$sa" "layers checksum"
	[ -e "$BUNDLE/rootfs/bin/ls" ]
	# From inside, a second container sees them.
	run_ctr sh -c 'cat /kept /who; ls /bin/ls 2>&1'
	assert_eq "${lines[0]}" kept
	assert_eq "${lines[1]}" changed
	assert_contains "${lines[2]}" "No such file"
	assert_no_leftovers
}

@test "overlay: an absolute upper and org.ocirun.rootfs.overlay with an upper" {
	mkdir "$TEST_TMP/up"
	overlay_on
	update_config '.annotations[$k] = $v' --arg k "$ANN.upper" --arg v "$TEST_TMP/up"
	run_ctr sh -c 'echo 1 >/one'
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$TEST_TMP/up/one")" 1
	[ ! -e "$BUNDLE/rootfs/one" ]
}

@test "overlay: a missing mount point is created (empty) and left in place" {
	layer a who=A
	# Not on a failed check.
	NO_MOUNTPOINT=1 use_layers "layers/a:layers/nope:rootfs"
	run_ctr_sep
	expect_config_error "$ANN.layers"
	[ ! -e "$BUNDLE/merged" ]
	NO_MOUNTPOINT=1 use_layers "layers/a:rootfs"
	run_ctr cat /who
	[ "$status" -eq 0 ]
	assert_eq "$output" A
	[ -d "$BUNDLE/merged" ]
	assert_eq "$(ls -A "$BUNDLE/merged")" ""
}

# --- errors: one line naming the annotation, nothing left behind -------------

@test "overlay: a missing layer is an error naming the annotation and the path" {
	layer a who=A
	use_layers "layers/a:layers/nope:rootfs"
	run_ctr_sep
	expect_config_error "$ANN.layers"
	assert_contains "$stderr" "layers/nope"
	assert_contains "$stderr" "No such file"
}

@test "overlay: empty layers, an empty layer, a bad overlay value are errors" {
	use_layers ""
	run_ctr_sep
	expect_config_error "$ANN.layers"
	use_layers "rootfs::rootfs"
	run_ctr_sep
	expect_config_error "$ANN.layers"
	assert_contains "$stderr" "layer 2 is empty"
	update_config 'del(.annotations[$k]) | .root.path = "rootfs"' --arg k "$ANN.layers"
	update_config '.annotations[$k] = "yes"' --arg k "$ANN.overlay"
	run_ctr_sep
	expect_config_error "$ANN.overlay"
	update_config '.annotations[$k] = "true" | .annotations[$l] = "rootfs"' --arg k "$ANN.overlay" --arg l "$ANN.layers"
	run_ctr_sep
	expect_config_error "$ANN.overlay"
}

@test "overlay: an upper inside a lower, or a lower inside the mount point, is an error" {
	layer a who=A
	mkdir -p "$BUNDLE/layers/a/up"
	use_layers "layers/a:rootfs" layers/a/up
	run_ctr_sep
	expect_config_error "$ANN.upper"
	assert_contains "$stderr" "is inside layer 1"
	use_layers "merged/x:rootfs"
	update_config 'del(.annotations[$k])' --arg k "$ANN.upper"
	mkdir -p "$BUNDLE/merged/x"
	run_ctr_sep
	expect_config_error "$ANN.layers"
	assert_contains "$stderr" "root.path"
	rmdir "$BUNDLE/merged/x"
	use_layers "layers/a:layers/a:rootfs"
	run_ctr_sep
	expect_config_error "$ANN.layers"
	assert_contains "$stderr" "same directory"
}

@test "overlay: a missing upper, an upper without layers, a joined mount namespace are errors" {
	layer a who=A
	use_layers "layers/a:rootfs" nope
	run_ctr_sep
	expect_config_error "$ANN.upper"
	assert_contains "$stderr" "nope"
	[ ! -e "$BUNDLE/nope.work" ]
	update_config 'del(.annotations[$k]) | .root.path = "rootfs"' --arg k "$ANN.layers"
	mkdir "$BUNDLE/upper"
	update_config '.annotations[$k] = "upper"' --arg k "$ANN.upper"
	run_ctr_sep
	expect_config_error "$ANN.upper"
	[ ! -e "$BUNDLE/upper.work" ]
	# The host's own mount namespace, joined by path, would receive the overlay.
	update_config 'del(.annotations[$k]) | .annotations[$o] = "true"' --arg k "$ANN.upper" --arg o "$ANN.overlay"
	add_ns mount "/proc/$$/ns/mnt"
	run_ctr_sep
	expect_config_error "$ANN.overlay"
	assert_contains "$stderr" "new mount namespace"
}
