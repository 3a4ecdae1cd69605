/*
 * A54: outbound network.  Before any connect to a non-loopback address it
 * makes sure there is no interface but lo, so that even run outside a
 * sandbox by mistake it sends nothing off the host.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>

#include "attack.h"

static int
has_route_out(void)
{
	struct ifaddrs	*ifa, *i;
	int		 out = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (!(i->ifa_flags & IFF_LOOPBACK) && (i->ifa_flags & IFF_UP))
			out = 1;
	freeifaddrs(ifa);
	return out;
}

static void
tcp(const char *what, int fam, const char *addr, int port)
{
	struct sockaddr_in6	s6;
	struct sockaddr_in	s4;
	int			fd;

	fd = socket(fam, SOCK_STREAM, 0);
	check(what, fd, 0);
	if (fd == -1)
		return;
	if (has_route_out()) {
		escape("%s: a network interface is up", what);
		close(fd);
		return;
	}
	if (fam == AF_INET) {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4.sin_addr);
		check(what, connect(fd, (void *)&s4, sizeof(s4)), ENETUNREACH);
	} else {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6.sin6_addr);
		check(what, connect(fd, (void *)&s6, sizeof(s6)), ENETUNREACH);
	}
	close(fd);
}

int
main(void)
{
	struct addrinfo	*ai = NULL;
	int		 fd, rc;

	tcp("tcp 1.1.1.1:53", AF_INET, "1.1.1.1", 53);
	tcp("tcp 8.8.8.8:443", AF_INET, "8.8.8.8", 443);
	tcp("tcp 169.254.169.254:80", AF_INET, "169.254.169.254", 80);
	tcp("tcp [2606:4700:4700::1111]:53", AF_INET6,
	    "2606:4700:4700::1111", 53);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	check("udp socket", fd, 0);
	if (fd != -1) {
		struct sockaddr_in	s4;

		if (has_route_out())
			escape("udp: a network interface is up");
		else {
			memset(&s4, 0, sizeof(s4));
			s4.sin_family = AF_INET;
			s4.sin_port = htons(53);
			inet_pton(AF_INET, "8.8.8.8", &s4.sin_addr);
			check("udp sendto 8.8.8.8:53", sendto(fd, "x", 1, 0,
			    (void *)&s4, sizeof(s4)), ENETUNREACH);
		}
		close(fd);
	}
	if (!has_route_out()) {
		rc = getaddrinfo("example.com", "80", NULL, &ai);
		fprintf(stderr, "getaddrinfo: %s\n", rc ? gai_strerror(rc) :
		    "resolved");
		if (rc == 0) {
			escape("getaddrinfo resolved example.com");
			freeaddrinfo(ai);
		}
	}
	finish();
}
