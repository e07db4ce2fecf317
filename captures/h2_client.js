// Sequential HTTP/2 requests on one h2c connection (prior knowledge), with Node 20's http2 client,
// for captures/record-http2.sh (curl 7.88.1 drops every request after the first on a reused
// prior-knowledge connection). Usage: node h2_client.js URL PATH...   (POST:PATH posts a form)
'use strict';
const http2 = require('http2');
const [base, ...paths] = process.argv.slice(2);
const session = http2.connect(base);
(async () => {
  for (const p of paths) {
    const post = p.startsWith('POST:');
    const path = post ? p.slice(5) : p;
    await new Promise((resolve, reject) => {
      const headers = { ':path': path, ':method': post ? 'POST' : 'GET', 'accept-encoding': 'gzip' };
      if (post) headers['content-type'] = 'application/x-www-form-urlencoded';
      const req = session.request(headers);
      req.on('response', () => {});
      req.on('data', () => {});
      req.on('end', resolve);
      req.on('error', reject);
      req.end(post ? 'name=wirescope' : undefined);
    });
  }
  session.close();
})().catch((e) => { console.error(e); process.exit(1); });
