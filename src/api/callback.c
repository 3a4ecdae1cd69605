/*
 * Which callback URLs are allowed, and to which addresses a callback may
 * connect.  The request is checked when it comes in (the host must be on
 * callback_allow_hosts); the sender (fcgi-app/callback.c) checks every
 * address it is about to connect to, after name resolution, so a name
 * that resolves to an internal address (DNS rebinding included) is
 * refused unless that address itself is allow-listed.
 *
 * callback_allow_hosts entries:
 *   "hooks.example.com"	that host name (any case)
 *   "*.example.com"		its subdomains (not example.com itself)
 *   "203.0.113.7", "::1"	that address, as a URL host and as the
 *				address connected to
 *   "10.1.0.0/16"		a network, likewise
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "api.h"

#define URL_MAX		2048
#define HOST_MAX	253

/* An address or network: family AF_INET or AF_INET6, prefix bits. */
struct net {
	int		family;
	unsigned char	addr[16];
	int		bits;
};

/* Parses "a.b.c.d", "x::y", optionally "/bits".  Returns 0, or -1. */
static int
parse_net(const char *s, struct net *n)
{
	char	buf[64], *slash, *end;
	long	bits;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
	} else
		return -1;
	if (slash != NULL) {
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 ||
		    bits > n->bits)
			return -1;
		n->bits = (int)bits;
	}
	return 0;
}

/* 1 if the first bits of a and b agree. */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int	full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

static int
in_net(const struct net *n, int family, const unsigned char *addr)
{
	return n->family == family && prefix_eq(n->addr, addr, n->bits);
}

/* 1 if the address is on the allow-list as an address or a network. */
static int
addr_listed(const struct config *cfg, int family, const unsigned char *addr)
{
	struct net	n;
	char	**e;

	if (cfg->callback_allow_hosts == NULL)
		return 0;
	for (e = cfg->callback_allow_hosts; *e != NULL; e++)
		if (parse_net(*e, &n) == 0 && in_net(&n, family, addr))
			return 1;
	return 0;
}

/* 1 if the name is on the allow-list (exactly, or under "*."). */
static int
name_listed(const struct config *cfg, const char *host)
{
	size_t	hl = strlen(host), sl;
	char	**e;

	if (cfg->callback_allow_hosts == NULL)
		return 0;
	for (e = cfg->callback_allow_hosts; *e != NULL; e++) {
		if (strcasecmp(*e, host) == 0)
			return 1;
		if (strncmp(*e, "*.", 2) == 0 && (sl = strlen(*e + 1)) < hl &&
		    strcasecmp(host + hl - sl, *e + 1) == 0)
			return 1;
	}
	return 0;
}

/*
 * The ranges a callback never reaches unless allow-listed: this host,
 * private and shared networks, link-local, multicast, reserved.
 */
static const char *const special[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
	"192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
	"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "100::/64",
	"2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
};

static int
is_special(int family, const unsigned char *addr)
{
	struct net	n;
	size_t		i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (parse_net(special[i], &n) == 0 &&
		    in_net(&n, family, addr))
			return 1;
	return 0;
}

int
api_callback_addr_ok(const struct config *cfg, const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	const unsigned char		*addr;
	int				 family;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		addr = (const unsigned char *)&s4->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		addr = (const unsigned char *)&s6->sin6_addr;
		family = AF_INET6;
		/* an IPv4-mapped address is judged as the IPv4 one */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			addr += 12;
			family = AF_INET;
		}
	} else
		return 0;
	if (addr_listed(cfg, family, addr))
		return 1;
	return !is_special(family, addr);
}

/* 1 if h is a plausible DNS name: labels of [A-Za-z0-9-], dots. */
static int
dns_name(const char *h)
{
	size_t	i, label = 0;

	if (*h == '\0' || strlen(h) > HOST_MAX)
		return 0;
	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '-') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return 1;
}

int
api_callback_url_check(const struct config *cfg, const char *url,
    char *why, size_t why_size)
{
	struct net	 n;
	const char	*p, *hs, *he;
	char		 host[HOST_MAX + 1];
	size_t		 len = strlen(url), i;
	long		 port;

	if (len > URL_MAX) {
		snprintf(why, why_size, "is longer than %d bytes", URL_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f) {
			snprintf(why, why_size, "must be a URL without blanks "
			    "or control characters");
			return -1;
		}
	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else {
		snprintf(why, why_size, "must be an http or https URL");
		return -1;
	}
	/* authority: host, optional port; no user info */
	he = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(he - p)) != NULL) {
		snprintf(why, why_size, "must not hold a user name or "
		    "password");
		return -1;
	}
	if (*p == '[') {
		hs = p + 1;
		if ((p = memchr(hs, ']', (size_t)(he - hs))) == NULL)
			goto bad;
		i = (size_t)(p - hs);
		p++;
	} else {
		hs = p;
		p = hs + strcspn(hs, ":/?#");
		i = (size_t)(p - hs);
	}
	if (i == 0 || i > HOST_MAX)
		goto bad;
	memcpy(host, hs, i);
	host[i] = '\0';
	if (*p == ':') {
		port = 0;
		for (p++; *p >= '0' && *p <= '9' && port <= 65535; p++)
			port = port * 10 + (*p - '0');
		if (port < 1 || port > 65535 || p != he)
			goto bad;
	} else if (p != he)
		goto bad;
	if (parse_net(host, &n) == 0) {
		/* an address literal (no "/bits"): listed as an address */
		if (strchr(host, '/') != NULL)
			goto bad;
		if (addr_listed(cfg, n.family, n.addr))
			return 0;
	} else if (!dns_name(host))
		goto bad;
	else if (name_listed(cfg, host))
		return 0;
	snprintf(why, why_size, "host %.100s is not on the callback "
	    "allow-list", host);
	return -1;
bad:
	snprintf(why, why_size, "is not a valid http(s) URL");
	return -1;
}
