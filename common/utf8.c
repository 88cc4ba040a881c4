/*
 * utf8.c - incremental UTF-8 validation (RFC 3629 section 4).
 *
 * The state says what the next byte must be.  Most multi-byte sequences
 * only need "a continuation byte, n more to go"; the lead bytes E0, ED,
 * F0 and F4 narrow the range of their first continuation byte, which is
 * how overlong forms, surrogates and code points above U+10FFFF are
 * refused without decoding anything.
 */
#include <string.h>

#include "common/ws.h"

enum {
	ACCEPT = UTF8_ACCEPT,
	REJECT = UTF8_REJECT,
	CONT1,			/* 80..BF, then done */
	CONT2,			/* 80..BF, then CONT1 */
	CONT3,			/* 80..BF, then CONT2 */
	AFTER_E0,		/* A0..BF: no overlong 3-byte form */
	AFTER_ED,		/* 80..9F: no surrogates D800..DFFF */
	AFTER_F0,		/* 90..BF: no overlong 4-byte form */
	AFTER_F4,		/* 80..8F: nothing above U+10FFFF */
};

static int in(uint8_t b, uint8_t lo, uint8_t hi)
{
	return b >= lo && b <= hi;
}

static uint32_t step(uint32_t state, uint8_t b)
{
	switch (state) {
	case ACCEPT:
		if (b < 0x80)
			return ACCEPT;
		if (in(b, 0xc2, 0xdf))
			return CONT1;
		if (b == 0xe0)
			return AFTER_E0;
		if (b == 0xed)
			return AFTER_ED;
		if (in(b, 0xe1, 0xef))
			return CONT2;
		if (b == 0xf0)
			return AFTER_F0;
		if (in(b, 0xf1, 0xf3))
			return CONT3;
		if (b == 0xf4)
			return AFTER_F4;
		return REJECT;	/* 80..C1 and F5..FF never start a sequence */
	case CONT1:
		return in(b, 0x80, 0xbf) ? ACCEPT : REJECT;
	case CONT2:
		return in(b, 0x80, 0xbf) ? CONT1 : REJECT;
	case CONT3:
		return in(b, 0x80, 0xbf) ? CONT2 : REJECT;
	case AFTER_E0:
		return in(b, 0xa0, 0xbf) ? CONT1 : REJECT;
	case AFTER_ED:
		return in(b, 0x80, 0x9f) ? CONT1 : REJECT;
	case AFTER_F0:
		return in(b, 0x90, 0xbf) ? CONT2 : REJECT;
	case AFTER_F4:
		return in(b, 0x80, 0x8f) ? CONT2 : REJECT;
	}
	return REJECT;
}

uint32_t utf8_validate(uint32_t state, const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len && state != REJECT) {
		/* text is mostly ASCII: skip it eight bytes at a time */
		if (state == ACCEPT) {
			uint64_t w;

			while (i + 8 <= len) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			if (i == len)
				break;
		}
		state = step(state, s[i++]);
	}
	return state;
}
