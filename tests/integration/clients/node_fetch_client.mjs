#!/usr/bin/node
// Raw Node client using the global fetch (undici, HTTP/1.1, keep-alive by default;
// Node's OpenSSL via SSL_write/SSL_read). Same options and output as
// python_urllib_client.py; see llm_protocol.mjs. TLS trust: NODE_EXTRA_CA_CERTS.
// --connections is not supported: Node 20's global fetch offers no public way to
// size its connection pool, so calls share undici's default keep-alive pool.
import { parseCli, runCalls } from './llm_protocol.mjs';

const CLIENT = 'node_fetch';
const opts = parseCli(CLIENT);

async function send(req) {
  const res = await fetch(opts.baseUrl + req.path, {
    method: req.method, headers: req.headers, body: req.body ?? undefined,
  });
  return {
    status: res.status,
    header: (name) => res.headers.get(name),
    chunks: res.body ?? [],
    localPort: null,
  };
}

await runCalls(opts, CLIENT, send);
