// ping_server.js - a node `ws` echo server with an app's own heartbeat:
// it pings every client every 300 ms, as Socket.IO and many apps do.
//
//   node ping_server.js
//
// The first line on stdout is "listening on PORT".
const WebSocketServer = require('ws').Server;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });

wss.on('listening', function () {
	console.log('listening on ' + wss.address().port);
});
wss.on('connection', function (ws) {
	const t = setInterval(function () { ws.ping('heartbeat'); }, 300);
	ws.on('close', function () { clearInterval(t); });
	ws.on('message', function (m, binary) { ws.send(m, { binary: binary }); });
});
