// The article's server.js: a node `ws` server that answers every message
// with 'Server received from client: ' + message.
//
//   node article_server.js [PORT]
//
// PORT 0 (the default) picks a free port; the first line on stdout is
// "listening on PORT" either way, so a test can read where it listens.
const WebSocketServer = require('ws').Server;

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port: port });

wss.on('listening', function () {
	console.log('listening on ' + wss.address().port);
	console.log('Server started');
});
wss.on('connection', function (ws) {
	ws.on('message', function (message) {
		console.log('Received from client: %s', message);
		ws.send('Server received from client: ' + message);
	});
});
