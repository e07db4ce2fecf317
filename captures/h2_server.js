// HTTP/2 cleartext (h2c, prior knowledge) lab server for captures/record-http2.sh (Node 20's
// http2 module; it does not implement the h2c Upgrade). Usage: node h2_server.js PORT SECONDS
'use strict';
const http2 = require('http2');
const zlib = require('zlib');
const port = Number(process.argv[2] || 18088);
const seconds = Number(process.argv[3] || 10);
const large = Buffer.alloc(100000, 'abcdefghij');
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  const send = (status, body, extra = {}) => {
    stream.respond({ ':status': status, 'content-type': 'text/plain', ...extra });
    stream.end(body);
  };
  if (path === '/') send(200, 'hello over h2c\n');
  else if (path === '/missing') send(404, 'not found\n');
  else if (path === '/gzip') send(200, zlib.gzipSync(Buffer.from('compressed '.repeat(500))), { 'content-encoding': 'gzip' });
  else if (path === '/large') send(200, large);
  else if (path === '/created' && headers[':method'] === 'POST') {
    let n = 0;
    stream.on('data', (d) => { n += d.length; });
    stream.on('end', () => send(201, `got ${n} bytes\n`));
  } else if (path === '/trailers') {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123' }));
    stream.end('body with trailers\n');
  } else if (path.startsWith('/slow')) {
    setTimeout(() => send(200, 'slow\n'), 200);
  } else send(500, 'no such route\n');
});
server.listen(port, '127.0.0.1');
setTimeout(() => server.close() && process.exit(0), seconds * 1000);
