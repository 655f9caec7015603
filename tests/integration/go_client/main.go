// A tiny HTTPS LLM client for agentprof's Go crypto/tls tests: standard library only, HTTP/1.1 by
// default (--http2: whatever ALPN negotiates, as Go's default transport does), one call per -api
// given, response body read to the end. Each call prints "<call> <status> <n> bytes <protocol>".
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func body(api string, stream bool) (string, string) {
	switch api {
	case "openai-chat":
		b := fmt.Sprintf(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi from Go"}],"stream":%t`, stream)
		if stream {
			b += `,"stream_options":{"include_usage":true}`
		}
		return "/v1/chat/completions", b + "}"
	case "anthropic":
		return "/v1/messages", fmt.Sprintf(`{"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Say hi from Go"}],"stream":%t}`, stream)
	}
	fmt.Fprintln(os.Stderr, "unknown api", api)
	os.Exit(2)
	return "", ""
}

func main() {
	base := flag.String("base-url", "", "server base URL")
	cafile := flag.String("cafile", "", "CA certificate (PEM)")
	apis := flag.String("api", "openai-chat", "comma-separated calls: openai-chat, anthropic; suffix :stream to stream")
	waitStdin := flag.Bool("wait-stdin", false, "read one line from stdin before the first call")
	delay := flag.Duration("delay", 0, "sleep this long before the first call")
	http2 := flag.Bool("http2", false, "let ALPN negotiate HTTP/2 (Go's default) instead of forcing HTTP/1.1")
	flag.Parse()

	pool := x509.NewCertPool()
	if *cafile != "" {
		pem, err := os.ReadFile(*cafile)
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintln(os.Stderr, "bad CA file", err)
			os.Exit(2)
		}
	}
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		// Plain bodies: the test checks the decoded tokens, not compression.
		DisableCompression: true,
	}
	if *http2 {
		// A custom TLSClientConfig turns Go's automatic HTTP/2 off; this puts it back, offering h2 by ALPN.
		transport.ForceAttemptHTTP2 = true
	} else {
		// An empty map disables HTTP/2: this client speaks HTTP/1.1 only.
		transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	client := &http.Client{Transport: transport}
	// Lets a tracer attach to this already-running process before any TLS traffic.
	if *waitStdin {
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
	time.Sleep(*delay)
	for _, call := range strings.Split(*apis, ",") {
		api, mode, _ := strings.Cut(call, ":")
		path, b := body(api, mode == "stream")
		req, _ := http.NewRequest("POST", *base+path, bytes.NewBufferString(b))
		req.Header.Set("Content-Type", "application/json")
		if api == "anthropic" {
			req.Header.Set("x-api-key", "sk-test-SECRET-go")
			req.Header.Set("anthropic-version", "2023-06-01")
		} else {
			req.Header.Set("Authorization", "Bearer sk-test-SECRET-go")
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "request failed:", err)
			os.Exit(1)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "bad response:", resp.StatusCode, err)
			os.Exit(1)
		}
		// The protocol really used (e.g. HTTP/2.0): tests assert it.
		fmt.Printf("%s %d %d bytes %s\n", call, resp.StatusCode, len(data), resp.Proto)
	}
}
