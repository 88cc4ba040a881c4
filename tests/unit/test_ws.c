/*
 * test_ws.c - frame headers, masking, the handshake keys and close codes.
 * Frame headers are decoded fenced by an unreadable page, whole and at
 * every shorter length.
 */
#include <string.h>

#include <openssl/evp.h>

#include "common/ws.h"
#include "tests/unit/unit.h"

static void accept_key(void)
{
	/* RFC 6455 section 1.3 */
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	char out[WS_ACCEPT_LEN + 1];
	char big[WS_KEY_MAX + 1];

	ws_accept_key(unit_fence(key, 24), 24, out);
	EXPECTF(!strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "got '%s'", out);

	/* the key is hashed as sent, white space and all */
	ws_accept_key(" dGhlIHNhbXBsZSBub25jZQ==", 25, out);
	EXPECT(strlen(out) == WS_ACCEPT_LEN);
	EXPECT(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

	memset(big, 'A', sizeof(big));
	ws_accept_key(big, WS_KEY_MAX, out);
	EXPECT(strlen(out) == WS_ACCEPT_LEN && out[0] != '*');
	ws_accept_key(big, WS_KEY_MAX + 1, out);
	EXPECTF(!strcmp(out, "****************************"), "got '%s'", out);
}

static void make_key(void)
{
	char a[WS_KEY_LEN + 1], b[WS_KEY_LEN + 1];
	unsigned char raw[20];

	EXPECT(ws_make_key(a) == 0 && ws_make_key(b) == 0);
	EXPECTF(strlen(a) == WS_KEY_LEN, "'%s'", a);
	EXPECT(strcmp(a, b) != 0);
	/* 16 bytes: 22 characters of base64 and "==" */
	EXPECTF(EVP_DecodeBlock(raw, (unsigned char *)a, WS_KEY_LEN) == 18 &&
		a[22] == '=' && a[23] == '=', "'%s' is not 16 bytes", a);
}

static void make_mask(void)
{
	uint8_t m[8][4];
	int same = 1;

	for (int i = 0; i < 8; i++) {
		EXPECT(ws_make_mask(m[i]) == 0);
		if (i && memcmp(m[i], m[0], 4))
			same = 0;
	}
	EXPECT(!same);
}

/* Parse buf[0..len) fenced; every shorter length must need more. */
static int parse_all(const uint8_t *buf, size_t len, struct ws_frame *f)
{
	for (size_t k = 0; k < len; k++) {
		struct ws_frame g;
		int r = ws_frame_parse(unit_fence(buf, k), k, &g);

		if (r != -2) {
			unit_fail(__FILE__, __LINE__, "prefix %zu of '%s' gave %d",
				  k, unit_show(buf, len), r);
			return -3;
		}
	}
	return ws_frame_parse(unit_fence(buf, len), len, f);
}

static void frame_round_trip(void)
{
	static const uint64_t lens[] = {
		0, 1, 125, 126, 127, 65535, 65536, 1ULL << 32,
		(1ULL << 63) - 1,
	};
	static const unsigned ops[] = { WS_CONT, WS_TEXT, WS_BINARY };
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };

	for (size_t i = 0; i < NELEM(lens); i++)
	for (int masked = 0; masked < 2; masked++)
	for (size_t o = 0; o < NELEM(ops); o++)
	for (int fin = 0; fin < 2; fin++) {
		uint8_t hdr[WS_MAX_HDR];
		size_t want = lens[i] < 126 ? 2 : lens[i] < 65536 ? 4 : 10;
		size_t n = ws_frame_header(hdr, fin, ops[o], lens[i],
					   masked ? key : NULL);
		struct ws_frame f;
		int r;

		want += masked ? 4 : 0;
		EXPECTF(n == want, "length %llu masked %d: header of %zu",
			(unsigned long long)lens[i], masked, n);
		r = parse_all(hdr, n, &f);
		EXPECTF(r == (int)n && f.len == lens[i] && f.fin == (unsigned)fin &&
			f.opcode == ops[o] && f.masked == (unsigned)masked &&
			f.rsv == 0 &&
			!memcmp(f.mask, masked ? key : (const uint8_t[4]){ 0 }, 4),
			"length %llu masked %d op %u fin %d: parse gave %d",
			(unsigned long long)lens[i], masked, ops[o], fin, r);
	}
	/* control frames up to 125 bytes */
	for (unsigned op = WS_CLOSE; op <= WS_PONG; op++) {
		uint8_t hdr[WS_MAX_HDR];
		struct ws_frame f;
		size_t n = ws_frame_header(hdr, 1, op, 125, key);

		EXPECT(n == 6 && parse_all(hdr, n, &f) == 6 && f.len == 125 &&
		       f.opcode == op);
	}
}

/* The examples of RFC 6455 section 5.7, byte for byte. */
static void frame_rfc_examples(void)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	static const struct {
		int fin;
		unsigned op;
		uint64_t len;
		int masked;
		size_t n;
		uint8_t bytes[14];
	} t[] = {
		{ 1, WS_TEXT, 5, 0, 2, { 0x81, 0x05 } },
		{ 1, WS_TEXT, 5, 1, 6, { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d } },
		{ 0, WS_TEXT, 3, 0, 2, { 0x01, 0x03 } },
		{ 1, WS_CONT, 2, 0, 2, { 0x80, 0x02 } },
		{ 1, WS_PING, 5, 0, 2, { 0x89, 0x05 } },
		{ 1, WS_PONG, 5, 1, 6, { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d } },
		{ 1, WS_BINARY, 256, 0, 4, { 0x82, 0x7e, 0x01, 0x00 } },
		{ 1, WS_BINARY, 65536, 0, 10,
		  { 0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00 } },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		uint8_t hdr[WS_MAX_HDR];
		size_t n = ws_frame_header(hdr, t[i].fin, t[i].op, t[i].len,
					   t[i].masked ? key : NULL);

		EXPECTF(n == t[i].n && !memcmp(hdr, t[i].bytes, n),
			"example %zu encoded as '%s'", i, unit_show(hdr, n));
	}

	uint8_t hello[] = "Hello";
	ws_mask(hello, 5, key, 0);
	EXPECTF(!memcmp(hello, "\x7f\x9f\x4d\x51\x58", 5), "masked '%s'",
		unit_show(hello, 5));
}

static void mask_in_pieces(void)
{
	static const uint8_t key[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t orig[1031], whole[1031], piece[1040];

	for (size_t i = 0; i < sizeof(orig); i++)
		orig[i] = (uint8_t)(i * 131 + 7);
	memcpy(whole, orig, sizeof(orig));
	ws_mask(whole, sizeof(whole), key, 0);
	for (size_t i = 0; i < sizeof(orig); i++)
		EXPECTF(whole[i] == (orig[i] ^ key[i & 3]), "byte %zu", i);

	/* every piece size, at every alignment of the buffer */
	for (size_t step = 1; step <= 19; step++) {
		for (size_t align = 0; align < 8; align++) {
			uint8_t *p = piece + align;

			memcpy(p, orig, sizeof(orig));
			for (size_t off = 0; off < sizeof(orig); off += step) {
				size_t n = sizeof(orig) - off < step ?
					   sizeof(orig) - off : step;

				ws_mask(p + off, n, key, off);
			}
			EXPECTF(!memcmp(p, whole, sizeof(whole)),
				"pieces of %zu at alignment %zu differ", step,
				align);
		}
	}
	/* uneven pieces: 1, 2, 3, ... bytes */
	memcpy(piece, orig, sizeof(orig));
	for (size_t off = 0, n = 1; off < sizeof(orig); off += n, n++) {
		if (n > sizeof(orig) - off)
			n = sizeof(orig) - off;
		ws_mask(piece + off, n, key, off);
	}
	EXPECT(!memcmp(piece, whole, sizeof(whole)));
	/* masking twice gives the data back; a 64-bit offset wraps right */
	ws_mask(piece, sizeof(orig), key, 0);
	EXPECT(!memcmp(piece, orig, sizeof(orig)));
	ws_mask(piece, 5, key, (1ULL << 40) + 1);
	for (size_t i = 0; i < 5; i++)
		EXPECT(piece[i] == (orig[i] ^ key[(i + 1) & 3]));
	ws_mask(piece, 0, key, 0);
}

/*
 * A message in three frames with a ping between them, as a client sends
 * it, decoded frame by frame from one stream and put together again.
 */
static void fragmentation(void)
{
	static const struct {
		int fin;
		unsigned op;
		const char *payload;
	} t[] = {
		{ 0, WS_TEXT, "Hel" },
		{ 1, WS_PING, "are you there" },
		{ 0, WS_CONT, "" },
		{ 0, WS_CONT, "l" },
		{ 1, WS_CONT, "o, world" },
		{ 1, WS_BINARY, "\x01\x02" },
	};
	uint8_t stream[512], msg[64];
	size_t len = 0, off = 0, mlen = 0, i;

	for (i = 0; i < NELEM(t); i++) {
		uint8_t key[4] = { (uint8_t)i, 0x5a, 0xa5, 0xff };
		size_t pl = strlen(t[i].payload);

		len += ws_frame_header(stream + len, t[i].fin, t[i].op, pl, key);
		memcpy(stream + len, t[i].payload, pl);
		ws_mask(stream + len, pl, key, 0);
		len += pl;
	}
	for (i = 0; off < len && i < NELEM(t); i++) {
		struct ws_frame f;
		int r = ws_frame_parse(unit_fence(stream + off, len - off),
				       len - off, &f);

		if (r < 0) {
			unit_fail(__FILE__, __LINE__, "frame %zu gave %d", i, r);
			return;
		}
		off += r;
		EXPECTF(f.fin == (unsigned)t[i].fin && f.opcode == t[i].op &&
			f.masked && f.len == strlen(t[i].payload),
			"frame %zu: fin %u op %u len %llu", i, f.fin, f.opcode,
			(unsigned long long)f.len);
		/* unmask in two pieces, as a reader with a short buffer would */
		ws_mask(stream + off, f.len / 2, f.mask, 0);
		ws_mask(stream + off + f.len / 2, f.len - f.len / 2, f.mask,
			f.len / 2);
		EXPECTF(!memcmp(stream + off, t[i].payload, f.len),
			"frame %zu payload '%s'", i,
			unit_show(stream + off, f.len));
		if (f.opcode == WS_TEXT || f.opcode == WS_CONT) {
			memcpy(msg + mlen, stream + off, f.len);
			mlen += f.len;
		}
		off += f.len;
	}
	EXPECT(i == NELEM(t) && off == len);
	EXPECTF(mlen == 12 && !memcmp(msg, "Hello, world", 12), "message '%s'",
		unit_show(msg, mlen));
}

/* A byte string and its length, for expect_invalid(BYTES(0x88, 126)). */
#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, \
		   sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Each is refused whole, and no prefix is ever accepted. */
static void expect_invalid(const uint8_t *buf, size_t len)
{
	struct ws_frame f;

	for (size_t k = 0; k <= len; k++) {
		int r = ws_frame_parse(unit_fence(buf, k), k, &f);

		EXPECTF(k < len ? (r == -2 || r == -1) : r == -1,
			"'%s' at %zu bytes gave %d", unit_show(buf, len), k, r);
	}
}

static void control_frames(void)
{
	for (unsigned op = WS_CLOSE; op <= WS_PONG; op++) {
		/* longer than 125 */
		expect_invalid(BYTES(0x80 | op, 126, 0, 126));
		expect_invalid(BYTES(0x80 | op, 0xfe, 0, 126, 1, 2, 3, 4));
		expect_invalid(BYTES(0x80 | op, 127, 0, 0, 0, 0, 0, 1, 0, 0));
		/* fragmented: refused from the first byte */
		expect_invalid(BYTES(op, 0));
		expect_invalid(BYTES(op, 5, 'H', 'e', 'l', 'l', 'o'));
		EXPECT(ws_frame_parse(BYTES(op), &(struct ws_frame){ 0 }) == -1);
	}
}

static void reserved_opcodes(void)
{
	static const unsigned ops[] = { 3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf };

	for (size_t i = 0; i < NELEM(ops); i++) {
		expect_invalid(BYTES(0x80 | ops[i], 0));
		expect_invalid(BYTES(ops[i], 0x81, 1, 2, 3, 4, 'x'));
		EXPECT(ws_frame_parse(BYTES(0x80 | ops[i]),
				      &(struct ws_frame){ 0 }) == -1);
		EXPECT(!strcmp(ws_opcode_name(ops[i]), "reserved"));
	}
}

static void lengths(void)
{
	struct ws_frame f;

	/* not in the shortest form */
	expect_invalid(BYTES(0x82, 126, 0, 0));
	expect_invalid(BYTES(0x82, 126, 0, 125));
	expect_invalid(BYTES(0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0));
	expect_invalid(BYTES(0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff));
	expect_invalid(BYTES(0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 125,
			     1, 2, 3, 4));
	/* a 64-bit length with the top bit set */
	expect_invalid(BYTES(0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0));
	expect_invalid(BYTES(0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			     0xff, 0xff));
	/* just in range */
	EXPECT(ws_frame_parse(BYTES(0x82, 126, 0, 126), &f) == 4 &&
	       f.len == 126);
	EXPECT(ws_frame_parse(BYTES(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0),
			      &f) == 10 && f.len == 65536);
	EXPECT(ws_frame_parse(BYTES(0x82, 127, 0x7f, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff), &f) == 10 &&
	       f.len == INT64_MAX);
}

/* RSV bits and the mask bit are reported, not judged. */
static void rsv_reported(void)
{
	struct ws_frame f;

	for (unsigned rsv = 0; rsv < 8; rsv++) {
		uint8_t b[2] = { 0x80 | rsv << 4 | WS_TEXT, 3 };

		EXPECT(ws_frame_parse(b, 2, &f) == 2 && f.rsv == rsv &&
		       f.fin && f.opcode == WS_TEXT && !f.masked && f.len == 3);
	}
	EXPECT(ws_frame_parse(BYTES(0xc8, 0), &f) == 2 &&
	       f.rsv == 4 && f.opcode == WS_CLOSE);
}

static void close_codes(void)
{
	static const struct {
		unsigned code;
		int valid;
	} t[] = {
		{ 0, 0 }, { 1, 0 }, { 999, 0 },
		{ 1000, 1 }, { 1001, 1 }, { 1002, 1 }, { 1003, 1 },
		{ 1004, 0 }, { 1005, 0 }, { 1006, 0 },
		{ 1007, 1 }, { 1008, 1 }, { 1009, 1 }, { 1010, 1 }, { 1011, 1 },
		{ 1012, 1 }, { 1013, 1 }, { 1014, 1 },
		{ 1015, 0 }, { 1016, 0 }, { 1100, 0 }, { 2000, 0 }, { 2999, 0 },
		{ 3000, 1 }, { 3999, 1 }, { 4000, 1 }, { 4999, 1 },
		{ 5000, 0 }, { 65535, 0 }, { 65536 + 1000, 0 },
	};

	for (size_t i = 0; i < NELEM(t); i++)
		EXPECTF(ws_close_code_valid(t[i].code) == t[i].valid,
			"code %u should be %s", t[i].code,
			t[i].valid ? "valid" : "invalid");
}

static void opcode_names(void)
{
	EXPECT(!strcmp(ws_opcode_name(WS_CONT), "continuation"));
	EXPECT(!strcmp(ws_opcode_name(WS_TEXT), "text"));
	EXPECT(!strcmp(ws_opcode_name(WS_BINARY), "binary"));
	EXPECT(!strcmp(ws_opcode_name(WS_CLOSE), "close"));
	EXPECT(!strcmp(ws_opcode_name(WS_PING), "ping"));
	EXPECT(!strcmp(ws_opcode_name(WS_PONG), "pong"));
	EXPECT(!strcmp(ws_opcode_name(16), "reserved"));
}

const struct unit_case ws_cases[] = {
	{ "ws.accept-key-rfc6455", accept_key },
	{ "ws.make-key", make_key },
	{ "ws.make-mask", make_mask },
	{ "ws.frame-round-trip", frame_round_trip },
	{ "ws.frame-rfc-examples", frame_rfc_examples },
	{ "ws.mask-in-pieces", mask_in_pieces },
	{ "ws.fragmentation", fragmentation },
	{ "ws.control-frame-rules", control_frames },
	{ "ws.reserved-opcodes", reserved_opcodes },
	{ "ws.length-encoding", lengths },
	{ "ws.rsv-reported", rsv_reported },
	{ "ws.close-codes", close_codes },
	{ "ws.opcode-names", opcode_names },
	{ NULL, NULL },
};
