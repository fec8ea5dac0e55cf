# tests/vm13/checks/smoke.sh: the guest is the host it claims to be (systemd
# as PID 1 on pure cgroup v2, the clients' versions) and ocirun runs in it.
check "systemd is PID 1" test "$(cat /proc/1/comm)" = systemd
check "pure cgroup v2" test "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs
check "boot finished, no failed unit" sh -c 'timeout 120 systemctl is-system-running --wait; test -z "$(systemctl --failed --no-legend)"'
check "lingering user session of tester" systemctl is-active user@1000.service
diag "versions: $(podman --version), $(dockerd --version | cut -d, -f1), containerd $(containerd --version | awk '{print $3}')"
check "ocirun runs" ocirun --version
