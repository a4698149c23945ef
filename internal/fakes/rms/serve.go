//go:build demo

package rms

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"keyrelay/internal/fakes/tlsfake"
)

// Running is a fake RMS serving HTTPS on a loopback port.
type Running struct {
	*Server
	Addr  string // 127.0.0.1:port
	Certs *tlsfake.Certs
	srv   *http.Server
	done  chan struct{}
}

// Start serves a fake RMS made from opts on 127.0.0.1 (a free port), with a
// fresh throwaway certificate for every name in Hosts.
func Start(opts Options) (*Running, error) {
	certs, err := tlsfake.New(Hosts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rms fake: listen: %w", err)
	}
	r := &Running{
		Server: New(opts),
		Addr:   ln.Addr().String(),
		Certs:  certs,
		done:   make(chan struct{}),
	}
	r.srv = &http.Server{
		Handler:           r.Handler(),
		TLSConfig:         certs.Server,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(r.done)
		// Returns ErrServerClosed after Close; any other failure shows up
		// as the next request's error in whoever uses the fake.
		_ = r.srv.ServeTLS(ln, "", "")
	}()
	return r, nil
}

// Close stops serving at once: a fake has no request worth waiting for, and
// a graceful shutdown waits on the browser's idle HTTP/2 connections.
func (r *Running) Close() error {
	err := r.srv.Close()
	<-r.done
	return err
}

// Client is a Go HTTP client that reaches the fake under its real names.
func (r *Running) Client() *http.Client { return r.Certs.Client(r.Addr) }

// ChromiumFlags are the flags that make Chromium resolve the fake's names to
// it and trust its certificate (and only its).
func (r *Running) ChromiumFlags() map[string]string {
	return map[string]string{
		"host-resolver-rules":                 ResolverRules(r.Addr),
		"ignore-certificate-errors-spki-list": r.Certs.SPKIHash,
	}
}
