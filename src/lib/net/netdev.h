/* net: linux.netDevices — host network links moved into the container's
 * network namespace (and renamed) over rtnetlink.
 * Runs in: runtime (validate before clone, move after it, before GO).
 * Must not call: exit, modules beyond base/ and spec/. */
#ifndef OCIRUN_NETDEV_H
#define OCIRUN_NETDEV_H

#include <sys/types.h>

#include "base/error.h"
#include "spec/spec.h"

/* Each host link exists, names fit IFNAMSIZ, and the container has a network
 * namespace (a new one or one joined by path). */
int netdev_validate(const struct oci_spec *s, ocirun_error_t *err);
/* Move every link into the network namespace of pid, renaming it; its permanent
 * addresses of global scope go with it (the kernel drops them on the move) and it
 * is brought up there, as runc does. */
int netdev_move(const struct oci_linux *l, pid_t pid, ocirun_error_t *err);
/* Container init, in a network namespace it created: bring "lo" up, as runc and crun do
 * (programs expect 127.0.0.1 to work in a namespace without other links). */
int netdev_loopback_up(ocirun_error_t *err);

#endif
