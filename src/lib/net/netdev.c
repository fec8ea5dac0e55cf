#include "net/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

unsigned int if_nametoindex(const char *ifname);

static bool valid_name(const char *n)
{
	return n && *n && strlen(n) < IFNAMSIZ && !strchr(n, '/') && !strchr(n, ':') && strcmp(n, ".") &&
	       strcmp(n, "..");
}

int netdev_validate(const struct oci_spec *s, ocirun_error_t *err)
{
	const struct oci_linux *l = s->linux_;
	const struct oci_namespace *net;

	if (!l || !l->n_net_devices)
		return 0;
	net = spec_find_namespace(s, "network");
	if (!net || (net->path && *net->path))
		return oerr_msg(err, EINVAL,
				"linux.netDevices: the container needs a new network namespace of its own");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct oci_net_device *d = &l->net_devices[i];
		const char *to = d->name && *d->name ? d->name : d->host_name;
		if (!valid_name(d->host_name))
			return oerr_msg(err, EINVAL, "linux.netDevices: invalid link name \"%s\"",
					d->host_name);
		if (!valid_name(to))
			return oerr_msg(err, EINVAL, "linux.netDevices.%s.name: invalid link name \"%s\"",
					d->host_name, to);
		if (!if_nametoindex(d->host_name))
			return oerr(err, errno, "linux.netDevices: host link \"%s\"", d->host_name);
	}
	return 0;
}

static void add_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* One RTM_NEWLINK: set IFLA_NET_NS_FD and IFLA_IFNAME of link ifindex. */
static int move_one(int sock, int ifindex, int nsfd, const char *name, ocirun_error_t *err)
{
	union {
		char buf[512];
		struct nlmsghdr h;
	} req, ans;
	struct ifinfomsg *ifi;
	struct nlmsgerr *e;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = (unsigned)ifindex;
	ifi = NLMSG_DATA(&req.h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	add_attr(&req.h, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	add_attr(&req.h, IFLA_IFNAME, name, strlen(name) + 1);
	if (send(sock, &req, req.h.nlmsg_len, 0) < 0)
		return oerr(err, errno, "netlink send");
	n = recv(sock, &ans, sizeof(ans), 0);
	if (n < 0)
		return oerr(err, errno, "netlink receive");
	if ((size_t)n < NLMSG_LENGTH(sizeof(*e)) || ans.h.nlmsg_type != NLMSG_ERROR)
		return oerr_msg(err, EPROTO, "netlink: unexpected answer");
	e = NLMSG_DATA(&ans.h);
	if (e->error)
		return oerr(err, -e->error, "netlink RTM_NEWLINK");
	return 0;
}

int netdev_move(const struct oci_linux *l, pid_t pid, ocirun_error_t *err)
{
	_cleanup_close_ int sock = -1, nsfd = -1;
	char path[64];

	if (!l || !l->n_net_devices)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return oerr(err, errno, "open \"%s\"", path);
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return oerr(err, errno, "netlink socket");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct oci_net_device *d = &l->net_devices[i];
		const char *to = d->name && *d->name ? d->name : d->host_name;
		int idx = (int)if_nametoindex(d->host_name);
		if (!idx)
			return oerr(err, errno, "linux.netDevices: host link \"%s\"", d->host_name);
		if (move_one(sock, idx, nsfd, to, err) < 0)
			return oerr_prefix(err, "linux.netDevices: move \"%s\" into the container as \"%s\"",
					   d->host_name, to);
	}
	return 0;
}

int netdev_loopback_up(ocirun_error_t *err)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return oerr(err, errno, "bring up lo: socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = oerr(err, errno, "bring up lo: get flags");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = oerr(err, errno, "bring up lo");
	}
	close(fd);
	return r;
}
