// A scripted WebSocket session with node ws, reported one event per line
// on stdout so a shell script can check it:
//
//   node echo_session.js URL [options]
//     --protocol NAME     offer a subprotocol (repeatable)
//     --header 'N: V'     send a request header (repeatable)
//     --send TEXT         send a text message (repeatable, in order)
//     --binary HEX        send a binary message
//     --ping TEXT         send a ping
//     --fragments A,B,C   send one text message in three frames
//     --close CODE[:WHY]  close once every message got its reply
//     --wait MS           how long to wait for the server (default 5000)
//
// Lines: "status N", "header NAME: VALUE" (the 101's, or the refusal's,
// lower case), "protocol NAME", "text DATA", "binary HEX", "pong DATA",
// "body DATA" (a refusal's body), "close CODE REASON", "error WHY".
'use strict';
const WebSocket = require('ws');

const args = process.argv.slice(2);
const url = args.shift();
const protocols = [], headers = {}, sends = [];
let close = null, wait = 5000, insecure = false;
for (let i = 0; i < args.length; i += 2) {
	const v = args[i + 1];
	if (args[i] === '--insecure') {
		insecure = true;
		i--;
		continue;
	}
	switch (args[i]) {
	case '--protocol': protocols.push(v); break;
	case '--header': {
		const c = v.indexOf(':');
		headers[v.slice(0, c)] = v.slice(c + 1).trim();
		break;
	}
	case '--send': sends.push({ kind: 'text', data: v }); break;
	case '--binary': sends.push({ kind: 'binary', data: Buffer.from(v, 'hex') }); break;
	case '--ping': sends.push({ kind: 'ping', data: v }); break;
	case '--fragments': sends.push({ kind: 'fragments', data: v.split(',') }); break;
	case '--close': {
		const c = v.indexOf(':');
		close = c < 0 ? { code: +v, why: '' } : { code: +v.slice(0, c), why: v.slice(c + 1) };
		break;
	}
	case '--wait': wait = +v; break;
	default:
		console.log('error unknown option ' + args[i]);
		process.exit(2);
	}
}

const out = (line) => process.stdout.write(line + '\n');
const ws = new WebSocket(url, protocols, {
	headers, handshakeTimeout: wait, rejectUnauthorized: !insecure,
});
const expect = sends.filter((s) => s.kind !== 'ping').length;
let got = 0, closing = false;

const timer = setTimeout(() => {
	out('error timeout');
	ws.terminate();
	process.exit(0);
}, wait);

function maybeClose() {
	if (close && !closing && got >= expect) {
		closing = true;
		ws.close(close.code, close.why);
	}
}

ws.on('upgrade', (res) => {
	out('status ' + res.statusCode);
	for (const [k, v] of Object.entries(res.headers))
		out('header ' + k + ': ' + v);
});
ws.on('unexpected-response', (req, res) => {
	out('status ' + res.statusCode);
	for (const [k, v] of Object.entries(res.headers))
		out('header ' + k + ': ' + v);
	let body = '';
	res.on('data', (d) => { body += d; });
	res.on('end', () => {
		out('body ' + body.trimEnd());
		clearTimeout(timer);
		process.exit(0);
	});
});
ws.on('open', () => {
	if (ws.protocol)
		out('protocol ' + ws.protocol);
	for (const s of sends) {
		if (s.kind === 'text') ws.send(s.data);
		else if (s.kind === 'binary') ws.send(s.data);
		else if (s.kind === 'ping') ws.ping(s.data);
		else {
			s.data.forEach((d, i) => ws.send(d, { fin: i === s.data.length - 1 }));
		}
	}
	maybeClose();
});
ws.on('message', (data, isBinary) => {
	out(isBinary ? 'binary ' + data.toString('hex') : 'text ' + data.toString());
	got++;
	maybeClose();
});
ws.on('pong', (data) => out('pong ' + data.toString()));
ws.on('close', (code, reason) => {
	out('close ' + code + ' ' + reason.toString());
	clearTimeout(timer);
	process.exit(0);
});
ws.on('error', (e) => {
	out('error ' + e.message);
});
