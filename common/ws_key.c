/*
 * ws_key.c - the opening handshake's keys (RFC 6455 4.1, 4.2.2) and the
 * client's masking keys: SHA-1 and base64 from OpenSSL, randomness from
 * the kernel.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/ws.h"

void ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
	unsigned char buf[WS_KEY_MAX + sizeof(WS_GUID)];
	unsigned char md[SHA_DIGEST_LENGTH];

	/* a real key is 24 bytes; no client can expect an answer for this */
	if (key_len > WS_KEY_MAX) {
		memset(out, '*', WS_ACCEPT_LEN);
		out[WS_ACCEPT_LEN] = '\0';
		return;
	}
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, WS_GUID, sizeof(WS_GUID) - 1);
	SHA1(buf, key_len + sizeof(WS_GUID) - 1, md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}

/*
 * Random bytes from getrandom(2), or from OpenSSL's generator when the
 * kernel is too old to have it.
 */
static int random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return RAND_bytes(p, (int)len) == 1 ? 0 : -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int ws_make_key(char out[WS_KEY_LEN + 1])
{
	unsigned char nonce[16];

	if (random_bytes(nonce, sizeof(nonce)) < 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, nonce, sizeof(nonce));
	return 0;
}

int ws_make_mask(uint8_t mask[4])
{
	return random_bytes(mask, 4);
}
