#ifndef BASE_HMAC_H
#define BASE_HMAC_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), in plain C, for
 * signing: the CSRF tokens of the HTML forms and callback signatures.
 * Nothing here allocates or fails.  The contexts are the caller's storage;
 * a finished context must be initialised again before reuse.
 */
#define SHA256_BLOCK_BYTES	64
#define SHA256_DIGEST_BYTES	32

struct sha256_ctx {
	uint32_t	h[8];
	uint64_t	nbytes;			/* message bytes so far */
	unsigned char	block[SHA256_BLOCK_BYTES];
	size_t		fill;			/* bytes in block */
};

struct hmac_ctx {
	struct sha256_ctx	inner;
	struct sha256_ctx	outer;
};

void	sha256_init(struct sha256_ctx *);
void	sha256_update(struct sha256_ctx *, const void *p, size_t len);
/* Writes the digest and wipes the context. */
void	sha256_final(struct sha256_ctx *,
	    unsigned char out[SHA256_DIGEST_BYTES]);
/* The digest of len bytes at p, in one call. */
void	sha256_digest(const void *p, size_t len,
	    unsigned char out[SHA256_DIGEST_BYTES]);

/* Keys of any length (longer than a block are hashed first, per RFC 2104). */
void	hmac_init(struct hmac_ctx *, const void *key, size_t key_len);
void	hmac_update(struct hmac_ctx *, const void *p, size_t len);
/* Writes the MAC and wipes the context. */
void	hmac_final(struct hmac_ctx *, unsigned char out[SHA256_DIGEST_BYTES]);
/* HMAC-SHA256 of len bytes at p under key, in one call. */
void	hmac_sha256(const void *key, size_t key_len, const void *p,
	    size_t len, unsigned char out[SHA256_DIGEST_BYTES]);

/*
 * 1 if the n bytes at a and b are equal, else 0, in a time that depends
 * on n only (for comparing MACs).
 */
int	hmac_equal(const void *a, const void *b, size_t n);
/* Writes n bytes at p as 2n lower-case hex digits and a NUL into out. */
void	hmac_hex(const unsigned char *p, size_t n, char *out);

#endif
