/*
 * SHA-256 after FIPS 180-4 section 6.2, HMAC after RFC 2104.  Written for
 * clarity, not speed: tokens and signatures hash a few hundred bytes.
 * Big-endian loads and stores are done byte by byte, so the code does not
 * depend on the host's byte order or alignment.
 */
#include <string.h>

#include "hmac.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

/* Wipes n bytes at p in a way the compiler may not drop. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char	*v = p;

	while (n-- > 0)
		*v++ = 0;
}

static uint32_t
load32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One 64-byte block into the state (FIPS 180-4, 6.2.2). */
static void
compress(uint32_t h[8], const unsigned char *blk)
{
	uint32_t	w[64], a, b, c, d, e, f, g, k, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = load32(blk + 4 * i);
	for (; i < 64; i++)
		w[i] = (ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^
		    (w[i - 2] >> 10)) + w[i - 7] +
		    (ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 16];
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
		    ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
	wipe(w, sizeof(w));
}

void
sha256_init(struct sha256_ctx *c)
{
	static const uint32_t	iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->nbytes = 0;
	c->fill = 0;
}

void
sha256_update(struct sha256_ctx *c, const void *p, size_t len)
{
	const unsigned char	*in = p;
	size_t			 n;

	c->nbytes += len;
	while (len > 0) {
		if (c->fill == 0 && len >= SHA256_BLOCK_BYTES) {
			compress(c->h, in);
			in += SHA256_BLOCK_BYTES;
			len -= SHA256_BLOCK_BYTES;
			continue;
		}
		n = SHA256_BLOCK_BYTES - c->fill;
		if (n > len)
			n = len;
		memcpy(c->block + c->fill, in, n);
		c->fill += n;
		in += n;
		len -= n;
		if (c->fill == SHA256_BLOCK_BYTES) {
			compress(c->h, c->block);
			c->fill = 0;
		}
	}
}

void
sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_BYTES])
{
	uint64_t	bits = c->nbytes * 8;
	int		i;

	/* 0x80, zeros up to 56 mod 64, the bit length big-endian */
	c->block[c->fill++] = 0x80;
	if (c->fill > SHA256_BLOCK_BYTES - 8) {
		memset(c->block + c->fill, 0, SHA256_BLOCK_BYTES - c->fill);
		compress(c->h, c->block);
		c->fill = 0;
	}
	memset(c->block + c->fill, 0, SHA256_BLOCK_BYTES - 8 - c->fill);
	for (i = 0; i < 8; i++)
		c->block[SHA256_BLOCK_BYTES - 1 - i] =
		    (unsigned char)(bits >> (8 * i));
	compress(c->h, c->block);
	for (i = 0; i < 8; i++)
		store32(out + 4 * i, c->h[i]);
	wipe(c, sizeof(*c));
}

void
sha256_digest(const void *p, size_t len,
    unsigned char out[SHA256_DIGEST_BYTES])
{
	struct sha256_ctx	c;

	sha256_init(&c);
	sha256_update(&c, p, len);
	sha256_final(&c, out);
}

void
hmac_init(struct hmac_ctx *h, const void *key, size_t key_len)
{
	unsigned char	k[SHA256_BLOCK_BYTES], pad[SHA256_BLOCK_BYTES];
	size_t		i;

	memset(k, 0, sizeof(k));
	if (key_len > SHA256_BLOCK_BYTES)
		sha256_digest(key, key_len, k);
	else if (key_len > 0)
		memcpy(k, key, key_len);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&h->inner);
	sha256_update(&h->inner, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&h->outer);
	sha256_update(&h->outer, pad, sizeof(pad));
	wipe(k, sizeof(k));
	wipe(pad, sizeof(pad));
}

void
hmac_update(struct hmac_ctx *h, const void *p, size_t len)
{
	sha256_update(&h->inner, p, len);
}

void
hmac_final(struct hmac_ctx *h, unsigned char out[SHA256_DIGEST_BYTES])
{
	unsigned char	ih[SHA256_DIGEST_BYTES];

	sha256_final(&h->inner, ih);
	sha256_update(&h->outer, ih, sizeof(ih));
	sha256_final(&h->outer, out);
	wipe(ih, sizeof(ih));
}

void
hmac_sha256(const void *key, size_t key_len, const void *p, size_t len,
    unsigned char out[SHA256_DIGEST_BYTES])
{
	struct hmac_ctx	h;

	hmac_init(&h, key, key_len);
	hmac_update(&h, p, len);
	hmac_final(&h, out);
}

int
hmac_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
hmac_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}
