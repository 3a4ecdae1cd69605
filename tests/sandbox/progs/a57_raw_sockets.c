/* A57: raw and exotic sockets. */
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>

#include "attack.h"

static void
sock(const char *what, int fam, int type, int proto)
{
	int	fd = socket(fam, type, proto);

	check(what, fd, 0);
	if (fd != -1)
		close(fd);
}

int
main(void)
{
	struct sockaddr_vm	vm;
	struct {
		struct nlmsghdr		nh;
		struct ifinfomsg	ifi;
	} req;
	char			buf[4096];
	struct nlmsghdr		*nh;
	int			fd;
	ssize_t			n;

	sock("AF_PACKET raw", AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sock("AF_INET raw icmp", AF_INET, SOCK_RAW, IPPROTO_ICMP);
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	check("AF_VSOCK", fd, 0);
	if (fd != -1) {
		memset(&vm, 0, sizeof(vm));
		vm.svm_family = AF_VSOCK;
		vm.svm_cid = 2;
		vm.svm_port = 1234;
		check("vsock connect cid 2", connect(fd, (void *)&vm,
		    sizeof(vm)), ECONNRESET);
		close(fd);
	}
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	check("AF_NETLINK route", fd, 0);
	if (fd != -1) {
		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = sizeof(req);
		req.nh.nlmsg_type = RTM_NEWLINK;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.ifi.ifi_family = AF_UNSPEC;
		req.ifi.ifi_index = 1;
		req.ifi.ifi_change = IFF_UP;
		req.ifi.ifi_flags = 0;
		if (send(fd, &req, sizeof(req), 0) > 0 &&
		    (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			nh = (struct nlmsghdr *)buf;
			if (nh->nlmsg_type == NLMSG_ERROR &&
			    ((struct nlmsgerr *)NLMSG_DATA(nh))->error == 0)
				escape("RTM_NEWLINK acknowledged");
		}
		close(fd);
	}
	sock("AF_ALG", 38, SOCK_SEQPACKET, 0);
	sock("AF_CAN", 29, SOCK_RAW, 1);
	sock("AF_BLUETOOTH", 31, SOCK_RAW, 0);
	finish();
}
