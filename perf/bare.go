package main

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// bareEcho is the socket's baseline: a gorilla echo of a capture-sized
// frame over loopback, nothing else.
func bareEcho(n int) (percentiles, error) {
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		echoFrames(c, nil)
	}))
	defer hs.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		return percentiles{}, err
	}
	defer c.Close()
	return roundTrips(c, n)
}

// roundTrips times n round trips of a capture-sized frame (a capture with
// 12 APIs) on c.
func roundTrips(c *websocket.Conn, n int) (percentiles, error) {
	frame := bytes.Repeat([]byte("x"), 1800)
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

// echoFrames sends every frame back until the peer goes, after
// before(frame) when before is set.
func echoFrames(c *websocket.Conn, before func([]byte)) {
	defer c.Close()
	for {
		mt, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		if before != nil {
			before(data)
		}
		if err := c.WriteMessage(mt, data); err != nil {
			return
		}
	}
}

// bareInsert is the disk's baseline: one row per transaction into a fresh
// table, with the helper's pragmas (WAL, synchronous=FULL).
func bareInsert(path string, n int) (percentiles, error) {
	db, err := bareTable(path)
	if err != nil {
		return percentiles{}, err
	}
	defer db.Close()
	body := bytes.Repeat([]byte("x"), 1800)
	var lat []time.Duration
	for i := range n {
		start := time.Now()
		if _, err := db.Exec(`INSERT INTO t (uuid, body) VALUES (?, ?)`, fmt.Sprint(i), body); err != nil {
			return percentiles{}, err
		}
		lat = append(lat, time.Since(start))
	}
	return pct(lat), nil
}

// bareTable creates a fresh database at path with the helper's pragmas
// (WAL, synchronous=FULL) and the baselines' one table.
func bareTable(path string) (*sql.DB, error) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, body BLOB NOT NULL)`); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// bareFlags parses a bare server's -db and -addr.
func bareFlags(name string, args []string) (path, addr string) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	p := fs.String("db", "", "database file")
	a := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.Parse(args)
	return *p, *a
}

// startBare starts `perf bare-serve` on db and returns the time until it
// answered HTTP and its RSS (KiB) then; then stops it.
func startBare(self, db string) (time.Duration, int64, error) {
	addr := freeAddr()
	cmd := exec.Command(self, "bare-serve", "-db", db, "-addr", addr)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	d, err := waitServing(addr, start)
	rss, _ := (&proc{cmd: cmd}).rss()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	return d, rss, err
}

// bareServe opens the database as the helper's store would (same driver,
// same pragmas, one query to read the schema), listens and answers every
// request with 200: the least a process serving this file must do.
func bareServe(args []string) {
	path, addr := bareFlags("bare-serve", args)
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=1&_busy_timeout=10000&_synchronous=FULL&_journal_mode=WAL")
	if err != nil {
		fail(err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail(err)
	}
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
}
