// hold.js URL N: open N WebSocket connections to URL, 64 handshakes at a
// time, print "open N" once all are up, and hold them until stdin ends.
// Certificates are not verified: this is for loopback measurements.
'use strict';
const WebSocket = require('ws');
const url = process.argv[2], n = Number(process.argv[3]);
let opened = 0, next = 0;
const held = [];

function openOne() {
	if (next >= n)
		return;
	next++;
	const ws = new WebSocket(url, { rejectUnauthorized: false,
					perMessageDeflate: false });
	ws.on('open', () => {
		if (++opened === n)
			console.log('open ' + opened);
		openOne();
	});
	ws.on('error', (e) => {
		console.error('hold.js: ' + e.message);
		process.exit(1);
	});
	held.push(ws);
}

for (let i = 0; i < Math.min(64, n); i++)
	openOne();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
