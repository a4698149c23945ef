package main

import (
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
	return roundTrips(c, n)
}

// bareCaptureServe answers plain HTTP with 200 (for waitServing) and
// upgrades to a WebSocket that commits each frame as a row, then echoes it.
func bareCaptureServe(args []string) {
	path, addr := bareFlags("bare-capture-serve", args)
	db, err := bareTable(path)
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", addr)
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
		echoFrames(c, func(data []byte) {
			i++
			if _, err := db.Exec(`INSERT INTO t (uuid, body) VALUES (?, ?)`, fmt.Sprint(i), data); err != nil {
				fail(err)
			}
		})
	}))
}
