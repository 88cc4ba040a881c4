/*
 * fuzz_utf8.c - the incremental UTF-8 validator (common/utf8.c) against
 * a plain reference decoder written from RFC 3629's table, fed whole and
 * in pieces: the verdicts must agree.
 */
#include <stdint.h>

#include "common/ws.h"
#include "fuzz/fuzz.h"

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629 4), 0 when not. */
static int reference(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t whole, st = UTF8_ACCEPT;
	size_t step = size ? 1 + data[0] % 5 : 1;
	int want = reference(data, size);

	whole = utf8_validate(UTF8_ACCEPT, data, size);
	for (size_t off = 0; off < size; off += step)
		st = utf8_validate(st, data + off,
				   size - off < step ? size - off : step);
	CONTRACT((whole == UTF8_ACCEPT) == want);
	CONTRACT((st == UTF8_ACCEPT) == want);
	/* a rejection is final */
	if (whole == UTF8_REJECT)
		CONTRACT(utf8_validate(whole, (const uint8_t *)"a", 1) ==
			 UTF8_REJECT);
	return 0;
}
