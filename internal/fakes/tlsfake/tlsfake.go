//go:build demo

// Package tlsfake makes a throwaway certificate authority and one leaf
// certificate for the given host names, so the fake RMS and the fake GoQ can
// serve HTTPS under their real names in tests and in `keyrelay demo`.
//
// Nothing here is persisted: every call makes a fresh key pair, and the
// certificates expire after a few days.
package tlsfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"
)

// Certs is one throwaway CA and a leaf certificate it signed.
type Certs struct {
	// Server serves the leaf for every host it was made for.
	Server *tls.Config
	// Pool trusts the throwaway CA, for Go clients.
	Pool *x509.CertPool
	// SPKIHash is the base64 SHA-256 of the leaf's SubjectPublicKeyInfo, the
	// value Chromium's --ignore-certificate-errors-spki-list takes. It lets
	// the browser trust this leaf and nothing else, which keeps the test
	// honest about every other certificate.
	SPKIHash string
	// CAPEM is the CA certificate, PEM encoded, for tools that want a file.
	CAPEM []byte
	// Hosts are the names (and IPs) in the leaf.
	Hosts []string
}

// New makes a CA and a leaf valid for hosts. Entries that parse as IP
// addresses go into the IP SANs, the rest into the DNS SANs.
func New(hosts ...string) (*Certs, error) {
	if len(hosts) == 0 {
		return nil, errors.New("tlsfake: no host names given")
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "keyrelay throwaway test CA", Organization: []string{"keyrelay tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: CA certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: leaf key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: leaf certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, fmt.Errorf("tlsfake: leaf certificate: %w", err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return &Certs{
		Server: &tls.Config{
			MinVersion: tls.VersionTLS12,
			Certificates: []tls.Certificate{{
				Certificate: [][]byte{leafDER, caDER},
				PrivateKey:  leafKey,
				Leaf:        leaf,
			}},
		},
		Pool:     pool,
		SPKIHash: base64.StdEncoding.EncodeToString(sum[:]),
		CAPEM:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Hosts:    append([]string(nil), hosts...),
	}, nil
}

// ClientConfig trusts only the throwaway CA.
func (c *Certs) ClientConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.Pool}
}

// Client is an HTTP client that trusts only the throwaway CA and sends every
// connection to addr (host:port), whatever host the URL names: the Go
// equivalent of Chromium's --host-resolver-rules. Redirects are not followed,
// so callers see the server's answers as they are.
func (c *Certs) Client(addr string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: c.ClientConfig(),
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			ForceAttemptHTTP2: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		// crypto/rand does not fail on supported platforms; a fixed serial
		// is still a valid certificate.
		return big.NewInt(1)
	}
	return n.Add(n, big.NewInt(1))
}
