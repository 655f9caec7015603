// An HTTP/2-over-TLS reverse proxy for agentprof's HTTP/2 tests: clients talk h2 to it (ALPN),
// it forwards each request to the fake LLM server over HTTP/1.1. The fake server only speaks
// HTTP/1.1, so this is how real h2 traffic with known ground truth (the server's log) is produced.
// Bytes pass through unchanged: no compression added or removed, streams flushed per chunk.
// Standard library only.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
)

func main() {
	listenPort := flag.Int("listen-port", 0, "TCP port on 127.0.0.1 (0: any free port)")
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM)")
	upstream := flag.String("upstream", "", "base URL of the HTTP/1.1 server to forward to, e.g. https://127.0.0.1:8443")
	upstreamCA := flag.String("upstream-ca", "", "CA certificate (PEM) that signed the upstream's certificate")
	flag.Parse()
	if *certFile == "" || *keyFile == "" || *upstream == "" {
		fmt.Fprintln(os.Stderr, "usage: h2proxy --cert F --key F --upstream URL [--upstream-ca F] [--listen-port N]")
		os.Exit(2)
	}
	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatalf("bad --upstream: %v", err)
	}

	upstreamTLS := &tls.Config{}
	if *upstreamCA != "" {
		pem, err := os.ReadFile(*upstreamCA)
		pool := x509.NewCertPool()
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			log.Fatalf("bad --upstream-ca %s: %v", *upstreamCA, err)
		}
		upstreamTLS.RootCAs = pool
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{
		TLSClientConfig: upstreamTLS,
		// Empty map: the upstream leg stays HTTP/1.1 whatever the server offers.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
		// Otherwise the transport would ask for gzip itself and hand the client an inflated body
		// without Content-Encoding; the client's own Accept-Encoding must decide.
		DisableCompression: true,
	}
	// Flush after every write: an SSE stream reaches the client event by event, so time to
	// first token measured at the client is the server's, plus only the proxy's own latency.
	proxy.FlushInterval = -1
	proxy.ErrorLog = log.New(os.Stderr, "h2proxy: ", log.LstdFlags)

	// Loaded before LISTENING is printed, so a bad certificate is a start-up failure.
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("bad --cert/--key: %v", err)
	}
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *listenPort))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	server := &http.Server{
		Handler: proxy,
		// ServeTLS registers Go's HTTP/2 server for "h2"; listing it first makes ALPN pick it.
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}},
		ErrorLog:  proxy.ErrorLog,
	}
	// Same start-up line as scripts/fake_llm_server.py: the test reads the port from it.
	fmt.Printf("LISTENING %d\n", listener.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	if err := server.ServeTLS(listener, "", ""); err != nil && err != http.ErrServerClosed {
		log.Fatalf("serve: %v", err)
	}
}
