#!/usr/bin/node
// Client built on the official SDKs (versions pinned in package.json; `npm ci` first).
// Both SDKs send through Node's global fetch (undici) with their Stainless headers.
//   --mode openai-chat       client.chat.completions.create (stream: with stream_options.include_usage)
//   --mode openai-responses  client.responses.create
//   --mode anthropic         client.messages.create / client.messages.stream(...).finalMessage()
// Prints one JSON line per call in the same shape as python_urllib_client.py and exits
// 0 if every call succeeded. TLS trust: NODE_EXTRA_CA_CERTS. --max-retries defaults
// to 0 so error tests see exactly one request per call.
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const CLIENT = 'node_sdk';
// Secret-looking key: tests grep every output for "sk-test-SECRET" to prove it never leaks.
const API_KEY = 'sk-test-SECRET-' + randomBytes(12).toString('hex');
const MODES = ['openai-chat', 'openai-responses', 'anthropic'];

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    mode: { type: 'string' },
    stream: { type: 'boolean', default: false },
    count: { type: 'string', default: '1' },
    model: { type: 'string' },
    prompt: { type: 'string', default: 'Say hello to the agentprof integration test' },
    tools: { type: 'boolean', default: false },
    'max-retries': { type: 'string', default: '0' },
    header: { type: 'string', multiple: true, default: [] },
  },
});
if (!values['base-url'] || !MODES.includes(values.mode)) {
  process.stderr.write(`usage: node_sdk_client.mjs --base-url URL --mode {${MODES.join('|')}} [--stream] ` +
    '[--count N] [--tools] [--model M] [--max-retries N] [--header "Name: value"]...\n');
  process.exit(2);
}
const base = values['base-url'].replace(/\/+$/, '');
const extraHeaders = {};
for (const h of values.header) {
  const i = h.indexOf(':');
  if (i > 0) extraHeaders[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
}
const maxRetries = Number(values['max-retries']);
const openai = new OpenAI({ apiKey: API_KEY, baseURL: `${base}/v1`, maxRetries, defaultHeaders: extraHeaders });
const anthropic = new Anthropic({ apiKey: API_KEY, baseURL: base, maxRetries, defaultHeaders: extraHeaders });
const prompt = values.prompt;

function openaiUsage(out, u) {
  if (!u) return;
  if (u.prompt_tokens !== undefined) {
    Object.assign(out, { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens,
      cache_read: u.prompt_tokens_details?.cached_tokens ?? 0, cache_write: 0,
      reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0 });
  } else {
    Object.assign(out, { input_tokens: u.input_tokens, output_tokens: u.output_tokens,
      cache_read: u.input_tokens_details?.cached_tokens ?? 0, cache_write: 0,
      reasoning: u.output_tokens_details?.reasoning_tokens ?? 0 });
  }
}

function anthropicUsage(out, u) {
  const cr = u.cache_read_input_tokens ?? 0;
  const cw = u.cache_creation_input_tokens ?? 0;
  Object.assign(out, { input_tokens: u.input_tokens + cr + cw, output_tokens: u.output_tokens,
    cache_read: cr, cache_write: cw, reasoning: 0 });
}

async function openaiChat(out, reqOpts) {
  const model = values.model ?? 'gpt-4o-mini';
  const params = { model, messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: prompt }] };
  if (values.tools) {
    params.tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  }
  if (!values.stream) {
    const { data, response } = await openai.chat.completions.create(params, reqOpts).withResponse();
    out.first = performance.now(); // non-stream: head and body arrive together after the TTFT delay
    out.status = response.status;
    out.content_encoding = response.headers.get('content-encoding');
    Object.assign(out, { response_id: data.id, model: data.model });
    openaiUsage(out, data.usage);
    for (const tc of data.choices[0]?.message?.tool_calls ?? []) out.tool_calls.push(tc.function.name);
    return;
  }
  const { data: stream, response } = await openai.chat.completions
    .create({ ...params, stream: true, stream_options: { include_usage: true } }, reqOpts).withResponse();
  out.status = response.status;
  for await (const chunk of stream) {
    out.first ??= performance.now();
    if (chunk.id) { out.response_id = chunk.id; out.model = chunk.model; }
    if (chunk.usage) openaiUsage(out, chunk.usage);
    for (const tc of chunk.choices?.[0]?.delta?.tool_calls ?? []) if (tc.function?.name) out.tool_calls.push(tc.function.name);
  }
  out.done = true;
}

async function openaiResponses(out, reqOpts) {
  const params = { model: values.model ?? 'gpt-4.1-mini', instructions: 'You are terse.', input: prompt };
  if (values.tools) params.tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }];
  if (!values.stream) {
    const { data, response } = await openai.responses.create(params, reqOpts).withResponse();
    out.first = performance.now(); // non-stream: head and body arrive together after the TTFT delay
    out.status = response.status;
    out.content_encoding = response.headers.get('content-encoding');
    Object.assign(out, { response_id: data.id, model: data.model });
    openaiUsage(out, data.usage);
    for (const o of data.output ?? []) if (o.type === 'function_call') out.tool_calls.push(o.name);
    return;
  }
  const { data: stream, response } = await openai.responses.create({ ...params, stream: true }, reqOpts).withResponse();
  out.status = response.status;
  for await (const ev of stream) {
    out.first ??= performance.now();
    if (ev.type === 'response.created' || ev.type === 'response.completed' || ev.type === 'response.failed') {
      Object.assign(out, { response_id: ev.response.id, model: ev.response.model });
      openaiUsage(out, ev.response.usage);
      if (ev.type === 'response.failed') out.error = ev.response.error?.code ?? 'failed';
      if (ev.type === 'response.completed') out.done = true;
    } else if (ev.type === 'error') {
      out.error = ev.code ?? 'error';
    } else if (ev.type === 'response.output_item.done' && ev.item.type === 'function_call') {
      out.tool_calls.push(ev.item.name);
    }
  }
}

async function anthropicMessages(out, reqOpts) {
  const params = { model: values.model ?? 'claude-sonnet-4-6', max_tokens: 1024, system: 'You are terse.',
    messages: [{ role: 'user', content: prompt }] };
  if (values.tools) params.tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }];
  if (!values.stream) {
    const { data, response } = await anthropic.messages.create(params, reqOpts).withResponse();
    out.first = performance.now(); // non-stream: head and body arrive together after the TTFT delay
    out.status = response.status;
    out.content_encoding = response.headers.get('content-encoding');
    Object.assign(out, { response_id: data.id, model: data.model });
    anthropicUsage(out, data.usage);
    for (const c of data.content) if (c.type === 'tool_use') out.tool_calls.push(c.name);
    return;
  }
  // The SDK's MessageStream accumulates the events (message_delta usage is cumulative).
  const stream = anthropic.messages.stream(params, reqOpts);
  stream.on('streamEvent', () => { out.first ??= performance.now(); });
  const { response } = await stream.withResponse();
  out.status = response.status;
  const msg = await stream.finalMessage();
  Object.assign(out, { response_id: msg.id, model: msg.model });
  anthropicUsage(out, msg.usage);
  for (const c of msg.content) if (c.type === 'tool_use') out.tool_calls.push(c.name);
  out.done = true;
}

const run = { 'openai-chat': openaiChat, 'openai-responses': openaiResponses, anthropic: anthropicMessages }[values.mode];
let failures = 0;
for (let i = 0; i < Number(values.count); i++) {
  const callId = `${CLIENT}-${process.pid}-${i}`;
  const out = { client: CLIENT, api: values.mode, call: i, call_id: callId, stream: values.stream, status: null,
    ok: false, error: null, response_id: null, model: null, input_tokens: null, output_tokens: null,
    cache_read: null, cache_write: null, reasoning: null, tool_calls: [], done: false, content_encoding: null,
    retry_after: null, ttfb_ms: null, duration_ms: null };
  const t0 = performance.now();
  try {
    await run(out, { headers: { 'x-fake-call-id': callId } });
  } catch (e) {
    // APIError: HTTP errors carry status/headers; mid-stream error events have no status.
    if (e.status) out.status = e.status;
    out.retry_after = e.headers?.get?.('retry-after') ?? null;
    out.error = e.error?.error?.type ?? e.error?.type ?? e.type ?? e.error?.code ?? `client:${e.name}`;
  }
  if (out.first !== undefined) out.ttfb_ms = Math.round((out.first - t0) * 1000) / 1000;
  delete out.first;
  out.duration_ms = Math.round((performance.now() - t0) * 1000) / 1000;
  out.ok = out.status === 200 && out.error === null;
  if (!out.ok) failures++;
  process.stdout.write(JSON.stringify(out) + '\n');
}
process.exitCode = failures ? 1 : 0;
