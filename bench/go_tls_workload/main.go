// Workload for bench/go_tls_overhead.py: times crypto/tls.(*Conn).Write and Read calls one by one.
// Writes go to one connection (the server discards them); reads come from a second connection the
// server fills with large records, so most Reads are served from an already decrypted record and
// the time measured is the call itself (plus any probes on it), not the network.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

func dial(addr string, roots *x509.CertPool) *tls.Conn {
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return c
}

func median(d []time.Duration) int64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return int64(d[len(d)/2])
}

func main() {
	sink := flag.String("sink", "", "host:port that discards what it reads")
	source := flag.String("source", "", "host:port that sends bytes without end")
	cafile := flag.String("cafile", "", "CA certificate (PEM)")
	calls := flag.Int("calls", 20000, "calls per direction")
	size := flag.Int("size", 64, "bytes per call")
	flag.Parse()
	pem, err := os.ReadFile(*cafile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	w := dial(*sink, roots)
	r := dial(*source, roots)
	buf := make([]byte, *size)

	// The bench attaches agentprof to this pid, then says go.
	fmt.Printf("CLIENT %d\n", os.Getpid())
	bufio.NewReader(os.Stdin).ReadString('\n')

	writes := make([]time.Duration, *calls)
	for i := range writes {
		t0 := time.Now()
		if _, err := w.Write(buf); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		writes[i] = time.Since(t0)
	}
	reads := make([]time.Duration, *calls)
	for i := range reads {
		t0 := time.Now()
		if _, err := io.ReadFull(r, buf); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		reads[i] = time.Since(t0)
	}
	fmt.Printf("Conn.Write median_ns=%d\nConn.Read median_ns=%d\n", median(writes), median(reads))
}
