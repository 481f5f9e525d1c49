'use strict';
// The service's HTTP side: GET /metrics for Prometheus (the worker's prom-client registry, asked for at each
// scrape) and GET /healthz (200 while frames are being inferred, 503 otherwise, with the reason as JSON).
const http = require('node:http');

function startHttp({ host, port, metrics, health }) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://service');
    try {
      if (req.method === 'GET' && url.pathname === '/metrics') {
        const { contentType, text } = await metrics();
        res.writeHead(200, { 'content-type': contentType }).end(text);
      } else if (req.method === 'GET' && url.pathname === '/healthz') {
        const report = health();
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /healthz\n');
      }
    } catch (error) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: server.address().port,
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

module.exports = { startHttp };
