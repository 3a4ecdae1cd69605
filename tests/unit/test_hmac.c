/*
 * Unit tests of SHA-256 and HMAC-SHA256: the FIPS 180-4 examples, the
 * NIST long-message vector, every test case of RFC 4231, and input fed in
 * pieces of every size (the block-boundary paths of sha256_update).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/hmac.h"

/* Decodes hex (no spaces) into out; returns the byte count. */
static size_t
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t		n = 0;
	unsigned int	v;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		assert_true(n < max);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (unsigned char)v;
	}
	assert_true(*s == '\0');
	return n;
}

static void
check_digest(const unsigned char *d, const char *want)
{
	char	hex[2 * SHA256_DIGEST_BYTES + 1];

	hmac_hex(d, SHA256_DIGEST_BYTES, hex);
	assert_string_equal(hex, want);
}

static void
test_sha256_vectors(void **state)
{
	static const struct {
		const char	*msg;
		const char	*want;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		  "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b049237"
		  "0b249b11e8f07a51afac45037afee9d1" },
		/* 55, 56, 64 and 65 bytes: the padding spills at 56 */
		{ "0123456789012345678901234567890123456789012345678901234",
		  "f34d5a0f80c0cbf84c8c0b90218c2263"
		  "7abd199965249da736a20143c8c9c9d9" },
		{ "01234567890123456789012345678901234567890123456789012345",
		  "83aa034bda83e458a0dc9cbce0d4e354"
		  "716aa0ff770ed37ac0ed2b292052e4af" },
		{ "01234567890123456789012345678901"
		  "23456789012345678901234567890123",
		  "9674d9e078535b7cec43284387a6ee39"
		  "956188e735a85452b0050b55341cda56" },
		{ "01234567890123456789012345678901"
		  "234567890123456789012345678901234",
		  "52774b57c10e45040a61c14d35c1c8eb"
		  "efe880082313aa0a21ebb077734cd067" },
	};
	unsigned char	d[SHA256_DIGEST_BYTES];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sha256_digest(cases[i].msg, strlen(cases[i].msg), d);
		check_digest(d, cases[i].want);
	}
}

/* One million 'a' (FIPS 180-2 appendix B.3), fed in odd-sized pieces. */
static void
test_sha256_million(void **state)
{
	struct sha256_ctx	c;
	unsigned char		d[SHA256_DIGEST_BYTES];
	char			a[1000];
	size_t			left = 1000000, n, step = 1;

	(void)state;
	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	while (left > 0) {
		n = step < left ? step : left;
		sha256_update(&c, a, n);
		left -= n;
		step = step * 7 % 997 + 1;
	}
	sha256_final(&c, d);
	check_digest(d, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

/* Every split of one message into two updates gives the same digest. */
static void
test_sha256_pieces(void **state)
{
	struct sha256_ctx	c;
	unsigned char		msg[200], whole[SHA256_DIGEST_BYTES];
	unsigned char		d[SHA256_DIGEST_BYTES];
	size_t			len, cut;

	(void)state;
	for (len = 0; len < sizeof(msg); len++)
		msg[len] = (unsigned char)(len * 31 + 7);
	for (len = 0; len <= sizeof(msg); len += 13) {
		sha256_digest(msg, len, whole);
		for (cut = 0; cut <= len; cut++) {
			sha256_init(&c);
			sha256_update(&c, msg, cut);
			sha256_update(&c, msg + cut, len - cut);
			sha256_final(&c, d);
			assert_memory_equal(d, whole, sizeof(d));
		}
	}
}

/* RFC 4231 section 4, test cases 1 to 7 (5 is truncated to 128 bits). */
static void
test_hmac_rfc4231(void **state)
{
	static const struct {
		const char	*key;	/* hex; NULL: 131 bytes of 0xaa */
		const char	*data;	/* hex */
		const char	*mac;	/* hex, maybe truncated */
	} cases[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		  "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b"
		  "881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665",
		  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c7"
		  "5a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a7"
		  "2959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a"
		  "85f0faa3e578f8077a2e3ff46729665b" },
		{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		  "546573742057697468205472756e636174696f6e",
		  "a3b6167473100ee06e0c796c2955552b" },
		{ NULL,	/* 131 bytes of 0xaa */
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d"
		  "53697a65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f"
		  "8e0bc6213728c5140546040f0ee37f54" },
		{ NULL,	/* 131 bytes of 0xaa */
		  "5468697320697320612074657374207573696e672061206c6172676572"
		  "207468616e20626c6f636b2d73697a65206b657920616e642061206c61"
		  "72676572207468616e20626c6f636b2d73697a6520646174612e205468"
		  "65206b6579206e6565647320746f20626520686173686564206265666f"
		  "7265206265696e6720757365642062792074686520484d414320616c67"
		  "6f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944"
		  "bfdc63644f0713938a7f51535c3a35e2" },
	};
	unsigned char	key[200], data[200], want[SHA256_DIGEST_BYTES];
	unsigned char	mac[SHA256_DIGEST_BYTES];
	struct hmac_ctx	h;
	size_t		i, klen, dlen, wlen, cut;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].key == NULL) {
			klen = 131;
			memset(key, 0xaa, klen);
		} else
			klen = unhex(cases[i].key, key, sizeof(key));
		dlen = unhex(cases[i].data, data, sizeof(data));
		wlen = unhex(cases[i].mac, want, sizeof(want));
		hmac_sha256(key, klen, data, dlen, mac);
		if (memcmp(mac, want, wlen) != 0)
			fail_msg("RFC 4231 case %zu", i + 1);
		assert_true(hmac_equal(mac, want, wlen));
		/* the same in two pieces */
		cut = dlen / 3;
		hmac_init(&h, key, klen);
		hmac_update(&h, data, cut);
		hmac_update(&h, data + cut, dlen - cut);
		hmac_final(&h, mac);
		assert_memory_equal(mac, want, wlen);
	}
}

static void
test_hmac_equal_hex(void **state)
{
	unsigned char	a[4] = { 0, 1, 2, 0xff }, b[4] = { 0, 1, 2, 0xff };
	char		hex[9];

	(void)state;
	assert_true(hmac_equal(a, b, 4));
	assert_true(hmac_equal(a, b, 0));
	b[3] = 0xfe;
	assert_false(hmac_equal(a, b, 4));
	b[3] = 0xff;
	b[0] = 0x80;
	assert_false(hmac_equal(a, b, 4));
	hmac_hex(a, 4, hex);
	assert_string_equal(hex, "000102ff");
	hmac_hex(a, 0, hex);
	assert_string_equal(hex, "");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_million),
		cmocka_unit_test(test_sha256_pieces),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_equal_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
