#!/usr/bin/python3
"""A fake LLM provider for agentprof tests and demos (Python 3.11 stdlib only).

It speaks the wire formats of OpenAI (Chat Completions, Responses, Embeddings,
legacy Completions; also the Azure, OpenRouter and Gemini-OpenAI-compatible
paths), Anthropic Messages, Gemini generateContent / streamGenerateContent and
Ollama /api/chat and /api/generate, over TLS or plaintext HTTP/1.1 with
keep-alive, one thread per connection. Replies are deterministic so tests know
the numbers agentprof must reconstruct from the captured bytes.

Usage:
  fake_llm_server.py [--port 0] [--host 127.0.0.1] [--tls-cert F --tls-key F]
                     [--ttft-ms 0] [--chunk-delay-ms 0] [--chunks 5] [--log FILE]
Prints "LISTENING <port>" on stdout (flushed) once it accepts connections.

Per-request control headers (all optional; values are decimal integers):
  x-fake-ttft-ms         delay between the whole request being received and the
                         first response BODY byte (stream headers go out at once)
  x-fake-chunk-delay-ms  delay between consecutive body chunks of a stream
  x-fake-chunks          number of output chunks N (default 5, 1..100000)
  x-fake-cache-read      cached prompt tokens R_c   (default 0)
  x-fake-cache-write     cache-creation tokens W_c  (default 0, Anthropic only)
  x-fake-reasoning       reasoning tokens T         (default 0; OpenAI chat and
                         responses, Gemini thoughtsTokenCount)
  x-fake-error           an HTTP status (400, 401, 403, 404, 413, 429, 500, 503,
                         529...) -> that status with the provider's error body
                         (429/503/529 carry retry-after); or "midstream" -> a
                         200 stream that sends about half the events and then
                         the provider's mid-stream error event (stream
                         requests only; a non-stream request gets a normal reply)
  x-fake-gzip            "1" / "0": force or forbid gzip of a JSON reply
  x-fake-call-id         opaque id (<=128 printable chars) copied to the log as
                         call_id so tests can match client lines to log lines

Token rules (what the response reports, and what the log records):
  P = prompt words: the number of whitespace-separated words (str.split()) in
      every string found under the request's text-bearing fields, recursively:
      OpenAI chat `messages`, Responses `instructions` + `input`, Embeddings
      `input`, Completions `prompt`, Anthropic `system` + `messages`, Gemini
      `systemInstruction` + `contents`, Ollama `messages` / `system` + `prompt`.
      Inside those, a string counts whole; in a list every element counts; in
      an object only the values of keys "text", "content", "parts", "input"
      and "prompt" count (so role names, ids, images, tool schemas do not).
  The output is N chunks of 3 words each, so output words = 3N.
    OpenAI chat / responses: prompt_tokens = P + R_c, cached_tokens = R_c,
        completion_tokens = 3N + T, reasoning_tokens = T.
    OpenAI completions: prompt_tokens = P, completion_tokens = 3N.
    OpenAI embeddings: prompt_tokens = total_tokens = P (no output tokens).
    Anthropic: input_tokens = P, cache_read_input_tokens = R_c,
        cache_creation_input_tokens = W_c, output_tokens = 3N
        (message_start carries output_tokens 1; message_delta the cumulative 3N).
    Gemini: promptTokenCount = P + R_c, cachedContentTokenCount = R_c (only
        when > 0), candidatesTokenCount = 3N, thoughtsTokenCount = T (only
        when > 0); every stream chunk carries promptTokenCount, only the last
        one candidatesTokenCount.
    Ollama: prompt_eval_count = P, eval_count = 3N.
  With tools in the request the reply calls the FIRST declared tool (OpenAI
  chat/responses: the N chunks become argument fragments instead of text;
  Anthropic: a text block of N deltas then a tool_use block; Gemini: N text
  chunks then a functionCall part; Ollama: N text chunks then tool_calls).

Log (--log FILE): one JSON object per served request, written when the
response ends. Token fields are the values the response put on the wire,
normalised to OpenTelemetry GenAI semantics (input includes cache reads and
writes, output includes reasoning); null when the wire carried no usage (error
replies, OpenAI streams without stream_options.include_usage, a mid-stream
error before the usage event). prompt_words and chunks are the ground truth.
Fields: ts, method, path (query string dropped: it may hold ?key=), api,
provider, model (request), response_model, stream, status, error,
input_tokens, output_tokens, cache_read, cache_write, reasoning,
prompt_words, chunks, request_done_unix_ns, first_body_byte_unix_ns,
response_done_unix_ns, tool_calls [names], response_id, request_id, call_id,
client_port, request_bytes, response_body_bytes, content_encoding,
disconnected. Request headers are never logged (they carry API keys).
"""

import argparse
import base64
import gzip
import http.server
import json
import random
import re
import secrets
import signal
import socket
import ssl
import string
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib

MAX_REQUEST_BODY = 256 * 1024 * 1024
MAX_BLOB_SIZE = 1024 * 1024 * 1024
MAX_CHUNKS = 100000
MAX_DELAY_MS = 600000
IDLE_CONNECTION_TIMEOUT_S = 120
OPENAI_SNAPSHOT_SUFFIX = "-2025-01-01"
TEXT_KEYS = ("text", "content", "parts", "input", "prompt")


class ClientGone(Exception):
    """The peer closed or reset the connection while we were writing."""


class BadRequest(Exception):
    """The request cannot be served; message goes into the provider's error body."""


# ----------------------------------------------------------------------------
# Deterministic content
# ----------------------------------------------------------------------------

def count_words(value):
    """Prompt words under a text-bearing field (see module docstring).
    Iterative, so deeply nested JSON cannot exhaust the Python stack."""
    total, stack = 0, [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v.split())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v[k] for k in TEXT_KEYS if k in v)
    return total


def text_pieces(n):
    """N output chunks of exactly 3 words each; joined they form the reply text."""
    return [("" if i == 0 else " ") + f"lorem{i} ipsum{i} dolor{i}" for i in range(n)]


def tool_arguments(n):
    """JSON arguments of the fake tool call and the same text cut into N fragments
    (as even as possible; fragments are empty only when N exceeds its length)."""
    args = json.dumps({"query": "".join(text_pieces(n))}, separators=(",", ":"))
    k = len(args)
    return args, [args[i * k // n:(i + 1) * k // n] for i in range(n)]


def blob_bytes(offset, length):
    """Bytes [offset, offset+length) of the /blob pattern: 16-byte records
    "%015x\\n" holding their own byte offset, so a reader can tell where any
    captured piece belongs."""
    first = offset // 16
    last = (offset + length + 15) // 16
    data = "".join(f"{k * 16:015x}\n" for k in range(first, last)).encode()
    start = offset - first * 16
    return data[start:start + length]


def rand_alnum(n):
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


# --no-tool-calls: answer with text only, even when tools are declared. Real agents (Claude Code)
# declare many tools and would run the fake calls; tests of such agents switch calls off.
TOOL_CALLS_ENABLED = True


def first_tool_name(tools, api):
    """Name of the first function tool declared in the request, or None."""
    if not TOOL_CALLS_ENABLED or not isinstance(tools, list) or not tools:
        return None
    t = tools[0]
    if not isinstance(t, dict):
        return None
    if api == "gemini":
        decls = t.get("functionDeclarations") or t.get("function_declarations")
        if isinstance(decls, list) and decls and isinstance(decls[0], dict):
            name = decls[0].get("name")
            return name if isinstance(name, str) else None
        return None
    fn = t.get("function")
    name = fn.get("name") if isinstance(fn, dict) else t.get("name")
    return name if isinstance(name, str) and name else None


def accepts_gzip(header_value):
    """True when an Accept-Encoding value allows gzip (honours q=0)."""
    for item in (header_value or "").split(","):
        parts = [p.strip() for p in item.split(";")]
        coding = parts[0].lower()
        if coding not in ("gzip", "*"):
            continue
        q = 1.0
        for p in parts[1:]:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def spaced(obj):
    return json.dumps(obj)


def rfc3339_in(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))


# ----------------------------------------------------------------------------
# Per-request state: parsed knobs, timing, and the log record being built
# ----------------------------------------------------------------------------

class Exchange:
    """One request/response: the control knobs it asked for, the writer that
    applies TTFT and chunk delays, and the log record filled in as bytes go out."""

    def __init__(self, handler, server_cfg, path, query, body, request_done_ns):
        self.h = handler
        self.path = path
        self.query = query
        self.headers = handler.headers
        self.path_params = {}         # named groups of the matched route
        self.stream_endpoint = False  # Gemini :streamGenerateContent
        self.provider_headers = []    # provider-like response headers
        self.ttft_s = self._int_header("x-fake-ttft-ms", server_cfg.ttft_ms, 0, MAX_DELAY_MS) / 1000.0
        self.delay_s = self._int_header("x-fake-chunk-delay-ms", server_cfg.chunk_delay_ms, 0,
                                        MAX_DELAY_MS) / 1000.0
        self.chunks = self._int_header("x-fake-chunks", server_cfg.chunks, 1, MAX_CHUNKS)
        self.cache_read = self._int_header("x-fake-cache-read", 0, 0, 1 << 40)
        self.cache_write = self._int_header("x-fake-cache-write", 0, 0, 1 << 40)
        self.reasoning = self._int_header("x-fake-reasoning", 0, 0, 1 << 40)
        err = (self.headers.get("x-fake-error") or "").strip().lower()
        self.midstream = err == "midstream"
        self.error_status = None
        if err and not self.midstream:
            if not err.isdigit() or not 400 <= int(err) <= 599:
                raise BadRequest(f"x-fake-error must be a 4xx/5xx status or 'midstream', got {err!r}")
            self.error_status = int(err)
        force = (self.headers.get("x-fake-gzip") or "").strip()
        self.gzip_forced = {"1": True, "0": False}.get(force)
        self.client_gzip = accepts_gzip(self.headers.get("accept-encoding"))
        self.request_done_ns = request_done_ns
        self.first_body_ns = None
        self.sent_body_bytes = 0
        self.chunked = False  # set by start_stream
        call_id = self.headers.get("x-fake-call-id") or None
        if call_id is not None and (len(call_id) > 128 or not call_id.isprintable()):
            call_id = None
        self.rec = {
            "ts": time.time(), "method": handler.command, "path": path,
            "api": None, "provider": None, "model": None, "response_model": None,
            "stream": False, "status": None, "error": None,
            "input_tokens": None, "output_tokens": None, "cache_read": None,
            "cache_write": None, "reasoning": None, "prompt_words": None,
            "chunks": self.chunks, "request_done_unix_ns": request_done_ns,
            "first_body_byte_unix_ns": None, "response_done_unix_ns": None,
            "tool_calls": [], "response_id": None, "request_id": None,
            "call_id": call_id, "client_port": handler.client_address[1],
            "request_bytes": len(body), "response_body_bytes": 0,
            "content_encoding": None, "disconnected": False,
        }

    def _int_header(self, name, default, lo, hi):
        raw = self.headers.get(name)
        if raw is None:
            return default
        raw = raw.strip()
        if not raw.isdigit():
            raise BadRequest(f"{name} must be a non-negative integer")
        return max(lo, min(hi, int(raw)))

    def saw_usage(self, **fields):
        """Record token counts as they appear on the wire (semconv-normalised)."""
        self.rec.update(fields)

    # -- writing ---------------------------------------------------------------

    def _raw_write(self, data):
        try:
            self.h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                ssl.SSLError, socket.timeout, OSError) as e:
            raise ClientGone(str(e)) from e

    def _before_body_byte(self):
        """Sleep TTFT before the first body byte, the chunk delay before later ones."""
        if self.first_body_ns is None:
            remaining = self.ttft_s - (time.time_ns() - self.request_done_ns) / 1e9
            if remaining > 0:
                time.sleep(remaining)
        elif self.delay_s > 0:
            time.sleep(self.delay_s)

    def _mark_first_byte(self):
        if self.first_body_ns is None:
            self.first_body_ns = time.time_ns()
            self.rec["first_body_byte_unix_ns"] = self.first_body_ns

    def send_full(self, status, body, content_type, headers=(), allow_gzip=True):
        """A complete (content-length) reply; JSON replies get gzip when allowed."""
        self._before_body_byte()
        use_gzip = allow_gzip and self.client_gzip
        if self.gzip_forced is not None:
            use_gzip = self.gzip_forced
        if use_gzip:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            self.rec["content_encoding"] = "gzip"
        self.rec["status"] = status
        head = self.head_bytes(status, headers, [("Content-Type", content_type),
                                            ("Content-Length", str(len(body)))]
                          + ([("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
                             if use_gzip else []))
        self._mark_first_byte()
        self._raw_write(head + body)
        self.sent_body_bytes += len(body)

    def send_json(self, status, obj, headers=(), style=compact, allow_gzip=True):
        self.send_full(status, style(obj).encode(), "application/json", headers, allow_gzip)

    def start_stream(self, status, content_type, headers=()):
        """Send the head of a chunked stream at once; body bytes follow per event.
        HTTP/1.0 clients cannot read chunked framing: they get a close-delimited body."""
        self.rec["status"] = status
        self.chunked = self.h.request_version != "HTTP/1.0"
        if not self.chunked:
            self.h.close_connection = True
        framing = [("Content-Type", content_type)]
        if self.chunked:
            framing.append(("Transfer-Encoding", "chunked"))
        self._raw_write(self.head_bytes(status, headers, framing))

    def chunk(self, data):
        """One HTTP chunk, flushed on its own (one write per event)."""
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        self._before_body_byte()
        self._mark_first_byte()
        self._raw_write(b"%x\r\n" % len(data) + data + b"\r\n" if self.chunked else data)
        self.sent_body_bytes += len(data)

    def end_stream(self):
        if self.chunked:
            self._raw_write(b"0\r\n\r\n")

    def head_bytes(self, status, headers, framing):
        reason = http.server.BaseHTTPRequestHandler.responses.get(status, ("Status",))[0]
        lines = [f"HTTP/1.1 {status} {reason}",
                 "Date: " + self.h.date_time_string(),
                 "Server: fake-llm"]
        for k, v in list(framing) + list(headers):
            lines.append(f"{k}: {v}")
        if self.h.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# ----------------------------------------------------------------------------
# Provider response headers and error bodies
# ----------------------------------------------------------------------------

def openai_headers(ex, request_id):
    return [("x-request-id", request_id),
            ("openai-version", "2020-10-01"),
            ("openai-organization", "org-fake"),
            ("openai-processing-ms", str(random.randint(20, 400))),
            ("x-ratelimit-limit-requests", "10000"),
            ("x-ratelimit-remaining-requests", "9999"),
            ("x-ratelimit-reset-requests", "6ms"),
            ("x-ratelimit-limit-tokens", "30000000"),
            ("x-ratelimit-remaining-tokens", "29999000"),
            ("x-ratelimit-reset-tokens", "0s")]


def anthropic_headers(ex, request_id):
    hdrs = [("request-id", request_id),
            ("anthropic-organization-id", str(uuid.UUID(int=0xFACE))),
            ("via", "1.1 google")]
    for kind, limit in (("requests", 4000), ("tokens", 2000000),
                        ("input-tokens", 1600000), ("output-tokens", 400000)):
        hdrs += [(f"anthropic-ratelimit-{kind}-limit", str(limit)),
                 (f"anthropic-ratelimit-{kind}-remaining", str(limit - 1)),
                 (f"anthropic-ratelimit-{kind}-reset", rfc3339_in(1))]
    return hdrs


def gemini_headers(ex, request_id):
    return [("vary", "Origin, X-Origin, Referer"),
            ("server-timing", f"gfet4t7; dur={random.randint(50, 900)}")]


def no_headers(ex, request_id):
    return []


RETRYABLE = {429: "1", 503: "2", 529: "2"}


def error_reply(ex, family, status, message):
    """The provider's real error body for `status` (non-stream JSON)."""
    headers = list(ex.provider_headers)
    if status in RETRYABLE:
        headers += [("retry-after", RETRYABLE[status]),
                    ("retry-after-ms", str(int(RETRYABLE[status]) * 1000))]
    if family == "openai":
        kinds = {400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
                 403: ("invalid_request_error", "unsupported_country_region_territory"),
                 404: ("invalid_request_error", "model_not_found"), 413: ("invalid_request_error", None),
                 429: ("requests", "rate_limit_exceeded"), 500: ("server_error", None),
                 503: ("server_error", "service_unavailable")}
        etype, code = kinds.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
        body = {"error": {"message": message, "type": etype, "param": None, "code": code}}
    elif family == "anthropic":
        kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                 500: "api_error", 529: "overloaded_error"}
        etype = kinds.get(status, "api_error" if status >= 500 else "invalid_request_error")
        body = {"type": "error", "error": {"type": etype, "message": message},
                "request_id": ex.rec["request_id"]}
    elif family == "gemini":
        kinds = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}
        body = {"error": {"code": status, "message": message,
                          "status": kinds.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")}}
        if status == 429:
            body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                         "retryDelay": "1s"}]
    else:  # ollama and utilities
        body = {"error": message}
    ex.rec["error"] = str(status)
    ex.send_json(status, body, headers, style=spaced if family == "gemini" else compact,
                 allow_gzip=family != "ollama")


# ----------------------------------------------------------------------------
# OpenAI
# ----------------------------------------------------------------------------

def openai_model(ex, body, fallback=None):
    model = body.get("model") if isinstance(body.get("model"), str) else fallback
    if not model:
        raise BadRequest("you must provide a model parameter")
    ex.rec["model"] = model
    # OpenAI (and Azure) answer with a dated snapshot name; gateways echo the request model.
    dated = ex.rec["provider"] in ("openai", "azure")
    resp_model = model + OPENAI_SNAPSHOT_SUFFIX if dated else model
    ex.rec["response_model"] = resp_model
    return resp_model


def obfuscation():
    return rand_alnum(random.randint(1, 12))


def openai_chat(ex, body):
    fallback = ex.path_params.get("deployment")
    model = openai_model(ex, body, fallback)
    words = count_words(body.get("messages"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    tool = first_tool_name(body.get("tools"), "openai")
    rid = "chatcmpl-" + rand_alnum(29)
    ex.rec["response_id"] = rid
    created = int(time.time())
    fingerprint = "fp_fake0001"
    prompt = words + ex.cache_read
    completion = 3 * n + ex.reasoning
    usage = {"prompt_tokens": prompt, "completion_tokens": completion,
             "total_tokens": prompt + completion,
             "prompt_tokens_details": {"cached_tokens": ex.cache_read, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": ex.reasoning, "audio_tokens": 0,
                                           "accepted_prediction_tokens": 0,
                                           "rejected_prediction_tokens": 0}}
    if ex.rec["provider"] == "openrouter":
        usage["cost"] = round((prompt * 2.5 + completion * 10) / 1e6, 8)
    call_id = "call_" + rand_alnum(24)
    args, frags = tool_arguments(n) if tool else (None, None)
    finish = "tool_calls" if tool else "stop"
    if tool:
        ex.rec["tool_calls"] = [tool]

    if not body.get("stream"):
        message = {"role": "assistant", "content": None if tool else "".join(text_pieces(n)),
                   "refusal": None, "annotations": []}
        if tool:
            message["tool_calls"] = [{"id": call_id, "type": "function",
                                      "function": {"name": tool, "arguments": args}}]
        ex.saw_usage(input_tokens=prompt, output_tokens=completion, cache_read=ex.cache_read,
                     cache_write=0, reasoning=ex.reasoning)
        ex.send_json(200, {"id": rid, "object": "chat.completion", "created": created, "model": model,
                           "choices": [{"index": 0, "message": message, "logprobs": None,
                                        "finish_reason": finish}],
                           "usage": usage, "service_tier": "default",
                           "system_fingerprint": fingerprint}, ex.provider_headers)
        return

    ex.rec["stream"] = True
    opts = body.get("stream_options")
    include_usage = isinstance(opts, dict) and opts.get("include_usage") is True

    def chunk(delta, finish_reason=None, choices=None):
        obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
               "service_tier": "default", "system_fingerprint": fingerprint,
               "choices": choices if choices is not None else
               [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        if include_usage:
            obj["usage"] = None
        obj["obfuscation"] = obfuscation()
        return "data: " + compact(obj) + "\n\n"

    ex.start_stream(200, "text/event-stream; charset=utf-8", ex.provider_headers)
    if ex.rec["provider"] == "openrouter":
        ex.chunk(": OPENROUTER PROCESSING\n\n")
    if ex.rec["provider"] == "azure":  # Azure opens with a filter-only chunk: empty id and model
        ex.chunk("data: " + compact({"choices": [], "created": 0, "id": "", "model": "", "object": "",
                                     "prompt_filter_results": [{"prompt_index": 0,
                                                                "content_filter_results": {}}]}) + "\n\n")
    first = {"role": "assistant", "content": None if tool else "", "refusal": None}
    if tool:
        first["tool_calls"] = [{"index": 0, "id": call_id, "type": "function",
                                "function": {"name": tool, "arguments": ""}}]
    ex.chunk(chunk(first))
    pieces = frags if tool else text_pieces(n)
    stop_at = max(1, n // 2) if ex.midstream else n
    for piece in pieces[:stop_at]:
        if tool:
            ex.chunk(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        else:
            ex.chunk(chunk({"content": piece}))
    if ex.midstream:
        ex.rec["error"] = "midstream"
        ex.chunk("data: " + compact({"error": {"message": "The server had an error while processing "
                                               "your request. Sorry about that!", "type": "server_error",
                                               "param": None, "code": None}}) + "\n\n")
        ex.end_stream()
        return
    ex.chunk(chunk({}, finish))
    if include_usage:
        ex.saw_usage(input_tokens=prompt, output_tokens=completion, cache_read=ex.cache_read,
                     cache_write=0, reasoning=ex.reasoning)
        obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
               "service_tier": "default", "system_fingerprint": fingerprint, "choices": [],
               "usage": usage, "obfuscation": obfuscation()}
        ex.chunk("data: " + compact(obj) + "\n\n")
    ex.chunk("data: [DONE]\n\n")
    ex.end_stream()


def openai_responses(ex, body):
    model = openai_model(ex, body)
    words = count_words(body.get("instructions")) + count_words(body.get("input"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    tool = first_tool_name(body.get("tools"), "openai")
    rid = "resp_" + secrets.token_hex(24)
    ex.rec["response_id"] = rid
    created = int(time.time())
    prompt = words + ex.cache_read
    completion = 3 * n + ex.reasoning
    usage = {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": ex.cache_read},
             "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": ex.reasoning},
             "total_tokens": prompt + completion}
    item_id = ("fc_" if tool else "msg_") + secrets.token_hex(24)
    text = "".join(text_pieces(n))
    if tool:
        ex.rec["tool_calls"] = [tool]
        args, frags = tool_arguments(n)
        call_id = "call_" + rand_alnum(24)
        done_item = {"id": item_id, "type": "function_call", "status": "completed",
                     "arguments": args, "call_id": call_id, "name": tool}
    else:
        done_item = {"id": item_id, "type": "message", "status": "completed", "role": "assistant",
                     "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]}

    def response(status, output, usage_value):
        return {"id": rid, "object": "response", "created_at": created, "status": status,
                "background": False, "error": None, "incomplete_details": None,
                "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
                "model": model, "output": output, "parallel_tool_calls": True,
                "previous_response_id": body.get("previous_response_id"),
                "reasoning": {"effort": None, "summary": None}, "service_tier": "default",
                "store": True, "temperature": 1.0, "text": {"format": {"type": "text"}},
                "tool_choice": "auto", "tools": body.get("tools") or [], "top_p": 1.0,
                "truncation": "disabled", "usage": usage_value, "user": None, "metadata": {}}

    if not body.get("stream"):
        ex.saw_usage(input_tokens=prompt, output_tokens=completion, cache_read=ex.cache_read,
                     cache_write=0, reasoning=ex.reasoning)
        ex.send_json(200, response("completed", [done_item], usage), ex.provider_headers, style=spaced)
        return

    ex.rec["stream"] = True
    seq = [0]

    def event(etype, **fields):
        obj = {"type": etype, "sequence_number": seq[0]}
        obj.update(fields)
        seq[0] += 1
        ex.chunk(f"event: {etype}\ndata: {compact(obj)}\n\n")

    ex.start_stream(200, "text/event-stream; charset=utf-8", ex.provider_headers)
    event("response.created", response=response("in_progress", [], None))
    event("response.in_progress", response=response("in_progress", [], None))
    stop_at = max(1, n // 2) if ex.midstream else n
    if tool:
        event("response.output_item.added", output_index=0,
              item=dict(done_item, status="in_progress", arguments=""))
        for frag in frags[:stop_at]:
            event("response.function_call_arguments.delta", item_id=item_id, output_index=0,
                  delta=frag, obfuscation=obfuscation())
    else:
        event("response.output_item.added", output_index=0,
              item={"id": item_id, "type": "message", "status": "in_progress", "role": "assistant",
                    "content": []})
        event("response.content_part.added", item_id=item_id, output_index=0, content_index=0,
              part={"type": "output_text", "annotations": [], "logprobs": [], "text": ""})
        for piece in text_pieces(n)[:stop_at]:
            event("response.output_text.delta", item_id=item_id, output_index=0, content_index=0,
                  delta=piece, logprobs=[], obfuscation=obfuscation())
    if ex.midstream:
        ex.rec["error"] = "midstream"
        event("error", code="server_error", message="The server had an error while processing "
              "your request.", param=None)
        failed = response("failed", [], None)
        failed["error"] = {"code": "server_error", "message": "The server had an error."}
        event("response.failed", response=failed)
        ex.end_stream()
        return
    if tool:
        event("response.function_call_arguments.done", item_id=item_id, output_index=0, arguments=args)
    else:
        event("response.output_text.done", item_id=item_id, output_index=0, content_index=0,
              text=text, logprobs=[])
        event("response.content_part.done", item_id=item_id, output_index=0, content_index=0,
              part=done_item["content"][0])
    event("response.output_item.done", output_index=0, item=done_item)
    ex.saw_usage(input_tokens=prompt, output_tokens=completion, cache_read=ex.cache_read,
                 cache_write=0, reasoning=ex.reasoning)
    event("response.completed", response=response("completed", [done_item], usage))
    ex.end_stream()


def openai_embeddings(ex, body):
    model = openai_model(ex, body)
    inp = body.get("input")
    words = count_words(inp)
    ex.rec["prompt_words"] = words
    items = inp if isinstance(inp, list) and not all(isinstance(x, int) for x in inp) else [inp]
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for i in range(len(items)):
        vec = [round(((i * 7 + k * 13) % 97) / 97.0 - 0.5, 6) for k in range(8)]
        if as_base64:
            emb = base64.b64encode(struct.pack("<8f", *vec)).decode()
        else:
            emb = vec
        data.append({"object": "embedding", "index": i, "embedding": emb})
    ex.saw_usage(input_tokens=words, output_tokens=None, cache_read=0, cache_write=0, reasoning=0)
    ex.send_json(200, {"object": "list", "data": data, "model": model,
                       "usage": {"prompt_tokens": words, "total_tokens": words}}, ex.provider_headers)


def openai_completions(ex, body):
    model = openai_model(ex, body)
    words = count_words(body.get("prompt"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    rid = "cmpl-" + rand_alnum(29)
    ex.rec["response_id"] = rid
    created = int(time.time())
    usage = {"prompt_tokens": words, "completion_tokens": 3 * n, "total_tokens": words + 3 * n}
    if not body.get("stream"):
        ex.saw_usage(input_tokens=words, output_tokens=3 * n, cache_read=0, cache_write=0, reasoning=0)
        ex.send_json(200, {"id": rid, "object": "text_completion", "created": created, "model": model,
                           "choices": [{"text": "".join(text_pieces(n)), "index": 0, "logprobs": None,
                                        "finish_reason": "stop"}], "usage": usage}, ex.provider_headers)
        return
    ex.rec["stream"] = True
    opts = body.get("stream_options")
    include_usage = isinstance(opts, dict) and opts.get("include_usage") is True
    ex.start_stream(200, "text/event-stream; charset=utf-8", ex.provider_headers)
    stop_at = max(1, n // 2) if ex.midstream else n
    pieces = text_pieces(n)
    for i, piece in enumerate(pieces[:stop_at]):
        fin = "stop" if i == n - 1 else None
        ex.chunk("data: " + compact({"id": rid, "object": "text_completion", "created": created,
                                     "model": model, "choices": [{"text": piece, "index": 0, "logprobs": None,
                                                                  "finish_reason": fin}]}) + "\n\n")
    if ex.midstream:
        ex.rec["error"] = "midstream"
        ex.chunk("data: " + compact({"error": {"message": "server error", "type": "server_error",
                                               "param": None, "code": None}}) + "\n\n")
        ex.end_stream()
        return
    if include_usage:
        ex.saw_usage(input_tokens=words, output_tokens=3 * n, cache_read=0, cache_write=0, reasoning=0)
        ex.chunk("data: " + compact({"id": rid, "object": "text_completion", "created": created,
                                     "model": model, "choices": [], "usage": usage}) + "\n\n")
    ex.chunk("data: [DONE]\n\n")
    ex.end_stream()


# ----------------------------------------------------------------------------
# Anthropic
# ----------------------------------------------------------------------------

def anthropic_messages(ex, body):
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("model: Field required")
    ex.rec["model"] = ex.rec["response_model"] = model
    words = count_words(body.get("system")) + count_words(body.get("messages"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    tool = first_tool_name(body.get("tools"), "anthropic")
    rid = "msg_01" + rand_alnum(22)
    ex.rec["response_id"] = rid
    text = "".join(text_pieces(n))
    total_in = words + ex.cache_read + ex.cache_write
    tool_id = "toolu_01" + rand_alnum(22)
    args, frags = tool_arguments(2) if tool else (None, None)
    stop_reason = "tool_use" if tool else "end_turn"
    if tool:
        ex.rec["tool_calls"] = [tool]

    def usage(output):
        return {"input_tokens": words, "cache_creation_input_tokens": ex.cache_write,
                "cache_read_input_tokens": ex.cache_read,
                "cache_creation": {"ephemeral_5m_input_tokens": ex.cache_write, "ephemeral_1h_input_tokens": 0},
                "output_tokens": output, "service_tier": "standard"}

    if not body.get("stream"):
        content = [{"type": "text", "text": text}]
        if tool:
            content.append({"type": "tool_use", "id": tool_id, "name": tool, "input": json.loads(args)})
        ex.saw_usage(input_tokens=total_in, output_tokens=3 * n, cache_read=ex.cache_read,
                     cache_write=ex.cache_write, reasoning=0)
        ex.send_json(200, {"id": rid, "type": "message", "role": "assistant", "model": model,
                           "content": content, "stop_reason": stop_reason, "stop_sequence": None,
                           "usage": usage(3 * n)}, ex.provider_headers)
        return

    ex.rec["stream"] = True

    def event(etype, obj):
        ex.chunk(f"event: {etype}\ndata: {compact(obj)}\n\n")

    ex.start_stream(200, "text/event-stream; charset=utf-8", ex.provider_headers
                    + [("Cache-Control", "no-cache")])
    ex.saw_usage(input_tokens=total_in, output_tokens=1, cache_read=ex.cache_read,
                 cache_write=ex.cache_write, reasoning=0)
    event("message_start", {"type": "message_start", "message": {
        "id": rid, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage(1)}})
    event("content_block_start", {"type": "content_block_start", "index": 0,
                                  "content_block": {"type": "text", "text": ""}})
    event("ping", {"type": "ping"})
    stop_at = max(1, n // 2) if ex.midstream else n
    for piece in text_pieces(n)[:stop_at]:
        event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                      "delta": {"type": "text_delta", "text": piece}})
    if ex.midstream:
        ex.rec["error"] = "midstream"
        event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                        "request_id": ex.rec["request_id"]})
        ex.end_stream()
        return
    event("content_block_stop", {"type": "content_block_stop", "index": 0})
    if tool:
        event("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
            "type": "tool_use", "id": tool_id, "name": tool, "input": {}}})
        event("content_block_delta", {"type": "content_block_delta", "index": 1,
                                      "delta": {"type": "input_json_delta", "partial_json": ""}})
        for frag in frags:
            event("content_block_delta", {"type": "content_block_delta", "index": 1,
                                          "delta": {"type": "input_json_delta", "partial_json": frag}})
        event("content_block_stop", {"type": "content_block_stop", "index": 1})
    ex.saw_usage(input_tokens=total_in, output_tokens=3 * n, cache_read=ex.cache_read,
                 cache_write=ex.cache_write, reasoning=0)
    event("message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                            "usage": {"input_tokens": words, "cache_creation_input_tokens": ex.cache_write,
                                      "cache_read_input_tokens": ex.cache_read, "output_tokens": 3 * n}})
    event("message_stop", {"type": "message_stop"})
    ex.end_stream()


# ----------------------------------------------------------------------------
# Gemini
# ----------------------------------------------------------------------------

def gemini_generate(ex, body):
    model = ex.path_params["model"]
    ex.rec["model"] = ex.rec["response_model"] = model
    words = count_words(body.get("systemInstruction") or body.get("system_instruction")) \
        + count_words(body.get("contents"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    tool = first_tool_name(body.get("tools"), "gemini")
    rid = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
    ex.rec["response_id"] = rid
    prompt = words + ex.cache_read
    if tool:
        ex.rec["tool_calls"] = [tool]

    def usage(final):
        u = {"promptTokenCount": prompt}
        if final:
            u["candidatesTokenCount"] = 3 * n
        u["totalTokenCount"] = prompt + (3 * n + ex.reasoning if final else 0)
        if ex.cache_read:
            u["cachedContentTokenCount"] = ex.cache_read
        u["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
        if final and ex.reasoning:
            u["thoughtsTokenCount"] = ex.reasoning
        return u

    def response(parts, final):
        cand = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if final:
            cand["finishReason"] = "STOP"
        return {"candidates": [cand], "usageMetadata": usage(final), "modelVersion": model,
                "responseId": rid}

    def final_usage():
        ex.saw_usage(input_tokens=prompt, output_tokens=3 * n + ex.reasoning, cache_read=ex.cache_read,
                     cache_write=0, reasoning=ex.reasoning)

    call_part = {"functionCall": {"name": tool, "args": json.loads(tool_arguments(1)[0])}} if tool else None
    if not ex.stream_endpoint:
        parts = [{"text": "".join(text_pieces(n))}] + ([call_part] if tool else [])
        final_usage()
        ex.send_json(200, response(parts, True), ex.provider_headers, style=spaced)
        return

    ex.rec["stream"] = True
    sse = ex.query.get("alt", [""])[0] == "sse"
    ex.start_stream(200, "text/event-stream" if sse else "application/json; charset=UTF-8",
                    ex.provider_headers)
    pieces = text_pieces(n)
    stop_at = max(1, n // 2) if ex.midstream else n
    error_body = {"error": {"code": 503, "message": "The model is overloaded. Please try again later.",
                            "status": "UNAVAILABLE"}}
    for i, piece in enumerate(pieces[:stop_at]):
        final = i == n - 1 and not ex.midstream
        parts = [{"text": piece}] + ([call_part] if final and tool else [])
        if final:
            final_usage()
        else:
            ex.saw_usage(input_tokens=prompt, cache_read=ex.cache_read, cache_write=0)
        obj = response(parts, final)
        if sse:
            ex.chunk("data: " + spaced(obj) + "\r\n\r\n")
        else:  # one growing JSON array, one element per body chunk, pretty-printed like Google does
            ex.chunk(("[" if i == 0 else ",\r\n") + json.dumps(obj, indent=2))
    if ex.midstream:
        ex.rec["error"] = "midstream"
        ex.chunk("data: " + spaced(error_body) + "\r\n\r\n" if sse else ",\r\n" + json.dumps(error_body, indent=2))
    if not sse:
        ex.chunk("]")
    ex.end_stream()


# ----------------------------------------------------------------------------
# Ollama
# ----------------------------------------------------------------------------

def ollama_common(ex, body, generate):
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("model is required")
    ex.rec["model"] = ex.rec["response_model"] = model
    if generate:
        words = count_words(body.get("system")) + count_words(body.get("prompt"))
    else:
        words = count_words(body.get("messages"))
    ex.rec["prompt_words"] = words
    n = ex.chunks
    tool = None if generate else first_tool_name(body.get("tools"), "ollama")
    if tool:
        ex.rec["tool_calls"] = [tool]
    stream = body.get("stream", True) is not False
    created = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())

    def obj(content, done, tool_calls=None):
        o = {"model": model, "created_at": created}
        if generate:
            o["response"] = content
        else:
            o["message"] = {"role": "assistant", "content": content}
            if tool_calls:
                o["message"]["tool_calls"] = tool_calls
        o["done"] = done
        if done:
            o.update({"done_reason": "stop", "total_duration": 1234567890, "load_duration": 12345678,
                      "prompt_eval_count": words, "prompt_eval_duration": 23456789,
                      "eval_count": 3 * n, "eval_duration": 987654321})
            if generate:
                o["context"] = list(range(1, 9))
        return o

    calls = [{"function": {"name": tool, "arguments": json.loads(tool_arguments(1)[0])}}] if tool else None
    if not stream:
        o = obj("".join(text_pieces(n)), True, calls)
        ex.saw_usage(input_tokens=words, output_tokens=3 * n, cache_read=0, cache_write=0, reasoning=0)
        ex.send_json(200, o, allow_gzip=False)
        return
    ex.rec["stream"] = True
    ex.start_stream(200, "application/x-ndjson")
    stop_at = max(1, n // 2) if ex.midstream else n
    for piece in text_pieces(n)[:stop_at]:
        ex.chunk(compact(obj(piece, False)) + "\n")
    if ex.midstream:
        ex.rec["error"] = "midstream"
        ex.chunk(compact({"error": "an error was encountered while running the model"}) + "\n")
        ex.end_stream()
        return
    if calls:
        ex.chunk(compact(obj("", False, calls)) + "\n")
    ex.saw_usage(input_tokens=words, output_tokens=3 * n, cache_read=0, cache_write=0, reasoning=0)
    ex.chunk(compact(obj("", True)) + "\n")
    ex.end_stream()


def ollama_chat(ex, body):
    ollama_common(ex, body, generate=False)


def ollama_generate(ex, body):
    ollama_common(ex, body, generate=True)


# ----------------------------------------------------------------------------
# Utility endpoints for capture tests
# ----------------------------------------------------------------------------

def echo(ex, raw_body):
    ex.send_full(200, raw_body, "application/octet-stream", allow_gzip=False)


def blob(ex, _raw_body):
    raw = ex.query.get("size", ["0"])[0]
    if not raw.isdigit() or int(raw) > MAX_BLOB_SIZE:
        raise BadRequest(f"size must be an integer in [0, {MAX_BLOB_SIZE}]")
    size = int(raw)
    ex.rec["status"] = 200
    head = ex.head_bytes(200, [], [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
    ex._before_body_byte()
    ex._raw_write(head)
    offset = 0
    while offset < size:  # stream in slices: memory stays bounded for any size
        piece = blob_bytes(offset, min(65536, size - offset))
        ex._mark_first_byte()
        ex._raw_write(piece)
        offset += len(piece)
        ex.sent_body_bytes = offset


# ----------------------------------------------------------------------------
# Routing and the HTTP handler
# ----------------------------------------------------------------------------

# (method, path regex, api name for the log, provider, family for headers and errors, handler)
ROUTES = [
    ("POST", r"/v1/chat/completions", "openai.chat", "openai", "openai", openai_chat),
    ("POST", r"/openai/deployments/(?P<deployment>[^/]+)/chat/completions", "openai.chat", "azure",
     "openai", openai_chat),
    ("POST", r"/api/v1/chat/completions", "openai.chat", "openrouter", "openai", openai_chat),
    ("POST", r"/v1beta/openai/chat/completions", "openai.chat", "gemini", "openai", openai_chat),
    ("POST", r"/v1/responses", "openai.responses", "openai", "openai", openai_responses),
    ("POST", r"/v1/embeddings", "openai.embeddings", "openai", "openai", openai_embeddings),
    ("POST", r"/v1/completions", "openai.completions", "openai", "openai", openai_completions),
    ("POST", r"/v1/messages", "anthropic.messages", "anthropic", "anthropic", anthropic_messages),
    ("POST", r"/(?:v1|v1beta|v1beta1)/(?:projects/[^/]+/locations/[^/]+/publishers/google/)?"
     r"models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)",
     "gemini.generate_content", "gemini", "gemini", gemini_generate),
    ("POST", r"/api/chat", "ollama.chat", "ollama", "ollama", ollama_chat),
    ("POST", r"/api/generate", "ollama.generate", "ollama", "ollama", ollama_generate),
    ("POST", r"/echo", "echo", None, "utility", echo),
    ("GET", r"/blob", "blob", None, "utility", blob),
]
COMPILED_ROUTES = [(m, re.compile(p + r"\Z"), a, pr, f, fn) for m, p, a, pr, f, fn in ROUTES]
FAMILY_HEADERS = {"openai": openai_headers, "anthropic": anthropic_headers, "gemini": gemini_headers,
                  "ollama": no_headers, "utility": no_headers}


class RequestLog:
    """Thread-safe JSON-lines writer; one flushed line per request."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8") if path else None

    def write(self, rec):
        if self.file is None:
            return
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with self.lock:
            self.file.write(line)
            self.file.flush()


class FakeLLMHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_S

    def log_message(self, fmt, *args):  # the default logs the request line, which may hold ?key=
        if self.server.cfg.verbose:
            sys.stderr.write("fake-llm: %s %s\n" % (self.command, self.path.split("?")[0]))

    def quick_ack(self):
        """ACK at once instead of delaying: a client that writes head and body in two segments
        with Nagle on would otherwise stall up to 40 ms, as real provider front ends do not."""
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except (OSError, AttributeError):
            pass

    def handle_one_request(self):
        self.quick_ack()
        return super().handle_one_request()

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def read_body(self):
        """The request body (content-length or chunked, gzip-decoded if sent so)."""
        self.quick_ack()
        te = (self.headers.get("transfer-encoding") or "").lower()
        if "chunked" in te:
            parts, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size < 0:
                    raise BadRequest("negative chunk size")
                if size == 0:
                    while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_REQUEST_BODY:
                    raise BadRequest("request too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)
            body = b"".join(parts)
        else:
            length = int(self.headers.get("content-length") or 0)
            if length < 0 or length > MAX_REQUEST_BODY:
                raise BadRequest("request too large")
            body = self.rfile.read(length)
            if len(body) != length:
                raise ClientGone("short request body")
        if (self.headers.get("content-encoding") or "").lower() == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # bounded: no gzip bombs
            body = inflater.decompress(body, MAX_REQUEST_BODY + 1)
            if len(body) > MAX_REQUEST_BODY or not inflater.eof:
                raise BadRequest("gzip request body too large or truncated")
        return body

    def dispatch(self):
        cfg = self.server.cfg
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        route = None
        for method, rx, api, provider, family, fn in COMPILED_ROUTES:
            m = rx.match(path)
            if m and method == self.command:
                route = (m, api, provider, family, fn)
                break
        try:
            raw = self.read_body()
        except (ValueError, BadRequest, OSError, EOFError, ClientGone, zlib.error):
            self.close_connection = True
            self.send_error(400, "bad request body")
            return
        done_ns = time.time_ns()
        ex = None
        try:
            ex = Exchange(self, cfg, path, query, raw, done_ns)
            if route is None:
                ex.rec["api"] = "unknown"
                error_reply(ex, "utility", 404, f"no route for {self.command} {path}")
                return
            m, api, provider, family, fn = route
            ex.path_params = m.groupdict()
            ex.stream_endpoint = ex.path_params.get("method") == "streamGenerateContent"
            ex.rec.update(api=api, provider=provider)
            request_id = ("req_" + secrets.token_hex(12)) if family in ("openai", "anthropic") else None
            ex.rec["request_id"] = request_id
            ex.provider_headers = FAMILY_HEADERS[family](ex, request_id)
            if family == "utility":
                if ex.error_status:
                    error_reply(ex, family, ex.error_status, "fake error")
                else:
                    fn(ex, raw)
                return
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                raise BadRequest("request body is not valid JSON")
            if not isinstance(body, dict):
                raise BadRequest("request body must be a JSON object")
            if ex.error_status:
                ex.rec["model"] = body.get("model") if isinstance(body.get("model"), str) else \
                    ex.path_params.get("model")
                ex.rec["stream"] = bool(body.get("stream")) or ex.stream_endpoint
                error_reply(ex, family, ex.error_status, f"fake error {ex.error_status} on request")
                return
            fn(ex, body)
        except BadRequest as e:
            if ex is None:
                self.send_error(400, str(e))
                return
            if ex.rec["status"] is not None:  # already streaming: cannot change the status
                self.close_connection = True
            else:
                fam = route[3] if route else "utility"
                try:
                    error_reply(ex, fam, 400, str(e))
                except ClientGone:
                    ex.rec["disconnected"] = True
        except ClientGone:
            self.close_connection = True
            if ex is not None:
                ex.rec["disconnected"] = True
        except Exception as e:  # a bug in this server: report, never kill the process
            sys.stderr.write(f"fake-llm: internal error on {path}: {e!r}\n")
            self.close_connection = True
            if ex is not None:
                ex.rec["error"] = "internal"
                if ex.rec["status"] is None:
                    try:
                        ex.send_json(500, {"error": {"message": "fake server bug"}}, allow_gzip=False)
                    except ClientGone:
                        ex.rec["disconnected"] = True
        finally:
            if ex is not None:
                ex.rec["response_done_unix_ns"] = time.time_ns()
                ex.rec["response_body_bytes"] = ex.sent_body_bytes
                self.server.request_log.write(ex.rec)


class FakeLLMServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, cfg, tls_context):
        self.cfg = cfg
        self.tls_context = tls_context
        self.request_log = RequestLog(cfg.log)
        super().__init__(addr, FakeLLMHandler)

    def finish_request(self, request, client_address):
        """Runs in the connection's own thread: the TLS handshake happens here so a
        slow client never blocks accept()."""
        try:  # stream events must leave at once, not wait for Nagle + delayed ACK (40 ms)
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.tls_context is None:
            return super().finish_request(request, client_address)
        try:
            request.settimeout(IDLE_CONNECTION_TIMEOUT_S)
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, ClientGone)):
            return  # a client went away: normal for tests that cut streams
        sys.stderr.write(f"fake-llm: error serving {client_address}: {exc!r}\n")


def parse_args(argv):
    p = argparse.ArgumentParser(description="Fake LLM provider for agentprof tests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--tls-cert", help="PEM server certificate (enables TLS)")
    p.add_argument("--tls-key", help="PEM server private key")
    p.add_argument("--ttft-ms", type=int, default=0, help="default time to first body byte")
    p.add_argument("--chunk-delay-ms", type=int, default=0, help="default delay between stream chunks")
    p.add_argument("--chunks", type=int, default=5, help="default number of output chunks")
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--verbose", action="store_true", help="one stderr line per request (no query)")
    p.add_argument("--no-tool-calls", action="store_true",
                   help="never answer with a tool call (for real agents that would execute it)")
    args = p.parse_args(argv)
    global TOOL_CALLS_ENABLED
    TOOL_CALLS_ENABLED = not args.no_tool_calls
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    args.ttft_ms = max(0, min(MAX_DELAY_MS, args.ttft_ms))
    args.chunk_delay_ms = max(0, min(MAX_DELAY_MS, args.chunk_delay_ms))
    args.chunks = max(1, min(MAX_CHUNKS, args.chunks))
    return args


def main(argv=None):
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    ctx = None
    if cfg.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
    server = FakeLLMServer((cfg.host, cfg.port), cfg, ctx)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
