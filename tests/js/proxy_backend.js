// proxy_backend.js - the article's server.js, made testable: a node `ws`
// echo server that answers 'Server received from client: ' + message, and
// also a small HTTP server on the same port for plain requests.
//
//   node proxy_backend.js NAME [PORT]      (PORT 0 or absent: a free one)
//
// With DEFLATE=1 in the environment it accepts permessage-deflate and
// compresses every message.  A subprotocol offered is accepted (the first).
//
// Prints "PORT n" once listening.  WebSocket messages with a meaning:
//   whoami         -> NAME
//   headers        -> the upgrade request's headers, as JSON
//   flood MIB      -> MIB MiB of binary data, as fast as the socket takes it
// A closed WebSocket logs "NAME closed CODE".
// HTTP paths:
//   /headers       -> the request's headers as JSON
//   /echo          -> the request body back (POST, any framing)
//   /chunked       -> a chunked body of three pieces
//   /close         -> a body with no length, ended by closing
//   anything else  -> "NAME METHOD URL\n" with a Content-Length
const http = require('http');
const { WebSocketServer } = require('ws');

const name = process.argv[2] || 'backend';
const port = Number(process.argv[3] || 0);

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (d) => chunks.push(d));
	req.on('end', () => {
		const body = Buffer.concat(chunks);
		if (req.url === '/headers') {
			res.setHeader('Content-Type', 'application/json');
			res.end(JSON.stringify(req.headers));
		} else if (req.url === '/echo') {
			res.setHeader('Content-Length', body.length);
			res.end(body);
		} else if (req.url === '/chunked') {
			res.write(name + ' one\n');
			res.write('two\n');
			res.end('three\n');
		} else if (req.url === '/close') {
			req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n' +
				name + ' until close\n');
		} else {
			const text = `${name} ${req.method} ${req.url}\n`;
			res.setHeader('Content-Length', Buffer.byteLength(text));
			res.end(req.method === 'HEAD' ? undefined : text);
		}
	});
});

const wss = new WebSocketServer({
	server,
	perMessageDeflate: process.env.DEFLATE ? { threshold: 0 } : false,
});
wss.on('connection', (ws, req) => {
	ws.on('message', (data, binary) => {
		const msg = binary ? data : data.toString();
		console.log(`${name} received: ${binary ? '<binary>' : msg}`);
		if (msg === 'whoami') {
			ws.send(name);
		} else if (msg === 'headers') {
			ws.send(JSON.stringify({ headers: req.headers, rawHeaders: req.rawHeaders }));
		} else if (typeof msg === 'string' && msg.startsWith('flood ')) {
			let left = Number(msg.slice(6)) * 1024 * 1024;
			const piece = Buffer.alloc(64 * 1024, 0x61);
			// send only while the socket drains: node must not buffer 50 MiB
			const more = () => {
				while (left > 0 && ws.bufferedAmount < 1024 * 1024) {
					ws.send(piece);
					left -= piece.length;
				}
				if (left > 0 && ws.readyState === ws.OPEN)
					setTimeout(more, 10);
				else
					console.log(`${name} flood: ${left > 0 ? 'stopped' : 'sent'}`);
			};
			more();
		} else {
			ws.send('Server received from client: ' + msg);
		}
	});
	ws.on('close', (code) => console.log(`${name} closed ${code}`));
	ws.on('error', () => {});
});

server.listen(port, '127.0.0.1', () => {
	console.log(`PORT ${server.address().port}`);
});
