#ifndef BASE_BASE64_H
#define BASE_BASE64_H

#include <stddef.h>

/*
 * Base64 (RFC 4648 §4, with padding).  Decoding is strict: the standard
 * alphabet only, length a multiple of 4, padding only at the end, no
 * whitespace, and unused bits zero.
 */

/* Encodes n bytes; returns a NUL-terminated string (caller frees), NULL. */
char	*base64_encode(const void *p, size_t n, size_t *out_len);
/*
 * Decodes s (len bytes) into a new buffer (caller frees; NUL-terminated
 * for convenience, the NUL not counted in *out_len).  Returns NULL if s is
 * not strict base64 (errno EINVAL) or on ENOMEM.
 */
char	*base64_decode(const char *s, size_t len, size_t *out_len);

/*
 * MIME's form (RFC 2045 §6.8), as Judge0 writes it (Ruby's
 * Base64.encode64) and as Python's base64.encodebytes wraps:
 * base64_encode_lines writes lines of 60 characters, each one, the last
 * too, ended by "\n" ("" for no bytes); base64_decode_lines decodes as
 * base64_decode, line breaks (CR, LF) anywhere skipped.  Same returns.
 */
char	*base64_encode_lines(const void *p, size_t n, size_t *out_len);
char	*base64_decode_lines(const char *s, size_t len, size_t *out_len);

#endif
