// proxy_client.js - a node `ws` client that runs a small script of steps
// against a URL and prints one line per step, for tests/it/40-proxy*.sh.
//
//   node proxy_client.js [--from IP] [--header 'Name: value'] [--ca PEM]
//                        [--protocol NAME] URL STEP...
//
// --ca trusts the certificates in PEM (for wss:// through the proxy);
// --protocol offers a subprotocol (repeatable).  permessage-deflate is
// always offered, as node ws does by default.
//
// Steps:
//   send:TEXT   send TEXT, wait for one message, print "reply MESSAGE"
//   sleep:MS    wait
//   ping:MS:N   send "tick" every MS ms, N times, each answered; "alive N"
//   idle:MS     wait up to MS for the server to close: "closed after MS"
//               (rounded to 100 ms) or "open"
//   hold        keep the connection open until stdin ends
//   closecode:MS wait up to MS for the server's close: "close CODE" (1006
//               when TCP ended without a close frame) or "open"
//   negotiated  print "negotiated EXTENSIONS PROTOCOL" ("-" for none)
// Prints "open" first, and "error MESSAGE" (exit 1) when anything fails.
const WebSocket = require('ws');

const args = process.argv.slice(2);
const opts = { headers: {} };
const protocols = [];
while (args.length && args[0].startsWith('--')) {
	const o = args.shift();
	if (o === '--from') opts.localAddress = args.shift();
	else if (o === '--ca') opts.ca = require('fs').readFileSync(args.shift());
	else if (o === '--protocol') protocols.push(args.shift());
	else if (o === '--header') {
		const h = args.shift();
		const i = h.indexOf(':');
		opts.headers[h.slice(0, i)] = h.slice(i + 1).trim();
	} else {
		console.log(`error unknown option ${o}`);
		process.exit(2);
	}
}
const url = args.shift();
const steps = args;

const ws = new WebSocket(url, protocols, opts);
let closedAt = 0;
let closeCode = 0;
const queue = [];
let waiter = null;

function fail(msg) {
	console.log(`error ${msg}`);
	process.exit(1);
}

ws.on('message', (data) => {
	const text = data.toString();
	if (waiter) {
		const w = waiter;
		waiter = null;
		w(text);
	} else {
		queue.push(text);
	}
});
ws.on('close', (code) => {
	closedAt = Date.now();
	closeCode = code;
	if (waiter) fail('closed while waiting for a reply');
});
ws.on('unexpected-response', (req, res) => {
	let body = '';
	res.on('data', (d) => (body += d));
	res.on('end', () => fail(`status ${res.statusCode} ${body.trim()}`));
});
ws.on('error', (e) => fail(e.message));

function next() {
	return new Promise((resolve) => {
		if (queue.length) resolve(queue.shift());
		else if (closedAt) fail('closed while waiting for a reply');
		else waiter = resolve;
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run() {
	console.log('open');
	for (const step of steps) {
		const i = step.indexOf(':');
		const op = i < 0 ? step : step.slice(0, i);
		const a = i < 0 ? '' : step.slice(i + 1);
		if (op === 'send') {
			if (ws.readyState !== WebSocket.OPEN) fail('closed before a send');
			ws.send(a);
			console.log(`reply ${await next()}`);
		} else if (op === 'negotiated') {
			console.log(`negotiated ${ws.extensions || '-'} ${ws.protocol || '-'}`);
		} else if (op === 'sleep') {
			await sleep(Number(a));
		} else if (op === 'ping') {
			const [ms, n] = a.split(':').map(Number);
			for (let k = 0; k < n; k++) {
				await sleep(ms);
				if (ws.readyState !== WebSocket.OPEN) fail(`closed after ${k} ticks`);
				ws.send('tick');
				await next();
			}
			console.log(`alive ${n}`);
		} else if (op === 'idle') {
			const start = Date.now();
			while (!closedAt && Date.now() - start < Number(a)) await sleep(20);
			if (closedAt) {
				const ms = Math.round((closedAt - start) / 100) * 100;
				console.log(`closed after ${ms}`);
				process.exit(0);
			}
			console.log('open');
		} else if (op === 'closecode') {
			const start = Date.now();
			while (!closedAt && Date.now() - start < Number(a)) await sleep(20);
			console.log(closedAt ? `close ${closeCode}` : 'open');
			if (closedAt) process.exit(0);
		} else if (op === 'hold') {
			clearTimeout(deadline);
			process.stdin.resume();
			await new Promise((r) => process.stdin.on('end', r));
		} else {
			fail(`unknown step ${step}`);
		}
	}
	clearTimeout(deadline);
	ws.close();
	setTimeout(() => process.exit(0), 1000).unref();
	ws.on('close', () => process.exit(0));
}

ws.on('open', () => run().catch((e) => fail(e.message)));
// a step that waits forever must fail, not let node exit quietly
const deadline = setTimeout(() => fail('no answer in 20 s'), 20000);
