//go:build demo

package tlsfake_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"keyrelay/internal/fakes/tlsfake"
)

func TestServesUnderEveryName(t *testing.T) {
	certs, err := tlsfake.New("webservice.rms.rakuten.co.jp", "mainmenu.rms.rakuten.co.jp", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("host=" + r.Host))
	}))
	srv.TLS = certs.Server
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	for _, host := range []string{"webservice.rms.rakuten.co.jp", "mainmenu.rms.rakuten.co.jp"} {
		t.Run(host, func(t *testing.T) {
			resp, err := certs.Client(addr).Get("https://" + host + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got, want := resp.TLS.PeerCertificates[0].DNSNames, host; !contains(got, want) {
				t.Fatalf("leaf names %v, want %s among them", got, want)
			}
		})
	}

	t.Run("other name refused", func(t *testing.T) {
		_, err := certs.Client(addr).Get("https://www.rakuten.co.jp/")
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a certificate error", err)
		}
	})

	t.Run("default roots refuse it", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "webservice.rms.rakuten.co.jp"})
		if err == nil {
			conn.Close()
			t.Fatal("a throwaway CA was trusted by the system roots")
		}
	})
}

func TestSPKIHashIsTheLeafs(t *testing.T) {
	certs, err := tlsfake.New("evil.example")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(certs.Server.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	if got, want := certs.SPKIHash, base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Fatalf("SPKIHash = %s, want %s", got, want)
	}
	other, err := tlsfake.New("evil.example")
	if err != nil {
		t.Fatal(err)
	}
	if other.SPKIHash == certs.SPKIHash {
		t.Fatal("two calls made the same key pair")
	}
}

func TestNoHosts(t *testing.T) {
	if _, err := tlsfake.New(); err == nil {
		t.Fatal("New() with no hosts succeeded")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
