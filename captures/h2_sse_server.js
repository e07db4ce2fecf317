// An h2c (prior knowledge) server streaming known Server-Sent Events on /events (gzip-coded on
// /events-gzip), for captures/record-http2.sh. `node h2_sse_server.js PORT EXPECTED.json` also
// writes the events it sends (the oracle of tests/http2_truth.rs) and exits after two streams.
const http2 = require('http2');
const zlib = require('zlib');
const fs = require('fs');
const port = Number(process.argv[2]);
const events = [
  { id: '1', event: null, data: 'first over h2', text: 'id: 1\ndata: first over h2\n\n' },
  { id: '2', event: 'update', data: '{"n": 2}', text: 'id: 2\nevent: update\ndata: {"n": 2}\n\n' },
  { id: '2', event: null, data: 'two\nlines', text: ': a comment\ndata: two\ndata: lines\n\n' },
];
if (process.argv[3]) {
  fs.writeFileSync(process.argv[3], JSON.stringify({ streams: ['/events', '/events-gzip'], events: events.map(({ text, ...e }) => e) }, null, 1) + '\n');
}
let served = 0;
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const gzip = headers[':path'] === '/events-gzip';
  stream.respond({ ':status': 200, 'content-type': 'text/event-stream', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
  const out = gzip ? zlib.createGzip() : null;
  if (out) out.pipe(stream);
  let i = 0;
  const next = () => {
    if (i === events.length) {
      (out || stream).end();
      if (++served === 2) setTimeout(() => server.close(), 200);
      return;
    }
    const t = events[i++].text;
    if (out) { out.write(t); out.flush(); } else stream.write(t);
    setTimeout(next, 30);
  };
  next();
});
server.listen(port, '127.0.0.1');
