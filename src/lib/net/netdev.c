#include "net/netdev.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
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
	if (!net)
		return oerr_msg(err, EINVAL, "linux.netDevices: the container needs a network namespace");
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

union nl_buf {
	char buf[512];
	struct nlmsghdr h;
};

/* Send one request and wait for its acknowledgement. */
static int nl_ask(int sock, struct nlmsghdr *req, const char *what, ocirun_error_t *err)
{
	union nl_buf ans;
	struct nlmsgerr *e;
	ssize_t n;

	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (send(sock, req, req->nlmsg_len, 0) < 0)
		return oerr(err, errno, "netlink send");
	n = recv(sock, &ans, sizeof(ans), 0);
	if (n < 0)
		return oerr(err, errno, "netlink receive");
	if ((size_t)n < NLMSG_LENGTH(sizeof(*e)) || ans.h.nlmsg_type != NLMSG_ERROR)
		return oerr_msg(err, EPROTO, "netlink: unexpected answer");
	e = NLMSG_DATA(&ans.h);
	if (e->error)
		return oerr(err, -e->error, "netlink %s", what);
	return 0;
}

static struct ifinfomsg *link_msg(union nl_buf *req, int ifindex)
{
	struct ifinfomsg *ifi;

	memset(req, 0, sizeof(*req));
	req->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->h.nlmsg_type = RTM_NEWLINK;
	ifi = NLMSG_DATA(&req->h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return ifi;
}

/* One RTM_NEWLINK: set IFLA_NET_NS_FD and IFLA_IFNAME of link ifindex, so that the
 * move and the rename cannot collide with a link of the same name on either side. */
static int move_one(int sock, int ifindex, int nsfd, const char *name, ocirun_error_t *err)
{
	union nl_buf req;

	link_msg(&req, ifindex);
	add_attr(&req.h, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	add_attr(&req.h, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_ask(sock, &req.h, "RTM_NEWLINK", err);
}

static int link_up(int sock, int ifindex, ocirun_error_t *err)
{
	union nl_buf req;
	struct ifinfomsg *ifi = link_msg(&req, ifindex);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_ask(sock, &req.h, "set link up", err);
}

/* An address the kernel drops when its link changes namespace, to be added back. */
struct saved_addr {
	struct ifaddrmsg ifa;
	unsigned char local[16], addr[16], brd[16];
	unsigned short n_local, n_addr, n_brd;
};

#define MAX_SAVED_ADDRS 64

static void save_attr(unsigned char *dst, unsigned short *n, const struct rtattr *a)
{
	size_t len = RTA_PAYLOAD(a);

	if (len > 16)
		return;
	memcpy(dst, RTA_DATA(a), len);
	*n = (unsigned short)len;
}

/* Keep an address of link ifindex when it is permanent (configured, not learnt) and of
 * global scope: link- and host-scoped addresses belong to the namespace they were made in. */
static void keep_addr(const struct nlmsghdr *h, int ifindex, struct saved_addr *out, size_t *n)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	unsigned int flags = ifa->ifa_flags;
	struct saved_addr a = {.ifa = *ifa};

	if ((int)ifa->ifa_index != ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE || *n >= MAX_SAVED_ADDRS)
		return;
	for (const struct rtattr *r = IFA_RTA(ifa); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
		if (r->rta_type == IFA_FLAGS && RTA_PAYLOAD(r) >= sizeof(unsigned int))
			memcpy(&flags, RTA_DATA(r), sizeof(flags));
		else if (r->rta_type == IFA_LOCAL)
			save_attr(a.local, &a.n_local, r);
		else if (r->rta_type == IFA_ADDRESS)
			save_attr(a.addr, &a.n_addr, r);
		else if (r->rta_type == IFA_BROADCAST)
			save_attr(a.brd, &a.n_brd, r);
	}
	if (!(flags & IFA_F_PERMANENT) || (!a.n_local && !a.n_addr))
		return;
	out[(*n)++] = a;
}

/* The addresses of link ifindex worth keeping (RTM_GETADDR dump). */
static int dump_addrs(int sock, int ifindex, struct saved_addr *out, size_t *n, ocirun_error_t *err)
{
	union nl_buf req;
	struct ifaddrmsg *ifa;
	union {
		char buf[32768];
		struct nlmsghdr h;
	} ans;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = NLMSG_DATA(&req.h);
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned)ifindex;
	if (send(sock, &req, req.h.nlmsg_len, 0) < 0)
		return oerr(err, errno, "netlink send");
	*n = 0;
	for (;;) {
		ssize_t got = recv(sock, &ans, sizeof(ans), 0), len = got;
		if (got < 0)
			return oerr(err, errno, "netlink receive");
		for (struct nlmsghdr *h = &ans.h; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return oerr(err, e->error ? -e->error : EPROTO, "netlink RTM_GETADDR");
			}
			if (h->nlmsg_type == RTM_NEWADDR)
				keep_addr(h, ifindex, out, n);
		}
		if (got == 0)
			return oerr_msg(err, EPROTO, "netlink RTM_GETADDR: short dump");
	}
}

static int add_addr(int sock, int ifindex, const struct saved_addr *a, ocirun_error_t *err)
{
	union nl_buf req;
	struct ifaddrmsg *ifa;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	req.h.nlmsg_type = RTM_NEWADDR;
	ifa = NLMSG_DATA(&req.h);
	*ifa = a->ifa;
	ifa->ifa_index = (unsigned)ifindex;
	if (a->n_local)
		add_attr(&req.h, IFA_LOCAL, a->local, a->n_local);
	if (a->n_addr)
		add_attr(&req.h, IFA_ADDRESS, a->addr, a->n_addr);
	if (a->n_brd)
		add_attr(&req.h, IFA_BROADCAST, a->brd, a->n_brd);
	if (nl_ask(sock, &req.h, "RTM_NEWADDR", err) < 0) {
		char text[64] = "?";
		inet_ntop(a->ifa.ifa_family, a->n_local ? a->local : a->addr, text, sizeof(text));
		return oerr_prefix(err, "add address %s/%u", text, a->ifa.ifa_prefixlen);
	}
	return 0;
}

/* In the container's network namespace: put the saved addresses back on the link, now
 * called name, and bring it up. The netlink socket is made there and works from here. */
static int restore_in_ns(int nsfd, const char *name, const struct saved_addr *addrs, size_t n,
			 ocirun_error_t *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int sock = -1;
	int idx = 0, saved;

	if (self < 0)
		return oerr(err, errno, "open \"/proc/thread-self/ns/net\"");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return oerr(err, errno, "enter the container's network namespace");
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	saved = errno;
	if (sock >= 0)
		idx = (int)if_nametoindex(name);
	if (sock >= 0 && !idx)
		saved = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		return oerr(err, errno, "return to the runtime's network namespace");
	if (sock < 0)
		return oerr(err, saved, "netlink socket");
	if (!idx)
		return oerr(err, saved, "find \"%s\" in the container", name);
	for (size_t i = 0; i < n; i++)
		if (add_addr(sock, idx, &addrs[i], err) < 0)
			return oerr_ret(err);
	return link_up(sock, idx, err);
}

int netdev_move(const struct oci_linux *l, pid_t pid, ocirun_error_t *err)
{
	_cleanup_close_ int sock = -1, nsfd = -1;
	struct saved_addr addrs[MAX_SAVED_ADDRS];
	char path[64];
	size_t n = 0;

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
		if (dump_addrs(sock, idx, addrs, &n, err) < 0 || move_one(sock, idx, nsfd, to, err) < 0 ||
		    restore_in_ns(nsfd, to, addrs, n, err) < 0)
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
