#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(const void *p, size_t n, size_t *out_len)
{
	const unsigned char	*in = p;
	char			*out, *o;
	size_t			 i, len;
	uint32_t		 v;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	len = (n + 2) / 3 * 4;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	if (out_len != NULL)
		*out_len = len;
	return out;
}

static int
value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *
base64_decode(const char *s, size_t len, size_t *out_len)
{
	unsigned char	*out, *o;
	size_t		 i, pad = 0;
	int		 a, b, c, d;

	if (len % 4 != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (len > 0 && s[len - 1] == '=')
		pad = len > 1 && s[len - 2] == '=' ? 2 : 1;
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i += 4) {
		int last = i + 4 == len;

		a = value(s[i]);
		b = value(s[i + 1]);
		c = last && pad == 2 ? 0 : value(s[i + 2]);
		d = last && pad >= 1 ? 0 : value(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			goto bad;
		*o++ = (unsigned char)(a << 2 | b >> 4);
		if (last && pad == 2) {
			if (b & 15)	/* unused bits must be zero */
				goto bad;
			break;
		}
		*o++ = (unsigned char)((b & 15) << 4 | c >> 2);
		if (last && pad == 1) {
			if (c & 3)
				goto bad;
			break;
		}
		*o++ = (unsigned char)((c & 3) << 6 | d);
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return (char *)out;
bad:
	free(out);
	errno = EINVAL;
	return NULL;
}

/* Ruby's Base64.encode64: 45 bytes, 60 characters, a line. */
#define LINE_CHARS	60

char *
base64_encode_lines(const void *p, size_t n, size_t *out_len)
{
	char	*flat, *out, *o;
	size_t	 len, i, k;

	if ((flat = base64_encode(p, n, &len)) == NULL)
		return NULL;
	if ((out = malloc(len + (len + LINE_CHARS - 1) / LINE_CHARS +
	    1)) == NULL) {
		free(flat);
		return NULL;
	}
	for (i = 0, o = out; i < len; i += k) {
		k = len - i < LINE_CHARS ? len - i : LINE_CHARS;
		memcpy(o, flat + i, k);
		o += k;
		*o++ = '\n';
	}
	*o = '\0';
	free(flat);
	if (out_len != NULL)
		*out_len = (size_t)(o - out);
	return out;
}

char *
base64_decode_lines(const char *s, size_t len, size_t *out_len)
{
	char	*flat, *out;
	size_t	 i, n = 0;
	int	 saved;

	if ((flat = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			flat[n++] = s[i];
	out = base64_decode(flat, n, out_len);
	saved = errno;		/* EINVAL or ENOMEM, past free() */
	free(flat);
	errno = saved;
	return out;
}
