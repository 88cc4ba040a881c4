// permessage-deflate with `wsctl echo`, node ws as the client (it offers
// and compresses as browsers do):
//
//   node echo_deflate.js URL
//
// For each offer: the 101's answer, messages of 0 B to 1 MiB each sent
// twice and compared, and the backend's record counting them compressed
// both ways.  Prints "ok NAME" or "not ok NAME: why"; exits 1 when one
// failed.
'use strict';
const WebSocket = require('ws');
const http = require('http');

const url = process.argv[2];
let failed = 0;

function report(name, err) {
	if (err) {
		failed++;
		console.log(`not ok ${name}: ${err}`);
	} else {
		console.log(`ok ${name}`);
	}
}

function text(n, seed) {
	const words = ['proxy ', 'tunnel ', 'frame ', 'deflate ', 'echo '];
	let s = '', x = seed;
	while (s.length < n) {
		x = (x * 1103515245 + 12345) >>> 0;
		s += words[x % words.length];
	}
	return Buffer.from(s.slice(0, n));
}

function record(conn) {
	const u = new URL(url);
	return new Promise((resolve, reject) => {
		http.get({ host: u.hostname, port: u.port, path: `/.wsctl/conn/${conn}` },
			(res) => {
				let body = '';
				res.on('data', (d) => { body += d; });
				res.on('end', () => resolve(JSON.parse(body)));
			}).on('error', reject);
	});
}

async function one(name, offer, wantExt) {
	const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0, ...offer },
					maxPayload: 64 << 20 });
	let conn, ext;
	ws.on('upgrade', (res) => {
		conn = res.headers['x-wsctl-conn'];
		ext = res.headers['sec-websocket-extensions'];
	});
	await new Promise((resolve, reject) => {
		ws.once('open', resolve);
		ws.once('error', reject);
	});
	report(`${name}: the 101 answers '${wantExt}'`,
	       ext === wantExt ? null : `got '${ext}'`);
	const sizes = [0, 10, 4096, 65536, 1 << 20];
	let n = 0;
	for (const size of sizes) {
		const msg = text(size, size);
		for (let copy = 0; copy < 2; copy++) {
			const got = await new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error('no echo')), 10000);
				ws.once('message', (d, bin) => { clearTimeout(t); resolve([d, bin]); });
				ws.send(size === 65536 ? msg : msg.toString(), { binary: size === 65536 });
			});
			n++;
			if (got[1] !== (size === 65536) || !Buffer.from(got[0]).equals(msg)) {
				report(`${name}: ${size} bytes, copy ${copy + 1}`, 'not the message sent');
				ws.terminate();
				return;
			}
		}
	}
	report(`${name}: ${n} messages, 0 B to 1 MiB, came back whole`);
	ws.close(1000);
	await new Promise((resolve) => ws.once('close', resolve));
	const r = await record(conn);
	report(`${name}: the record counts all ${n} compressed both ways`,
	       r.compressed.received === n && r.compressed.sent === n &&
	       r.extension === wantExt && r.bytes.received === r.bytes.sent ? null :
	       JSON.stringify([r.extension, r.compressed, r.bytes]));
}

async function main() {
	await one('default offer', {}, 'permessage-deflate');
	await one('no context takeover', { serverNoContextTakeover: true,
					   clientNoContextTakeover: true },
		  'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
	await one('server_max_window_bits=10', { serverMaxWindowBits: 10 },
		  'permessage-deflate; server_max_window_bits=10');
	await one('client_max_window_bits=9', { clientMaxWindowBits: 9 },
		  'permessage-deflate');
}

main().then(() => process.exit(failed ? 1 : 0),
	    (e) => { console.log(`not ok echo_deflate: ${e.message}`); process.exit(1); });
