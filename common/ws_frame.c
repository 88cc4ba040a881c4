/*
 * ws_frame.c - RFC 6455 5.2 frame headers, masking and close codes.
 */
#include <string.h>

#include "common/ws.h"

static int is_control(unsigned op)
{
	return op & 0x8;
}

static int opcode_known(unsigned op)
{
	return op <= WS_BINARY || (op >= WS_CLOSE && op <= WS_PONG);
}

int ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f)
{
	size_t need = 2;
	uint64_t n;
	unsigned op;

	/* judge the first byte alone, so garbage is refused at once */
	if (len < 1)
		return -2;
	op = buf[0] & 0x0f;
	if (!opcode_known(op) || (is_control(op) && !(buf[0] & 0x80)))
		return -1;
	if (len < 2)
		return -2;
	f->fin = buf[0] >> 7;
	f->rsv = (buf[0] >> 4) & 0x7;
	f->opcode = op;
	f->masked = buf[1] >> 7;
	n = buf[1] & 0x7f;
	if (is_control(op) && n > 125)
		return -1;
	if (n == 126) {
		need = 4;
		if (len < need)
			return -2;
		n = (uint64_t)buf[2] << 8 | buf[3];
		if (n < 126)
			return -1;
	} else if (n == 127) {
		need = 10;
		if (len < need)
			return -2;
		if (buf[2] & 0x80)
			return -1;
		n = 0;
		for (int i = 2; i < 10; i++)
			n = n << 8 | buf[i];
		if (n <= 0xffff)
			return -1;
	}
	f->len = n;
	if (f->masked) {
		if (len < need + 4)
			return -2;
		memcpy(f->mask, buf + need, 4);
		need += 4;
	} else {
		memset(f->mask, 0, 4);
	}
	return (int)need;
}

size_t ws_frame_header(uint8_t *out, int fin, unsigned opcode, uint64_t len,
		       const uint8_t mask[4])
{
	size_t n = 2;

	out[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
	out[1] = mask ? 0x80 : 0;
	if (len < 126) {
		out[1] |= len;
	} else if (len <= 0xffff) {
		out[1] |= 126;
		out[2] = len >> 8;
		out[3] = len;
		n = 4;
	} else {
		out[1] |= 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = len >> (56 - 8 * i);
		n = 10;
	}
	if (mask) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
	uint8_t m[8];
	uint64_t w, mw;
	size_t i = 0;

	for (int k = 0; k < 8; k++)
		m[k] = mask[(offset + k) & 3];
	/* eight bytes at a time: the key repeats every four */
	memcpy(&mw, m, 8);
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, data + i, 8);
		w ^= mw;
		memcpy(data + i, &w, 8);
	}
	for (; i < len; i++)
		data[i] ^= m[i & 7];
}

int ws_close_code_valid(unsigned code)
{
	if (code >= 1000 && code <= 1014)
		return code < 1004 || code > 1006;
	return code >= 3000 && code <= 4999;
}

const char *ws_opcode_name(unsigned opcode)
{
	switch (opcode) {
	case WS_CONT:	return "continuation";
	case WS_TEXT:	return "text";
	case WS_BINARY:	return "binary";
	case WS_CLOSE:	return "close";
	case WS_PING:	return "ping";
	case WS_PONG:	return "pong";
	}
	return "reserved";
}
