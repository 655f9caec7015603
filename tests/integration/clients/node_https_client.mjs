#!/usr/bin/node
// Raw Node client using the https/http modules (Node's OpenSSL via SSL_write/SSL_read).
// Same options and output as python_urllib_client.py; see llm_protocol.mjs.
// --connections 0: a fresh connection per call ("Connection: close");
// --connections N: one keep-alive agent with at most N sockets.
// gzip/deflate/br replies are decoded here (the https module does not).
// TLS trust: NODE_EXTRA_CA_CERTS.
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { parseCli, runCalls } from './llm_protocol.mjs';

const CLIENT = 'node_https';
const opts = parseCli(CLIENT);
const url = new URL(opts.baseUrl);
const mod = url.protocol === 'https:' ? https : http;
const agent = new mod.Agent(opts.connections > 0
  ? { keepAlive: true, maxSockets: opts.connections }
  : { keepAlive: false });

function decoder(encoding) {
  switch ((encoding ?? '').toLowerCase()) {
    case 'gzip': return zlib.createGunzip();
    case 'deflate': return zlib.createInflate();
    case 'br': return zlib.createBrotliDecompress();
    default: return null;
  }
}

function send(req) {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body) headers['content-length'] = String(req.body.length);
    const r = mod.request({
      host: url.hostname, port: url.port, path: url.pathname.replace(/\/$/, '') + req.path,
      method: req.method, headers, agent,
    }, (res) => {
      const dec = decoder(res.headers['content-encoding']);
      resolve({
        status: res.statusCode,
        header: (name) => res.headers[name.toLowerCase()],
        // pipeline (not pipe) so a connection error also fails the decoder we iterate
        chunks: dec ? pipeline(res, dec, () => {}) : res,
        localPort: res.socket?.localPort ?? null,
      });
    });
    r.on('error', reject);
    r.end(req.body ?? undefined);
  });
}

await runCalls(opts, CLIENT, send);
agent.destroy();
