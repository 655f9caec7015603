// Stack-growth client for the Go TLS capture test: writes one numbered marker line per goroutine
// over a single TLS connection, each from a fresh goroutine that first recurses to a different
// depth. Fresh goroutines start with a small stack, so for some depths the stack check in the
// prologue of crypto/tls.(*Conn).Write itself fails: Go grows the stack and runs the prologue again.
// A capture that probes that prologue naively would see those writes twice.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"
)

// Each level's frame holds a small array, so consecutive depths move the stack pointer by a few
// dozen bytes and some depth lands Write's prologue right at the stack guard.
//
//go:noinline
func descend(depth int, write func()) byte {
	var pad [24]byte
	pad[depth%24] = byte(depth)
	if depth == 0 {
		write()
		return pad[0]
	}
	return descend(depth-1, write) + pad[depth%24]
}

func main() {
	addr := flag.String("addr", "", "host:port of the TLS server")
	cafile := flag.String("cafile", "", "CA certificate (PEM)")
	maxDepth := flag.Int("depth", 400, "deepest recursion before a write")
	flag.Parse()
	pem, err := os.ReadFile(*cafile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	conn, err := tls.Dial("tcp", *addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for depth := 0; depth <= *maxDepth; depth++ {
		done := make(chan error)
		d := depth
		// Formatted up front: fmt would otherwise be the deepest call and grow the stack first.
		marker := []byte(fmt.Sprintf("marker-%04d\n", d))
		go func() {
			descend(d, func() {
				_, err := conn.Write(marker)
				done <- err
			})
		}()
		if err := <-done; err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	conn.Write([]byte("end\n"))
	// The server answers "ok <count>" once it has read the end line.
	reply, _ := io.ReadAll(conn)
	fmt.Print(string(reply))
}
