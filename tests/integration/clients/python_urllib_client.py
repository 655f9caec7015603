#!/usr/bin/python3
"""Real Python LLM client for agentprof integration tests (Debian python3, stdlib only).

Makes --count calls to --base-url with the standard library's TLS stack (ssl ->
OpenSSL SSL_read_ex/SSL_write_ex) and prints one JSON line per call with what it
saw on the wire, then exits 0 if every call succeeded (HTTP 200, no mid-stream
error, echo/blob bytes verified).

Connections: --connections 0 (default) makes every call a fresh urllib.request
urlopen (one TCP+TLS connection per call, "Connection: close"); --connections N
shares N persistent keep-alive http.client connections between the
--concurrency worker threads.

Token fields follow OpenTelemetry GenAI semantics, like the fake server's log:
input includes cache reads/writes (Anthropic: input + cache_read + cache_creation),
output includes reasoning (Gemini: candidates + thoughts); null when the
response carried no usage.
"""

import argparse
import gzip
import http.client
import json
import os
import queue
import secrets
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

CLIENT = "python_urllib"
# Secret-looking key: tests grep every output for "sk-test-SECRET" to prove it never leaks.
API_KEY = "sk-test-SECRET-" + secrets.token_hex(12)
APIS = ("openai-chat", "openai-responses", "openai-embeddings", "anthropic", "gemini", "ollama",
        "ollama-generate", "echo", "blob")
DEFAULT_MODELS = {"openai-chat": "gpt-4o-mini", "openai-responses": "gpt-4.1-mini",
                  "openai-embeddings": "text-embedding-3-small", "anthropic": "claude-sonnet-4-6",
                  "gemini": "gemini-2.5-flash", "ollama": "llama3.2", "ollama-generate": "llama3.2"}


def blob_pattern(offset, length):
    """Same deterministic pattern as the server's /blob: 16-byte "%015x\\n" offset records."""
    first, last = offset // 16, (offset + length + 15) // 16
    data = "".join(f"{k * 16:015x}\n" for k in range(first, last)).encode()
    return data[offset - first * 16:offset - first * 16 + length]


# ----------------------------------------------------------------------------
# Requests
# ----------------------------------------------------------------------------

def build_request(args, index):
    """(method, path, headers, body bytes) for one call."""
    api, model, prompt = args.api, args.model or DEFAULT_MODELS.get(args.api), args.prompt
    headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate",
               "User-Agent": "agentprof-test-python-urllib/1.0",
               "x-fake-call-id": f"{CLIENT}-{os.getpid()}-{index}"}
    for h in args.header:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    tools = args.tools
    if api in ("openai-chat", "openai-responses", "openai-embeddings"):
        headers["Authorization"] = "Bearer " + API_KEY
    if api == "openai-chat":
        body = {"model": model, "messages": [{"role": "system", "content": "You are terse."},
                                             {"role": "user", "content": prompt}],
                "stream": args.stream}
        if args.stream and args.include_usage:
            body["stream_options"] = {"include_usage": True}
        if tools:
            body["tools"] = [{"type": "function", "function": {
                "name": "get_weather", "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
        return "POST", "/v1/chat/completions", headers, body
    if api == "openai-responses":
        body = {"model": model, "instructions": "You are terse.", "input": prompt, "stream": args.stream}
        if tools:
            body["tools"] = [{"type": "function", "name": "get_weather", "description": "Weather",
                              "parameters": {"type": "object", "properties": {}}}]
        return "POST", "/v1/responses", headers, body
    if api == "openai-embeddings":
        return "POST", "/v1/embeddings", headers, {"model": model, "input": [prompt, prompt],
                                                     "encoding_format": "float"}
    if api == "anthropic":
        headers.update({"x-api-key": API_KEY, "anthropic-version": "2023-06-01"})
        body = {"model": model, "max_tokens": 1024, "system": "You are terse.",
                "messages": [{"role": "user", "content": prompt}], "stream": args.stream}
        if tools:
            body["tools"] = [{"name": "get_weather", "description": "Weather",
                              "input_schema": {"type": "object", "properties": {}}}]
        return "POST", "/v1/messages", headers, body
    if api == "gemini":
        headers["x-goog-api-key"] = API_KEY
        method = "streamGenerateContent" if args.stream else "generateContent"
        query = "?alt=sse" if args.stream and not args.gemini_array else ""
        body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}],
                "systemInstruction": {"parts": [{"text": "You are terse."}]}}
        if tools:
            body["tools"] = [{"functionDeclarations": [{"name": "get_weather", "description": "Weather"}]}]
        return "POST", f"/v1beta/models/{model}:{method}{query}", headers, body
    if api in ("ollama", "ollama-generate"):
        headers["Authorization"] = "Bearer " + API_KEY
        if api == "ollama":
            body = {"model": model, "messages": [{"role": "user", "content": prompt}], "stream": args.stream}
            if tools:
                body["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
            return "POST", "/api/chat", headers, body
        return "POST", "/api/generate", headers, {"model": model, "prompt": prompt, "stream": args.stream}
    headers["Authorization"] = "Bearer " + API_KEY
    if api == "echo":
        headers["Content-Type"] = "application/octet-stream"
        return "POST", "/echo", headers, blob_pattern(0, args.size)
    return "GET", f"/blob?size={args.size}", headers, None


# ----------------------------------------------------------------------------
# Response parsing: every parser fills `out` (the printed line) from the body
# ----------------------------------------------------------------------------

def sse_events(lines):
    """(event, data) pairs from an iterator of raw lines; multi-line data joined by \\n."""
    event, data = None, []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


def set_usage(out, inp, outp, cache_read=0, cache_write=0, reasoning=0):
    out.update(input_tokens=inp, output_tokens=outp, cache_read=cache_read,
               cache_write=cache_write, reasoning=reasoning)


def openai_usage(out, u):
    if u.get("prompt_tokens") is not None:  # chat / completions / embeddings
        set_usage(out, u["prompt_tokens"], u.get("completion_tokens"),
                  (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0), 0,
                  (u.get("completion_tokens_details") or {}).get("reasoning_tokens", 0))
    else:  # responses
        set_usage(out, u.get("input_tokens"), u.get("output_tokens"),
                  (u.get("input_tokens_details") or {}).get("cached_tokens", 0), 0,
                  (u.get("output_tokens_details") or {}).get("reasoning_tokens", 0))


def anthropic_usage(out, u):
    cr, cw = u.get("cache_read_input_tokens") or 0, u.get("cache_creation_input_tokens") or 0
    set_usage(out, u.get("input_tokens", 0) + cr + cw, u.get("output_tokens"), cr, cw, 0)


def gemini_chunk(out, obj):
    if "error" in obj:
        out["error"] = obj["error"].get("status") or "error"
        return
    out["response_id"] = obj.get("responseId", out["response_id"])
    out["model"] = obj.get("modelVersion", out["model"])
    u = obj.get("usageMetadata")
    if u:
        out.update(input_tokens=u.get("promptTokenCount"), cache_read=u.get("cachedContentTokenCount", 0),
                   cache_write=0)
        if "candidatesTokenCount" in u:
            thoughts = u.get("thoughtsTokenCount", 0)
            out.update(output_tokens=u["candidatesTokenCount"] + thoughts, reasoning=thoughts)
    for cand in obj.get("candidates") or []:
        out["done"] = out["done"] or bool(cand.get("finishReason"))
        for part in (cand.get("content") or {}).get("parts") or []:
            if "functionCall" in part:
                out["tool_calls"].append(part["functionCall"]["name"])


def parse_openai_chat_stream(out, lines):
    for _, data in sse_events(lines):
        if data == "[DONE]":
            out["done"] = True
            continue
        obj = json.loads(data)
        if "error" in obj:
            out["error"] = obj["error"].get("type") or "error"
            continue
        if obj.get("id"):
            out["response_id"] = obj["id"]
            out["model"] = obj.get("model")
        if obj.get("usage"):
            openai_usage(out, obj["usage"])
        for choice in obj.get("choices") or []:
            for tc in (choice.get("delta") or {}).get("tool_calls") or []:
                name = (tc.get("function") or {}).get("name")
                if name:
                    out["tool_calls"].append(name)


def parse_openai_responses_stream(out, lines):
    for event, data in sse_events(lines):
        obj = json.loads(data)
        kind = obj.get("type", event)
        if kind in ("response.created", "response.completed", "response.failed", "response.incomplete"):
            r = obj.get("response") or {}
            out["response_id"], out["model"] = r.get("id"), r.get("model")
            if r.get("usage"):
                openai_usage(out, r["usage"])
            if kind == "response.failed":
                out["error"] = (r.get("error") or {}).get("code") or "failed"
            out["done"] = kind == "response.completed"
        elif kind == "error":
            out["error"] = obj.get("code") or "error"
        elif kind == "response.output_item.done" and obj["item"].get("type") == "function_call":
            out["tool_calls"].append(obj["item"]["name"])


def parse_anthropic_stream(out, lines):
    for event, data in sse_events(lines):
        obj = json.loads(data)
        kind = obj.get("type", event)
        if kind == "message_start":
            msg = obj["message"]
            out["response_id"], out["model"] = msg.get("id"), msg.get("model")
            anthropic_usage(out, msg.get("usage") or {})
        elif kind == "message_delta":  # cumulative usage: assign the fields it carries
            u = obj.get("usage") or {}
            merged = {"input_tokens": out["input_tokens"] - out["cache_read"] - out["cache_write"],
                      "cache_read_input_tokens": out["cache_read"],
                      "cache_creation_input_tokens": out["cache_write"]}
            merged.update({k: v for k, v in u.items() if v is not None})
            anthropic_usage(out, merged)
        elif kind == "content_block_start" and obj["content_block"].get("type") == "tool_use":
            out["tool_calls"].append(obj["content_block"]["name"])
        elif kind == "message_stop":
            out["done"] = True
        elif kind == "error":
            out["error"] = obj["error"].get("type") or "error"


def parse_ollama_line(out, obj):
    if "error" in obj:
        out["error"] = obj["error"]
        return
    out["model"] = obj.get("model")
    for tc in (obj.get("message") or {}).get("tool_calls") or []:
        out["tool_calls"].append(tc["function"]["name"])
    if obj.get("done"):
        set_usage(out, obj.get("prompt_eval_count"), obj.get("eval_count"))
        out["done"] = True


def parse_full_body(out, api, body):
    """Non-stream replies (and Gemini's streamed JSON array, read whole)."""
    if api in ("echo", "blob"):
        return
    obj = json.loads(body)
    if api == "gemini":
        for item in obj if isinstance(obj, list) else [obj]:
            gemini_chunk(out, item)
    elif api == "anthropic":
        out["response_id"], out["model"] = obj.get("id"), obj.get("model")
        anthropic_usage(out, obj.get("usage") or {})
        out["tool_calls"] += [c["name"] for c in obj.get("content") or [] if c.get("type") == "tool_use"]
    elif api.startswith("ollama"):
        parse_ollama_line(out, obj)
    else:
        out["response_id"], out["model"] = obj.get("id"), obj.get("model")
        if obj.get("usage"):
            openai_usage(out, obj["usage"])
            if api == "openai-embeddings":
                out["output_tokens"] = None
        for choice in obj.get("choices") or []:
            out["tool_calls"] += [tc["function"]["name"] for tc in
                                  (choice.get("message") or {}).get("tool_calls") or []]
        out["tool_calls"] += [o["name"] for o in obj.get("output") or [] if o.get("type") == "function_call"]


def error_kind(api, body):
    """The provider error type from an error reply body (best effort)."""
    try:
        obj = json.loads(body)
    except ValueError:
        return "http_error"
    err = obj.get("error") if isinstance(obj, dict) else None
    if isinstance(err, str):
        return err
    if isinstance(err, dict):
        return err.get("status") if api == "gemini" else (err.get("type") or err.get("code") or "error")
    return "http_error"


# ----------------------------------------------------------------------------
# Transport
# ----------------------------------------------------------------------------

def local_port_of(resp):
    try:
        return resp.fp.raw._sock.getsockname()[1]
    except (AttributeError, OSError):
        return None


class Timed:
    """Wraps a response: records when the first body byte arrived."""

    def __init__(self, resp):
        self.resp = resp
        self.first = None
        self.nbytes = 0

    def _seen(self, data):
        if data and self.first is None:
            self.first = time.monotonic()
        self.nbytes += len(data)
        return data

    def lines(self):
        while True:
            line = self.resp.readline()
            if not line:
                return
            yield self._seen(line)

    def read_all(self):
        parts = []
        while True:
            data = self.resp.read1(65536) if hasattr(self.resp, "read1") else self.resp.read(65536)
            if not data:
                return b"".join(parts)
            parts.append(self._seen(data))


class Transport:
    def __init__(self, args):
        url = urllib.parse.urlsplit(args.base_url)
        self.base = args.base_url.rstrip("/")
        self.https = url.scheme == "https"
        self.host, self.port = url.hostname, url.port or (443 if self.https else 80)
        self.ctx = ssl.create_default_context(cafile=args.cafile) if self.https else None
        self.pool = None
        if args.connections > 0:
            self.pool = queue.Queue()
            for _ in range(args.connections):
                self.pool.put(None)  # connections open lazily

    def _new_conn(self):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=120)
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, method, path, headers, data, consume):
        """Sends one request; consume(status, headers, Timed) reads the body."""
        if self.pool is None:
            req = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
            try:
                resp = urllib.request.urlopen(req, context=self.ctx, timeout=120)
            except urllib.error.HTTPError as e:
                resp = e
            port = local_port_of(resp.fp if isinstance(resp, urllib.error.HTTPError) else resp)
            with resp:
                return consume(resp.status, resp.headers, Timed(resp), port)
        conn = self.pool.get()
        try:
            for attempt in (0, 1):  # a kept-alive connection may have been closed by the server
                if conn is None:
                    conn = self._new_conn()
                try:
                    conn.request(method, path, body=data, headers=headers)
                    resp = conn.getresponse()
                    break
                except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                    conn.close()
                    conn = None
                    if attempt:
                        raise
            port = conn.sock.getsockname()[1] if conn.sock else None
            result = consume(resp.status, resp.headers, Timed(resp), port)
            resp.read()  # drain to the end so the connection can carry the next request
            resp.close()
            if resp.will_close:
                conn.close()
                conn = None
            return result
        except BaseException:
            if conn is not None:
                conn.close()
            conn = None
            raise
        finally:
            self.pool.put(conn)


def one_call(args, transport, index):
    method, path, headers, body = build_request(args, index)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    out = {"client": CLIENT, "api": args.api, "call": index, "call_id": headers.get("x-fake-call-id"),
           "stream": args.stream, "status": None, "ok": False, "error": None, "response_id": None,
           "model": None, "input_tokens": None, "output_tokens": None, "cache_read": None,
           "cache_write": None, "reasoning": None, "tool_calls": [], "done": False,
           "content_encoding": None, "retry_after": None, "ttfb_ms": None, "duration_ms": None,
           "body_bytes": 0, "local_port": None}
    t0 = time.monotonic()

    def consume(status, resp_headers, timed, port):
        out.update(status=status, local_port=port, content_encoding=resp_headers.get("content-encoding"),
                   retry_after=resp_headers.get("retry-after"))
        streaming = (resp_headers.get("transfer-encoding") or "").lower() == "chunked" and status == 200
        ctype = resp_headers.get("content-type") or ""
        if streaming and "text/event-stream" in ctype:
            parser = {"openai-chat": parse_openai_chat_stream,
                      "openai-responses": parse_openai_responses_stream,
                      "anthropic": parse_anthropic_stream}.get(args.api)
            if parser is None:  # Gemini SSE: one GenerateContentResponse per data event
                for _, d in sse_events(timed.lines()):
                    gemini_chunk(out, json.loads(d))
            else:
                parser(out, timed.lines())
        elif streaming and "ndjson" in ctype:
            for line in timed.lines():
                if line.strip():
                    parse_ollama_line(out, json.loads(line))
        else:
            raw = timed.read_all()
            enc = (out["content_encoding"] or "").lower()
            if enc == "gzip":
                raw = gzip.decompress(raw)
            elif enc == "deflate":
                raw = zlib.decompress(raw)
            out["body_bytes"] = len(raw)
            if status != 200:
                out["error"] = error_kind(args.api, raw)
            elif args.api == "echo" and raw != data:
                out["error"] = "echo_mismatch"
            elif args.api == "blob" and raw != blob_pattern(0, args.size):
                out["error"] = "blob_mismatch"
            else:
                parse_full_body(out, args.api, raw)
        if streaming:
            out["body_bytes"] = timed.nbytes
        if timed.first is not None:
            out["ttfb_ms"] = round((timed.first - t0) * 1000, 3)

    try:
        transport.call(method, path, headers, data, consume)
    except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as e:
        out["error"] = out["error"] or f"client:{type(e).__name__}"
    out["duration_ms"] = round((time.monotonic() - t0) * 1000, 3)
    out["ok"] = out["status"] == 200 and out["error"] is None
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", required=True, help="e.g. https://127.0.0.1:8443")
    p.add_argument("--api", choices=APIS, required=True)
    p.add_argument("--stream", action="store_true")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--size", type=int, default=1024, help="echo request / blob response size in bytes")
    p.add_argument("--concurrency", type=int, default=1, help="worker threads")
    p.add_argument("--connections", type=int, default=0,
                   help="persistent keep-alive connections shared by the workers (0: one per call)")
    p.add_argument("--cafile", help="CA certificate for TLS")
    p.add_argument("--model")
    p.add_argument("--prompt", default="Say hello to the agentprof integration test")
    p.add_argument("--tools", action="store_true", help="declare one function tool")
    p.add_argument("--no-include-usage", dest="include_usage", action="store_false",
                   help="OpenAI chat stream without stream_options.include_usage")
    p.add_argument("--gemini-array", action="store_true",
                   help="Gemini stream without alt=sse (one streamed JSON array)")
    p.add_argument("--header", action="append", default=[], help="extra request header 'Name: value'")
    args = p.parse_args()

    transport = Transport(args)
    lock = threading.Lock()
    next_index = [0]
    failures = [0]

    def worker():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= args.count:
                return
            out = one_call(args, transport, i)
            with lock:
                failures[0] += 0 if out["ok"] else 1
                sys.stdout.write(json.dumps(out) + "\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(1 if failures[0] else 0)


if __name__ == "__main__":
    main()
