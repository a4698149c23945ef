package main

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// The ack baseline is two figures added up, each taken in a hot
// loop inside this process: a gorilla echo and a one-row insert. The
// helper is another process that the client's frame has to wake. The
// bare capture server is both baselines in one separate process: per
// frame, the one-row insert of bareInsert (same pragmas), then the echo.
// It is printed beside the sum so the ratio can be read against the least
// a process that commits each message before answering costs here.

// bareCapture starts `perf bare-capture-serve` on a fresh database and times
// n round trips of a capture-sized frame with the bare echo's client.
func bareCapture(self, path string, n int) (percentiles, error) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	addr := freeAddr()
	cmd := exec.Command(self, "bare-capture-serve", "-db", path, "-addr", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return percentiles{}, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	if _, err := waitServing(addr, time.Now()); err != nil {
		return percentiles{}, err
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		return percentiles{}, err
	}
	defer c.Close()
	frame := bytes.Repeat([]byte("x"), 1800) // as bareEcho's
	var lat []time.Duration
	for range n {
		start := time.Now()
		if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
			return percentiles{}, err
		}
		if _, _, err := c.ReadMessage(); err != nil {
			return percentiles{}, err
		}
		lat = append(lat, time.Since(start))
	}
	return pct(lat), nil
}

// bareCaptureServe answers plain HTTP with 200 (for waitServing) and
// upgrades to a WebSocket that commits each frame as a row, then echoes it.
func bareCaptureServe(args []string) {
	fs := flag.NewFlagSet("bare-capture-serve", flag.ExitOnError)
	path := fs.String("db", "", "database file")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.Parse(args)
	db, err := sql.Open("sqlite3", "file:"+*path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		fail(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body BLOB NOT NULL)`); err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(err)
	}
	up := websocket.Upgrader{}
	i := 0
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !websocket.IsWebSocketUpgrade(r) {
			w.Write([]byte("ok"))
			return
		}
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
			i++
			if _, err := db.Exec(`INSERT INTO t (uuid, body) VALUES (?, ?)`, fmt.Sprint(i), data); err != nil {
				fail(err)
			}
			if err := c.WriteMessage(mt, data); err != nil {
				return
			}
		}
	}))
}
