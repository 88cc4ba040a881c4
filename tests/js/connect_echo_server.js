// A node `ws` peer for the `wsctl connect` tests.  It logs what it sees on
// stdout, one event per line, so a test can check what reached the server:
//
//   listening on PORT            first, always
//   peer ADDRESS                 the client's address
//   client-cert CN               with --client-ca: the certificate's CN
//   header NAME: VALUE           each request header (names in lower case)
//   protocol NAME                the subprotocol selected, if any
//   text DATA | binary HEX       each message
//   ping DATA                    each ping
//   close CODE REASON            the client's close
//
// usage: node connect_echo_server.js [--port N] [--mode MODE]
//                                    [--tls CERT KEY [--client-ca CA]]
// --client-ca: a client certificate signed by CA is required
// MODE:
//   echo      send every message back as it came (text as text, binary
//             as binary), answer pings (the default)
//   nopong    the same, but never answer a ping
//   refuse    answer every request "403 Forbidden" with a two-line body;
//             on /html, "502 Bad Gateway" with nginx's chunked HTML page
//   drop      on the first message, close TCP without a close frame
//   close4000 on the first message, close with 4000 "custom reason"
//   bye       on the first message, echo it, then close with 1000
//   twice     answer every message twice
//   silent    answer nothing
//   fragments answer every text message in three fragments
//   badhead   spoil the 101 the way the path says: /accept, /upgrade,
//             /connection, /protocol, /extension
//   raw       answer a message naming a broken frame (see RAW) with it,
//             written on the socket as is
const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocketServer } = require('ws');

let port = 0, mode = 'echo', tls = null, clientCa = null;
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (a === '--port') port = Number(process.argv[++i]);
	else if (a === '--mode') mode = process.argv[++i];
	else if (a === '--tls') tls = { cert: process.argv[++i], key: process.argv[++i] };
	else if (a === '--client-ca') clientCa = process.argv[++i];
	else { console.error('unknown argument ' + a); process.exit(2); }
}

// Frames a server must not send, by name.
const RAW = {
	masked: [0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2],
	rsv: [0xc1, 0x02, 0x68, 0x69],
	utf8: [0x81, 0x02, 0xc3, 0x28],
	cont: [0x80, 0x02, 0x68, 0x69],
	opcode: [0x83, 0x00],
	badclose: [0x88, 0x02, 0x03, 0xed],
	fragping: [0x09, 0x00],
	bigping: [0x89, 0x7e, 0x00, 0x80].concat(new Array(128).fill(0x61)),
	fragutf8: [0x01, 0x01, 0xe2, 0x80, 0x02, 0x82, 0x28],
	// a good ping ("hi"), then the echo the client waits for
	ping: [0x89, 0x02, 0x68, 0x69, 0x81, 0x04, 0x70, 0x69, 0x6e, 0x67],
};

function refuse(req, res) {
	res.writeHead(403, { 'Content-Type': 'text/plain' });
	res.end('Forbidden by test\nsecond line\n');
}

const server = tls
	? https.createServer(Object.assign({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) },
		clientCa ? { requestCert: true, rejectUnauthorized: true, ca: fs.readFileSync(clientCa) } : {}))
	: http.createServer();

if (mode === 'refuse') {
	server.on('request', refuse);
	server.on('upgrade', function (req, socket) {
		if (req.url === '/html') {
			const page = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n' +
				'<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
				'<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
			return socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n' +
				'Transfer-Encoding: chunked\r\n\r\n' +
				'8\r\n' + page.slice(0, 8) + '\r\n' +
				page.length.toString(16) + '\r\n' + page + '\r\n0\r\n\r\n');
		}
		socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n' +
			'Content-Length: 30\r\nConnection: close\r\n\r\n' +
			'Forbidden by test\nsecond line\n');
	});
} else {
	const wss = new WebSocketServer({ server: server, autoPong: mode !== 'nopong' });
	if (mode === 'badhead') wss.on('headers', function (headers, req) {
		const spoil = {
			'/accept': ['Sec-WebSocket-Accept', 'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
			'/upgrade': ['Upgrade', 'Upgrade: h2c'],
			'/connection': ['Connection', 'Connection: keep-alive'],
			'/protocol': [null, 'Sec-WebSocket-Protocol: nope'],
			'/extension': [null, 'Sec-WebSocket-Extensions: permessage-deflate'],
		}[req.url];
		const i = headers.findIndex(h => spoil[0] && h.startsWith(spoil[0] + ':'));
		if (i >= 0) headers[i] = spoil[1];
		else headers.push(spoil[1]);
	});
	wss.on('connection', function (ws, req) {
		console.log('peer ' + req.socket.remoteAddress);
		if (clientCa) console.log('client-cert ' + req.socket.getPeerCertificate().subject.CN);
		for (let i = 0; i < req.rawHeaders.length; i += 2)
			console.log('header ' + req.rawHeaders[i].toLowerCase() + ': ' + req.rawHeaders[i + 1]);
		if (ws.protocol) console.log('protocol ' + ws.protocol);
		ws.on('message', function (data, isBinary) {
			console.log(isBinary ? 'binary ' + data.toString('hex') : 'text ' + data);
			if (mode === 'drop') return ws._socket.destroy();
			if (mode === 'close4000') return ws.close(4000, 'custom reason');
			if (mode === 'silent') return;
			if (mode === 'raw') return ws._socket.write(Buffer.from(RAW[data.toString()]));
			if (mode === 'fragments') {
				const t = data.toString(), n = Math.ceil(t.length / 3);
				ws.send(t.slice(0, n), { fin: false });
				ws.send(t.slice(n, 2 * n), { fin: false });
				return ws.send(t.slice(2 * n), { fin: true });
			}
			ws.send(data, { binary: isBinary });
			if (mode === 'twice') ws.send(data, { binary: isBinary });
			if (mode === 'bye') ws.close(1000, 'bye');
		});
		ws.on('ping', function (data) { console.log('ping ' + data); });
		ws.on('close', function (code, reason) { console.log('close ' + code + ' ' + reason); });
	});
}

server.listen(port, '127.0.0.1', function () {
	console.log('listening on ' + server.address().port);
});
