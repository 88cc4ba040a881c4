// Bytes no well-behaved client sends, over a plain TCP socket, and what
// came back, one line per event:
//
//   node echo_raw.js PORT CASE [WAIT_MS]
//
// Lines: "status N", "header name: value" (lower-cased names), "body
// TEXT", then for a 101 the server's frames: "text DATA", "binary N",
// "close CODE REASON"; finally "eof", "reset" or "timeout".
'use strict';
const net = require('net');
const crypto = require('crypto');

const [port, kase, waitArg] = process.argv.slice(2);
const wait = +(waitArg || 5000);

function head(extra = {}, omit = []) {
	const h = {
		Host: '127.0.0.1:' + port,
		Upgrade: 'websocket',
		Connection: 'Upgrade',
		'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
		'Sec-WebSocket-Version': '13',
		...extra,
	};
	let s = 'GET /raw HTTP/1.1\r\n';
	for (const [k, v] of Object.entries(h))
		if (!omit.includes(k))
			s += `${k}: ${v}\r\n`;
	return Buffer.from(s + '\r\n');
}

// A client frame: masked unless told otherwise.
function frame(opcode, payload, { fin = true, mask = true, rsv = 0, len } = {}) {
	payload = Buffer.from(payload);
	const n = len === undefined ? payload.length : len;
	let h;
	if (n < 126) {
		h = Buffer.from([0, n]);
	} else if (n < 65536) {
		h = Buffer.alloc(4);
		h[1] = 126;
		h.writeUInt16BE(n, 2);
	} else {
		h = Buffer.alloc(10);
		h[1] = 127;
		h.writeBigUInt64BE(BigInt(n), 2);
	}
	h[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
	if (!mask)
		return Buffer.concat([h, payload]);
	h[1] |= 0x80;
	const key = crypto.randomBytes(4);
	const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
	return Buffer.concat([h, key, body]);
}

const cases = {
	nokey: () => [head({}, ['Sec-WebSocket-Key'])],
	version8: () => [head({ 'Sec-WebSocket-Version': '8' })],
	noconnection: () => [head({}, ['Connection'])],
	post: () => [Buffer.from(head().toString().replace('GET', 'POST'))],
	garbage: () => [Buffer.concat([Buffer.from([0x16, 3, 1, 0, 0xa5, 1, 0, 0, 0xa1]),
				       crypto.randomBytes(64), Buffer.from('\r\n\r\n')])],
	bighead: () => [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' +
				    'a'.repeat(17000) + '\r\n\r\n')],
	slowhead: () => [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n')],
	longline: () => [Buffer.from('GET /' + 'a'.repeat(17000) + ' HTTP/1.1\r\nHost: x\r\n\r\n')],
	connect: () => [Buffer.from('CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n')],
	badchunk: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')],
	longcl: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 12345678901234567890\r\n\r\n')],
	negcl: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n')],
	twocl: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')],
	clte: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')],
	gzipte: () => [Buffer.from('POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n')],
	pipelined: () => [Buffer.concat([head(), frame(1, 'right behind the head')])],
	unmasked: () => [head(), frame(1, 'no mask', { mask: false })],
	rsv: () => [head(), frame(1, 'rsv', { rsv: 4 })],
	// a header that promises 2 MiB: refused before the payload arrives
	bigframe: () => [head(), frame(2, crypto.randomBytes(100), { len: 2 << 20 })],
	bigmessage: () => [head(), frame(2, crypto.randomBytes(600000), { fin: false }),
			   frame(0, crypto.randomBytes(600000))],
	utf8: () => [head(), frame(1, Buffer.from([0x68, 0x69, 0xff, 0xfe]))],
	// "€" is e2 82 ac: a valid character split between frames
	utf8split: () => [head(), frame(1, Buffer.from([0x78, 0xe2]), { fin: false }),
			  frame(0, Buffer.from([0x82, 0xac]))],
	utf8trunc: () => [head(), frame(1, Buffer.from([0x78, 0xe2, 0x82]))],
	emptyclose: () => [head(), frame(8, Buffer.alloc(0))],
	badclose: () => [head(), frame(8, Buffer.from([0x03, 0xed]))],
	orphan: () => [head(), frame(0, 'continuation of nothing')],
};

if (!cases[kase]) {
	console.log('error unknown case ' + kase);
	process.exit(2);
}

const out = (l) => process.stdout.write(l + '\n');
let buf = Buffer.alloc(0), headDone = false, upgraded = false;

function parse() {
	if (!headDone) {
		const end = buf.indexOf('\r\n\r\n');
		if (end < 0)
			return;
		const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
		const status = +lines[0].split(' ')[1];
		out('status ' + status);
		for (const l of lines.slice(1)) {
			const c = l.indexOf(':');
			out('header ' + l.slice(0, c).toLowerCase() + ': ' + l.slice(c + 1).trim());
		}
		buf = buf.subarray(end + 4);
		headDone = true;
		upgraded = status === 101;
	}
	if (!upgraded)
		return;
	for (;;) {
		if (buf.length < 2)
			return;
		let n = buf[1] & 0x7f, off = 2;
		if (n === 126) {
			if (buf.length < 4) return;
			n = buf.readUInt16BE(2);
			off = 4;
		} else if (n === 127) {
			if (buf.length < 10) return;
			n = Number(buf.readBigUInt64BE(2));
			off = 10;
		}
		if (buf.length < off + n)
			return;
		const op = buf[0] & 0x0f, p = buf.subarray(off, off + n);
		if (op === 1) out('text ' + p.toString());
		else if (op === 2) out('binary ' + n);
		else if (op === 8) out('close ' + (n >= 2 ? p.readUInt16BE(0) : 'none') +
				       ' ' + p.subarray(2).toString());
		else out('frame ' + op + ' ' + n);
		buf = buf.subarray(off + n);
	}
}

const sock = net.connect(+port, '127.0.0.1', () => {
	const pieces = cases[kase]();
	// the head first, then the frames in a separate write
	pieces.forEach((p, i) => setTimeout(() => sock.write(p), i * 50));
});
const timer = setTimeout(() => {
	parse();
	if (!upgraded && headDone)
		out('body ' + buf.toString().trimEnd());
	out('timeout');
	process.exit(0);
}, wait);
sock.on('data', (d) => {
	buf = Buffer.concat([buf, d]);
	parse();
});
sock.on('error', (e) => {
	out(e.code === 'ECONNRESET' ? 'reset' : 'error ' + e.message);
	clearTimeout(timer);
	process.exit(0);
});
sock.on('end', () => {
	parse();
	if (!upgraded && headDone)
		out('body ' + buf.toString().trimEnd());
	out('eof');
	clearTimeout(timer);
	process.exit(0);
});
