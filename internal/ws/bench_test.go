package ws_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	_ "github.com/mattn/go-sqlite3"

	"keyrelay/internal/protocol"
	"keyrelay/internal/sqlite"
)

// The three benchmarks run together (go test -bench . ./internal/ws) so the
// capture round trip can be read against its two parts: the socket (a bare
// gorilla echo of a capture-sized frame) and the disk (a bare SQLite insert
// with the same durability settings).

func BenchmarkCaptureRoundTrip(b *testing.B) {
	e := newEnv(b)
	c, _ := e.authed(b)
	var lat []time.Duration
	for b.Loop() {
		capture := newCapture(testKey)
		start := time.Now()
		if _, err := c.Capture(e.ctx, capture); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func BenchmarkCreateCapture(b *testing.B) {
	dir := b.TempDir()
	db := openDB(b, dir)
	captures := sqlite.NewCaptureService(db)
	var lat []time.Duration
	for b.Loop() {
		capture := newCapture(testKey).Domain("c_bench", time.Now())
		start := time.Now()
		if _, _, err := captures.CreateCapture(b.Context(), capture); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func BenchmarkGorillaEcho(b *testing.B) {
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == chromeOrigin }}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, data); err != nil {
				return
			}
		}
	}))
	defer hs.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), http.Header{"Origin": {chromeOrigin}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	frame, _ := protocol.Encode(&protocol.CaptureMsg{Header: protocol.Header{ID: "1"}, Capture: newCapture(testKey)})
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
		if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, frame) {
			b.Fatalf("echo: %v", err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func BenchmarkSQLiteInsert(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bare.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body BLOB NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 600)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if _, err := db.Exec(`INSERT INTO t (uuid, body) VALUES (?, ?)`, fmt.Sprint(i), body); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
