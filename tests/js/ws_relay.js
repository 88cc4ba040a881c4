// A WebSocket relay built of node `ws`, made to fail checks a byte relay
// passes: a server for clients and, for each, a client to the backend.
// Messages are taken whole and sent on as new frames, as gateways that
// parse frames do; pings are answered here (ws does that), not passed.
//
//   node ws_relay.js BACKEND_URL [--cut-idle client|backend MS] [--deflate]
//
// --cut-idle times one direction only: the tunnel is cut (TCP, both
// sides) when that side has sent nothing for MS, whatever the other does.
// The relay's client offers permessage-deflate to the backend (ws's
// default); its server agrees to the client's offer only with --deflate,
// so by default the client's offer ends here.  Request headers starting
// with X-Wsctl- go on to the backend.  The first line on stdout is
// "listening on PORT".
const WebSocket = require('ws');

const usage = 'usage: ws_relay.js URL [--cut-idle client|backend MS] [--deflate]';
const backend = process.argv[2];
let cutSide = null, cutMs = 0, deflate = false;
for (let i = 3; i < process.argv.length; i++) {
	if (process.argv[i] === '--deflate') {
		deflate = true;
	} else if (process.argv[i] === '--cut-idle') {
		cutSide = process.argv[++i];
		cutMs = Number(process.argv[++i]);
		if (!['client', 'backend'].includes(cutSide) || !(cutMs > 0)) {
			console.error(usage);
			process.exit(2);
		}
	} else {
		console.error(usage);
		process.exit(2);
	}
}

const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0,
				   perMessageDeflate: deflate });
wss.on('listening', () => console.log('listening on ' + wss.address().port));

wss.on('connection', (client, req) => {
	const headers = {};
	for (const [k, v] of Object.entries(req.headers))
		if (k.startsWith('x-wsctl-'))
			headers[k] = v;
	const up = new WebSocket(backend + req.url, { headers });
	const early = [];
	let timer = null;

	const cut = () => {
		client.terminate();
		up.terminate();
	};
	const arm = (side) => {
		if (side !== cutSide)
			return;
		clearTimeout(timer);
		timer = setTimeout(cut, cutMs);
	};
	arm('client');
	arm('backend');

	client.on('message', (data, binary) => {
		arm('client');
		if (up.readyState === WebSocket.OPEN)
			up.send(data, { binary });
		else
			early.push([data, binary]);
	});
	up.on('open', () => {
		for (const [data, binary] of early)
			up.send(data, { binary });
		early.length = 0;
	});
	up.on('message', (data, binary) => {
		arm('backend');
		client.send(data, { binary });
	});
	// a code one may send on (1005 and 1006 are only ever reported)
	const sendable = (code) => (code >= 1000 && code <= 1003) ||
		(code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
	const pass = (to, code, reason) => {
		if (to.readyState !== WebSocket.OPEN)
			to.terminate();
		else if (sendable(code))
			to.close(code, reason);
		else
			to.close();
	};
	client.on('close', (code, reason) => {
		clearTimeout(timer);
		pass(up, code, reason);
	});
	up.on('close', (code, reason) => {
		clearTimeout(timer);
		pass(client, code, reason);
	});
	client.on('error', cut);
	up.on('error', cut);
});
