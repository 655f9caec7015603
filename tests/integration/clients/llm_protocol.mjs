// Request building, response parsing and the call loop shared by the raw Node
// clients (node_fetch_client.mjs, node_https_client.mjs). It mirrors
// python_urllib_client.py so every client prints the same JSON line per call.
//
// Token fields follow OpenTelemetry GenAI semantics, like the fake server's log:
// input includes cache reads/writes (Anthropic: input + cache_read + cache_creation),
// output includes reasoning (Gemini: candidates + thoughts); null when the response
// carried no usage.

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

// Secret-looking key: tests grep every output for "sk-test-SECRET" to prove it never leaks.
export const API_KEY = 'sk-test-SECRET-' + randomBytes(12).toString('hex');
export const APIS = ['openai-chat', 'openai-responses', 'openai-embeddings', 'anthropic', 'gemini',
  'ollama', 'ollama-generate', 'echo', 'blob'];
const DEFAULT_MODELS = {
  'openai-chat': 'gpt-4o-mini', 'openai-responses': 'gpt-4.1-mini',
  'openai-embeddings': 'text-embedding-3-small', 'anthropic': 'claude-sonnet-4-6',
  'gemini': 'gemini-2.5-flash', 'ollama': 'llama3.2', 'ollama-generate': 'llama3.2',
};

export function parseCli(clientName) {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      api: { type: 'string' },
      stream: { type: 'boolean', default: false },
      count: { type: 'string', default: '1' },
      size: { type: 'string', default: '1024' },
      concurrency: { type: 'string', default: '1' },
      connections: { type: 'string', default: '0' },
      model: { type: 'string' },
      prompt: { type: 'string', default: 'Say hello to the agentprof integration test' },
      tools: { type: 'boolean', default: false },
      'no-include-usage': { type: 'boolean', default: false },
      'gemini-array': { type: 'boolean', default: false },
      header: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values['base-url'] || !APIS.includes(values.api)) {
    process.stderr.write(`usage: ${clientName} --base-url URL --api {${APIS.join('|')}} [--stream] ` +
      '[--count N] [--size BYTES] [--concurrency N] [--connections N] [--tools] [--no-include-usage] ' +
      '[--gemini-array] [--model M] [--prompt TEXT] [--header "Name: value"]...\n' +
      'TLS: set NODE_EXTRA_CA_CERTS to the CA file.\n');
    process.exit(2);
  }
  return {
    baseUrl: values['base-url'].replace(/\/+$/, ''), api: values.api, stream: values.stream,
    count: Number(values.count), size: Number(values.size), concurrency: Math.max(1, Number(values.concurrency)),
    connections: Number(values.connections), model: values.model || DEFAULT_MODELS[values.api],
    prompt: values.prompt, tools: values.tools, includeUsage: !values['no-include-usage'],
    geminiArray: values['gemini-array'], headers: values.header,
  };
}

// Same deterministic pattern as the server's /blob: 16-byte "%015x\n" offset records.
export function blobPattern(length) {
  const records = Math.ceil(length / 16);
  let s = '';
  for (let k = 0; k < records; k++) s += (k * 16).toString(16).padStart(15, '0') + '\n';
  return Buffer.from(s.slice(0, length));
}

// {method, path, headers, body (Buffer|null)} for one call.
export function buildRequest(opts, clientName, index) {
  const { api, model, prompt, tools } = opts;
  const headers = {
    'content-type': 'application/json', 'accept-encoding': 'gzip, deflate, br',
    'user-agent': `agentprof-test-${clientName}/1.0`,
    'x-fake-call-id': `${clientName}-${process.pid}-${index}`,
  };
  for (const h of opts.headers) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const json = (path, body) => ({ method: 'POST', path, headers, body: Buffer.from(JSON.stringify(body)) });
  if (api !== 'anthropic' && api !== 'gemini') headers.authorization = `Bearer ${API_KEY}`;
  if (api === 'openai-chat') {
    const body = { model, messages: [{ role: 'system', content: 'You are terse.' },
      { role: 'user', content: prompt }], stream: opts.stream };
    if (opts.stream && opts.includeUsage) body.stream_options = { include_usage: true };
    if (tools) body.tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    return json('/v1/chat/completions', body);
  }
  if (api === 'openai-responses') {
    const body = { model, instructions: 'You are terse.', input: prompt, stream: opts.stream };
    if (tools) body.tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }];
    return json('/v1/responses', body);
  }
  if (api === 'openai-embeddings') {
    return json('/v1/embeddings', { model, input: [prompt, prompt], encoding_format: 'float' });
  }
  if (api === 'anthropic') {
    headers['x-api-key'] = API_KEY;
    headers['anthropic-version'] = '2023-06-01';
    const body = { model, max_tokens: 1024, system: 'You are terse.',
      messages: [{ role: 'user', content: prompt }], stream: opts.stream };
    if (tools) body.tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }];
    return json('/v1/messages', body);
  }
  if (api === 'gemini') {
    headers['x-goog-api-key'] = API_KEY;
    const method = opts.stream ? 'streamGenerateContent' : 'generateContent';
    const query = opts.stream && !opts.geminiArray ? '?alt=sse' : '';
    const body = { contents: [{ role: 'user', parts: [{ text: prompt }] }],
      systemInstruction: { parts: [{ text: 'You are terse.' }] } };
    if (tools) body.tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather' }] }];
    return json(`/v1beta/models/${model}:${method}${query}`, body);
  }
  if (api === 'ollama') {
    const body = { model, messages: [{ role: 'user', content: prompt }], stream: opts.stream };
    if (tools) body.tools = [{ type: 'function', function: { name: 'get_weather', parameters: {} } }];
    return json('/api/chat', body);
  }
  if (api === 'ollama-generate') return json('/api/generate', { model, prompt, stream: opts.stream });
  if (api === 'echo') {
    headers['content-type'] = 'application/octet-stream';
    return { method: 'POST', path: '/echo', headers, body: blobPattern(opts.size) };
  }
  return { method: 'GET', path: `/blob?size=${opts.size}`, headers, body: null };
}

// Splits an async iterable of byte chunks into lines (without the terminator).
export async function* linesOf(chunks, onBytes) {
  let pending = Buffer.alloc(0);
  for await (const c of chunks) {
    const buf = Buffer.from(c);
    onBytes(buf.length);
    pending = pending.length ? Buffer.concat([pending, buf]) : buf;
    let nl;
    while ((nl = pending.indexOf(10)) >= 0) {
      yield pending.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      pending = pending.subarray(nl + 1);
    }
  }
  if (pending.length) yield pending.toString('utf8').replace(/\r$/, '');
}

// SSE events {event, data} from lines; multi-line data joined with "\n", comments skipped.
export async function* sseEvents(lines) {
  let event = null;
  let data = [];
  for await (const line of lines) {
    if (line === '') {
      if (data.length) yield { event, data: data.join('\n') };
      event = null;
      data = [];
    } else if (!line.startsWith(':')) {
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
  if (data.length) yield { event, data: data.join('\n') };
}

function setUsage(out, input, output, cacheRead = 0, cacheWrite = 0, reasoning = 0) {
  Object.assign(out, { input_tokens: input ?? null, output_tokens: output ?? null,
    cache_read: cacheRead, cache_write: cacheWrite, reasoning });
}

function openaiUsage(out, u) {
  if (u.prompt_tokens !== undefined) {
    setUsage(out, u.prompt_tokens, u.completion_tokens, u.prompt_tokens_details?.cached_tokens ?? 0, 0,
      u.completion_tokens_details?.reasoning_tokens ?? 0);
  } else {
    setUsage(out, u.input_tokens, u.output_tokens, u.input_tokens_details?.cached_tokens ?? 0, 0,
      u.output_tokens_details?.reasoning_tokens ?? 0);
  }
}

function anthropicUsage(out, u) {
  const cr = u.cache_read_input_tokens ?? 0;
  const cw = u.cache_creation_input_tokens ?? 0;
  setUsage(out, (u.input_tokens ?? 0) + cr + cw, u.output_tokens, cr, cw, 0);
}

function geminiChunk(out, obj) {
  if (obj.error) { out.error = obj.error.status || 'error'; return; }
  out.response_id = obj.responseId ?? out.response_id;
  out.model = obj.modelVersion ?? out.model;
  const u = obj.usageMetadata;
  if (u) {
    Object.assign(out, { input_tokens: u.promptTokenCount ?? null, cache_read: u.cachedContentTokenCount ?? 0, cache_write: 0 });
    if (u.candidatesTokenCount !== undefined) {
      const thoughts = u.thoughtsTokenCount ?? 0;
      Object.assign(out, { output_tokens: u.candidatesTokenCount + thoughts, reasoning: thoughts });
    }
  }
  for (const cand of obj.candidates ?? []) {
    if (cand.finishReason) out.done = true;
    for (const part of cand.content?.parts ?? []) if (part.functionCall) out.tool_calls.push(part.functionCall.name);
  }
}

function ollamaObject(out, obj) {
  if (obj.error) { out.error = obj.error; return; }
  out.model = obj.model;
  for (const tc of obj.message?.tool_calls ?? []) out.tool_calls.push(tc.function.name);
  if (obj.done) { setUsage(out, obj.prompt_eval_count, obj.eval_count); out.done = true; }
}

async function parseSse(out, api, lines) {
  for await (const { event, data } of sseEvents(lines)) {
    if (data === '[DONE]') { out.done = true; continue; }
    const obj = JSON.parse(data);
    const kind = obj.type ?? event;
    if (api === 'gemini') { geminiChunk(out, obj); continue; }
    if (api === 'openai-chat') {
      if (obj.error) { out.error = obj.error.type || 'error'; continue; }
      if (obj.id) { out.response_id = obj.id; out.model = obj.model; }
      if (obj.usage) openaiUsage(out, obj.usage);
      for (const ch of obj.choices ?? []) {
        for (const tc of ch.delta?.tool_calls ?? []) if (tc.function?.name) out.tool_calls.push(tc.function.name);
      }
    } else if (api === 'openai-responses') {
      if (['response.created', 'response.completed', 'response.failed', 'response.incomplete'].includes(kind)) {
        out.response_id = obj.response.id;
        out.model = obj.response.model;
        if (obj.response.usage) openaiUsage(out, obj.response.usage);
        if (kind === 'response.failed') out.error = obj.response.error?.code || 'failed';
        out.done = kind === 'response.completed';
      } else if (kind === 'error') {
        out.error = obj.code || 'error';
      } else if (kind === 'response.output_item.done' && obj.item.type === 'function_call') {
        out.tool_calls.push(obj.item.name);
      }
    } else if (api === 'anthropic') {
      if (kind === 'message_start') {
        out.response_id = obj.message.id;
        out.model = obj.message.model;
        anthropicUsage(out, obj.message.usage ?? {});
      } else if (kind === 'message_delta') { // cumulative usage: assign the fields it carries
        const merged = { input_tokens: out.input_tokens - out.cache_read - out.cache_write,
          cache_read_input_tokens: out.cache_read, cache_creation_input_tokens: out.cache_write };
        for (const [k, v] of Object.entries(obj.usage ?? {})) if (v !== null) merged[k] = v;
        anthropicUsage(out, merged);
      } else if (kind === 'content_block_start' && obj.content_block.type === 'tool_use') {
        out.tool_calls.push(obj.content_block.name);
      } else if (kind === 'message_stop') {
        out.done = true;
      } else if (kind === 'error') {
        out.error = obj.error?.type || 'error';
      }
    }
  }
}

function parseFullBody(out, api, text) {
  const obj = JSON.parse(text);
  if (api === 'gemini') {
    for (const item of Array.isArray(obj) ? obj : [obj]) geminiChunk(out, item);
  } else if (api === 'anthropic') {
    out.response_id = obj.id;
    out.model = obj.model;
    anthropicUsage(out, obj.usage ?? {});
    for (const c of obj.content ?? []) if (c.type === 'tool_use') out.tool_calls.push(c.name);
  } else if (api.startsWith('ollama')) {
    ollamaObject(out, obj);
  } else {
    out.response_id = obj.id ?? null;
    out.model = obj.model;
    if (obj.usage) {
      openaiUsage(out, obj.usage);
      if (api === 'openai-embeddings') out.output_tokens = null;
    }
    for (const ch of obj.choices ?? []) for (const tc of ch.message?.tool_calls ?? []) out.tool_calls.push(tc.function.name);
    for (const o of obj.output ?? []) if (o.type === 'function_call') out.tool_calls.push(o.name);
  }
}

function errorKind(api, text) {
  let obj;
  try { obj = JSON.parse(text); } catch { return 'http_error'; }
  const err = obj?.error;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') return api === 'gemini' ? err.status : (err.type || err.code || 'error');
  return 'http_error';
}

// Consumes one response. `res` = {status, header(name), chunks (async iterable of
// decoded bytes), localPort}; t0 = performance.now() when the request started.
export async function consumeResponse(opts, req, res, out, t0) {
  out.status = res.status;
  out.local_port = res.localPort ?? null;
  out.content_encoding = res.header('content-encoding') ?? null;
  out.retry_after = res.header('retry-after') ?? null;
  let first = null;
  const onBytes = (n) => { if (n && first === null) first = performance.now(); out.body_bytes += n; };
  const ctype = res.header('content-type') ?? '';
  // fetch may hide transfer-encoding; a 200 without content-length is the chunked stream.
  const streaming = res.status === 200 && ((res.header('transfer-encoding') ?? '').toLowerCase() === 'chunked' ||
    res.header('content-length') == null);
  try {
    if (streaming && ctype.includes('text/event-stream')) {
      await parseSse(out, opts.api, linesOf(res.chunks, onBytes));
    } else if (streaming && ctype.includes('ndjson')) {
      for await (const line of linesOf(res.chunks, onBytes)) if (line.trim()) ollamaObject(out, JSON.parse(line));
    } else {
      const parts = [];
      for await (const c of res.chunks) { onBytes(c.length); parts.push(Buffer.from(c)); }
      const body = Buffer.concat(parts);
      if (res.status !== 200) out.error = errorKind(opts.api, body.toString('utf8'));
      else if (opts.api === 'echo') { if (!body.equals(req.body)) out.error = 'echo_mismatch'; }
      else if (opts.api === 'blob') { if (!body.equals(blobPattern(opts.size))) out.error = 'blob_mismatch'; }
      else parseFullBody(out, opts.api, body.toString('utf8'));
    }
  } finally {
    if (first !== null) out.ttfb_ms = Math.round((first - t0) * 1000) / 1000;
  }
}

// Runs opts.count calls through `send(req) -> res` with opts.concurrency workers,
// printing one JSON line per call; exits 1 if any call failed.
export async function runCalls(opts, clientName, send) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= opts.count) return;
      const req = buildRequest(opts, clientName, index);
      const out = { client: clientName, api: opts.api, call: index, call_id: req.headers['x-fake-call-id'],
        stream: opts.stream, status: null, ok: false, error: null, response_id: null, model: null,
        input_tokens: null, output_tokens: null, cache_read: null, cache_write: null, reasoning: null,
        tool_calls: [], done: false, content_encoding: null, retry_after: null, ttfb_ms: null,
        duration_ms: null, body_bytes: 0, local_port: null };
      const t0 = performance.now();
      try {
        const res = await send(req);
        await consumeResponse(opts, req, res, out, t0);
      } catch (e) {
        out.error = out.error ?? `client:${e.code || e.name}`;
      }
      out.duration_ms = Math.round((performance.now() - t0) * 1000) / 1000;
      out.ok = out.status === 200 && out.error === null;
      if (!out.ok) failures++;
      process.stdout.write(JSON.stringify(out) + '\n');
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  process.exitCode = failures ? 1 : 0;
}
