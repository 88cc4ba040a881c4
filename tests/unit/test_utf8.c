/*
 * test_utf8.c - the incremental UTF-8 validator, against hand-picked
 * cases (many from Autobahn's section 6) and against a decoder written
 * the plain way, over every sequence of up to three bytes.
 */
#include <string.h>

#include "common/ws.h"
#include "tests/unit/unit.h"

#define S(s) s, sizeof(s) - 1

static uint32_t check(const void *s, size_t len)
{
	return utf8_validate(UTF8_ACCEPT, unit_fence(s, len), len);
}

static const struct {
	const char *s;
	size_t len;
} valid[] = {
	{ S("") },
	{ S("Hello, world") },
	{ S("\0") },
	{ S("\x7f") },
	{ S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") },	/* κόσμε */
	{ S("\xc2\x80") },			/* U+0080 */
	{ S("\xdf\xbf") },			/* U+07FF */
	{ S("\xe0\xa0\x80") },			/* U+0800 */
	{ S("\xed\x9f\xbf") },			/* U+D7FF */
	{ S("\xee\x80\x80") },			/* U+E000 */
	{ S("\xef\xbf\xbd") },			/* U+FFFD */
	{ S("\xef\xbf\xbe\xef\xbf\xbf") },	/* non-characters are fine */
	{ S("\xf0\x90\x80\x80") },		/* U+10000 */
	{ S("\xf1\x80\x80\x80") },		/* U+40000 */
	{ S("\xf3\xbf\xbf\xbf") },		/* U+FFFFF */
	{ S("\xf4\x8f\xbf\xbf") },		/* U+10FFFF */
	{ S("long enough for the ascii fast path: 0123456789abcdef"
	    "\xc3\xa9 and back 0123456789") },
	{ S("\xf0\x9f\x98\x80 emoji \xf0\x9f\x98\x80") },
};

/* bad: the offset of the byte that makes the input invalid, or len */
static const struct {
	const char *s;
	size_t len;
	size_t bad;
} invalid[] = {
	{ S("\x80"), 0 },
	{ S("\xbf"), 0 },
	{ S("a\x80\x80"), 1 },
	{ S("\xc0\x80"), 0 },			/* overlong NUL */
	{ S("\xc1\xbf"), 0 },			/* overlong U+007F */
	{ S("\xe0\x80\x80"), 1 },		/* overlong 3-byte */
	{ S("\xe0\x9f\xbf"), 1 },		/* overlong U+07FF */
	{ S("\xf0\x80\x80\x80"), 1 },		/* overlong 4-byte */
	{ S("\xf0\x8f\xbf\xbf"), 1 },		/* overlong U+FFFF */
	{ S("\xed\xa0\x80"), 1 },		/* U+D800 */
	{ S("\xed\xbf\xbf"), 1 },		/* U+DFFF */
	{ S("\xed\xa0\x80\xed\xb0\x80"), 1 },	/* a surrogate pair */
	{ S("\xf4\x90\x80\x80"), 1 },		/* U+110000 */
	{ S("\xf4\xbf\xbf\xbf"), 1 },
	{ S("\xf5\x80\x80\x80"), 0 },
	{ S("\xf7\xbf\xbf\xbf"), 0 },
	{ S("\xf8\x88\x80\x80\x80"), 0 },	/* 5 bytes */
	{ S("\xfc\x84\x80\x80\x80\x80"), 0 },	/* 6 bytes */
	{ S("\xfe"), 0 },
	{ S("\xff"), 0 },
	{ S("\xc2\x41"), 1 },			/* cut short by ASCII */
	{ S("\xe1\x80\x41"), 2 },
	{ S("\xf1\x80\x80\x41"), 3 },
	{ S("\xc2\xc2\x80"), 1 },
	{ S("\xc2"), 1 },			/* truncated at the end */
	{ S("\xe1\x80"), 2 },
	{ S("\xf0\x90\x80"), 3 },
	{ S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xed\xa0\x80" "edited"), 12 },
	{ S("0123456789abcdef0123456789abcdef\xff"), 32 },
};

static void valid_set(void)
{
	for (size_t i = 0; i < NELEM(valid); i++)
		EXPECTF(check(valid[i].s, valid[i].len) == UTF8_ACCEPT,
			"'%s' refused", unit_show(valid[i].s, valid[i].len));
}

/*
 * Each is refused by the end; a byte that can never be completed is
 * refused right there (Autobahn 6.4: fail fast), and the refusal sticks.
 */
static void invalid_set(void)
{
	for (size_t i = 0; i < NELEM(invalid); i++) {
		const char *s = invalid[i].s;
		size_t len = invalid[i].len, bad = invalid[i].bad;
		uint32_t st;

		EXPECTF(check(s, len) != UTF8_ACCEPT, "'%s' accepted",
			unit_show(s, len));
		if (bad < len) {
			EXPECTF(check(s, bad) != UTF8_REJECT &&
				check(s, bad + 1) == UTF8_REJECT,
				"'%s' not refused at byte %zu",
				unit_show(s, len), bad);
		} else {
			/* truncated: not wrong yet, just not finished */
			EXPECTF(check(s, len) != UTF8_REJECT,
				"'%s' refused before its end", unit_show(s, len));
		}
		st = utf8_validate(UTF8_REJECT, (const uint8_t *)"ok", 2);
		EXPECT(st == UTF8_REJECT);
	}
}

/* Any split, and byte by byte, ends in the state the whole gives. */
static void splits(void)
{
	const char *all[NELEM(valid) + NELEM(invalid)];
	size_t lens[NELEM(all)], n = 0;

	for (size_t i = 0; i < NELEM(valid); i++, n++) {
		all[n] = valid[i].s;
		lens[n] = valid[i].len;
	}
	for (size_t i = 0; i < NELEM(invalid); i++, n++) {
		all[n] = invalid[i].s;
		lens[n] = invalid[i].len;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = (const uint8_t *)all[i];
		size_t len = lens[i];
		uint32_t whole = check(s, len), st = UTF8_ACCEPT;

		for (size_t a = 0; a <= len; a++) {
			for (size_t b = a; b <= len; b++) {
				st = utf8_validate(UTF8_ACCEPT,
						   unit_fence(s, a), a);
				st = utf8_validate(st, s + a, b - a);
				st = utf8_validate(st, s + b, len - b);
				EXPECTF(st == whole, "'%s' split at %zu and %zu",
					unit_show(s, len), a, b);
			}
		}
		st = UTF8_ACCEPT;
		for (size_t k = 0; k < len; k++)
			st = utf8_validate(st, s + k, 1);
		EXPECTF(st == whole, "'%s' byte by byte", unit_show(s, len));
	}
}

/* The plain way: decode each sequence, then judge the code point. */
static int ref_valid(const uint8_t *s, size_t n)
{
	static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0;

	while (i < n) {
		uint32_t c = s[i];
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			c &= 0x07;
		} else {
			return 0;
		}
		if (n - i - 1 < k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if (c < min[k] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

static void against_reference(void)
{
	static const uint8_t tails[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
					 0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff };
	uint8_t b[4];
	size_t bad = 0;

	for (uint32_t v = 0; v < 1u << 24 && bad < 5; v++) {
		b[0] = v >> 16;
		b[1] = v >> 8;
		b[2] = v;
		for (size_t n = 1; n <= 3; n++) {
			/* shorter lengths once each, not 65536 times */
			if (n < 3 && (v & ((1u << (8 * (3 - n))) - 1)))
				continue;
			if ((utf8_validate(UTF8_ACCEPT, b, n) == UTF8_ACCEPT) !=
			    ref_valid(b, n)) {
				unit_fail(__FILE__, __LINE__, "'%s' disagrees",
					  unit_show(b, n));
				bad++;
			}
		}
	}
	for (uint32_t lead = 0xf0; lead <= 0xf8; lead++)
	for (uint32_t c1 = 0; c1 < 256; c1++)
	for (size_t c2 = 0; c2 < NELEM(tails); c2++)
	for (size_t c3 = 0; c3 < NELEM(tails); c3++) {
		b[0] = lead;
		b[1] = c1;
		b[2] = tails[c2];
		b[3] = tails[c3];
		if ((utf8_validate(UTF8_ACCEPT, b, 4) == UTF8_ACCEPT) !=
		    ref_valid(b, 4) && bad++ < 5)
			unit_fail(__FILE__, __LINE__, "'%s' disagrees",
				  unit_show(b, 4));
	}
}

/* Every code point, encoded: all but the surrogates pass. */
static void every_code_point(void)
{
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		uint8_t b[4];
		size_t n;
		int want = c < 0xd800 || c > 0xdfff;

		if (c < 0x80) {
			b[0] = c;
			n = 1;
		} else if (c < 0x800) {
			b[0] = 0xc0 | c >> 6;
			b[1] = 0x80 | (c & 0x3f);
			n = 2;
		} else if (c < 0x10000) {
			b[0] = 0xe0 | c >> 12;
			b[1] = 0x80 | (c >> 6 & 0x3f);
			b[2] = 0x80 | (c & 0x3f);
			n = 3;
		} else {
			b[0] = 0xf0 | c >> 18;
			b[1] = 0x80 | (c >> 12 & 0x3f);
			b[2] = 0x80 | (c >> 6 & 0x3f);
			b[3] = 0x80 | (c & 0x3f);
			n = 4;
		}
		if ((utf8_validate(UTF8_ACCEPT, b, n) == UTF8_ACCEPT) != want) {
			unit_fail(__FILE__, __LINE__, "U+%04X judged wrong", c);
			return;
		}
	}
}

const struct unit_case utf8_cases[] = {
	{ "utf8.valid", valid_set },
	{ "utf8.invalid", invalid_set },
	{ "utf8.split-anywhere", splits },
	{ "utf8.against-reference", against_reference },
	{ "utf8.every-code-point", every_code_point },
	{ NULL, NULL },
};
