// Messages through `wsctl echo` with node ws, compared byte for byte:
//
//   node echo_roundtrip.js URL [--insecure]
//
// (--insecure: for wss, accept any certificate.)
// Prints "ok NAME" or "not ok NAME: why" for each case; exits 1 when one
// failed.  Every case has its own deadline.
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const url = process.argv[2];
const insecure = process.argv[3] === '--insecure';
let failed = 0;

const scheme = url.split(':')[0];

function report(name, err) {
	name = `${scheme}: ${name}`;
	if (err) {
		failed++;
		console.log(`not ok ${name}: ${err}`);
	} else {
		console.log(`ok ${name}`);
	}
}

function open() {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, {
			maxPayload: 64 << 20, rejectUnauthorized: !insecure,
		});
		ws.once('open', () => resolve(ws));
		ws.once('error', reject);
	});
}

// Send with send(ws), wait for one message; resolves [data, isBinary].
function reply(ws, send, ms = 10000) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no reply')), ms);
		ws.once('message', (data, isBinary) => {
			clearTimeout(t);
			resolve([data, isBinary]);
		});
		send(ws);
	});
}

function same(name, got, want, wantBinary) {
	const [data, isBinary] = got;
	if (isBinary !== wantBinary)
		return report(name, `type ${isBinary ? 'binary' : 'text'}`);
	if (!Buffer.from(data).equals(want))
		return report(name, `${data.length} bytes differ from the ${want.length} sent`);
	report(name);
}

async function main() {
	const ws = await open();
	const text = Buffer.from('hello, wsctl');
	same('text comes back as text', await reply(ws, (w) => w.send('hello, wsctl')), text, false);

	const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0]);
	same('binary comes back as binary', await reply(ws, (w) => w.send(bin)), bin, true);

	same('empty text message', await reply(ws, (w) => w.send('')), Buffer.alloc(0), false);

	const big = crypto.randomBytes(1 << 20);
	same('1 MiB binary, byte exact', await reply(ws, (w) => w.send(big)), big, true);

	// 1 MiB of text with characters of every UTF-8 length
	const unit = 'aé€😀';
	const bigText = Buffer.from(unit.repeat(Math.ceil((1 << 20) / Buffer.byteLength(unit))));
	same('1 MiB text, byte exact', await reply(ws, (w) => w.send(bigText, { binary: false })), bigText, false);

	// one text message in three frames, a character split between two
	const euro = Buffer.from('x€y');
	same('fragmented text reassembled', await reply(ws, (w) => {
		w.send(euro.subarray(0, 2), { binary: false, fin: false });
		w.send(euro.subarray(2, 3), { binary: false, fin: false });
		w.send(euro.subarray(3), { binary: false, fin: true });
	}), euro, false);

	const parts = [crypto.randomBytes(70000), crypto.randomBytes(3), crypto.randomBytes(100000)];
	same('fragmented binary reassembled', await reply(ws, (w) => {
		parts.forEach((p, i) => w.send(p, { binary: true, fin: i === parts.length - 1 }));
	}), Buffer.concat(parts), true);

	// many messages in one burst come back in order
	const n = 200;
	const got = await new Promise((resolve, reject) => {
		const seen = [];
		const t = setTimeout(() => reject(new Error(`only ${seen.length} of ${n}`)), 10000);
		const on = (data) => {
			seen.push(data.toString());
			if (seen.length === n) {
				clearTimeout(t);
				ws.off('message', on);
				resolve(seen);
			}
		};
		ws.on('message', on);
		for (let i = 0; i < n; i++)
			ws.send('m' + i);
	});
	const inOrder = got.every((m, i) => m === 'm' + i);
	report('200 messages in order', inOrder ? null : 'out of order');

	const pong = await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no pong')), 5000);
		ws.once('pong', (d) => { clearTimeout(t); resolve(d.toString()); });
		ws.ping('are you there');
	});
	report('ping answered with pong and its payload',
	       pong === 'are you there' ? null : `pong '${pong}'`);

	const [code, why] = await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no close')), 5000);
		ws.once('close', (c, r) => { clearTimeout(t); resolve([c, r.toString()]); });
		ws.close(4321, 'done here');
	});
	report('close code and reason echoed',
	       code === 4321 && why === 'done here' ? null : `close ${code} '${why}'`);
}

main().catch((e) => report('round trip', e.message))
	.finally(() => process.exit(failed ? 1 : 0));
