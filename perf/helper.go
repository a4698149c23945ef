package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/wsclient"
)

// buildHelper builds ./helper with the tags this program was built with
// (the Makefile's TAGS), so the tags are set in one place.
func buildHelper(out string) error {
	tags := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				tags = s.Value
			}
		}
	}
	cmd := exec.Command("go", "build", "-tags", tags, "-o", out, "./helper")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./helper: %w\n%s", err, b)
	}
	return nil
}

// proc is a running `keyrelay run` on a free loopback port.
type proc struct {
	cfg     *config
	dataDir string
	addr    string
	cmd     *exec.Cmd
	out     *syncBuffer
	creds   *wsclient.Credentials
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// helperEnv is the helper's environment: a file keyring, a throwaway HOME,
// and PERF_HELPER_ENV (space-separated NAME=VALUE pairs, e.g. GOMEMLIMIT=…)
// for experiments.
func helperEnv(dataDir string) []string {
	env := append(os.Environ(), "KEYRELAY_KEYRING=file", "HOME="+filepath.Dir(dataDir))
	return append(env, strings.Fields(os.Getenv("PERF_HELPER_ENV"))...)
}

// startProc starts the helper and returns once it answers HTTP, with the
// time that took.
func startProc(cfg *config, dataDir string) (*proc, time.Duration, error) {
	p := &proc{cfg: cfg, dataDir: dataDir, addr: freeAddr(), out: &syncBuffer{}}
	p.cmd = exec.Command(cfg.bin, "run", "--no-tray", "--addr", p.addr, "--data-dir", dataDir, "--log-level", cfg.helperLog)
	p.cmd.Env = helperEnv(dataDir)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, 0, err
	}
	d, err := waitServing(p.addr, start)
	if err != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		return nil, 0, fmt.Errorf("%w\n%s", err, p.out)
	}
	return p, d, nil
}

// waitServing polls until addr answers an HTTP request.
func waitServing(addr string, start time.Time) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 30*time.Second {
		res, err := client.Get("http://" + addr + "/static/style.css")
		if err == nil {
			res.Body.Close()
			return time.Since(start), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("%s did not answer within 30 s", addr)
}

// stop sends SIGTERM and returns how long the process took to exit.
func (p *proc) stop() (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	err := p.cmd.Wait()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("helper exit: %w\n%s", err, p.out)
	}
	return d, nil
}

func (p *proc) cli(args ...string) (string, error) {
	cmd := exec.Command(p.cfg.bin, append(args, "--data-dir", p.dataDir, "--addr", p.addr)...)
	cmd.Env = helperEnv(p.dataDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("keyrelay %v: %w\n%s", args, err, out)
	}
	return string(out), nil
}

const origin = "chrome-extension://" + keyrelay.ExtensionID

// pair pairs one extension-side client, approved through the CLI as an
// operator would, and keeps its credentials in the data dir's sidecar file
// for later runs.
func (p *proc) pair(ctx context.Context) error {
	c, err := wsclient.Dial(ctx, "ws://"+p.addr+"/ws", origin, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	pp, err := c.Pair(ctx, "perf")
	if err != nil {
		return err
	}
	if _, err := p.cli("pair", "approve", pp.Code); err != nil {
		return err
	}
	if p.creds, err = pp.Wait(ctx); err != nil {
		return err
	}
	b, _ := json.Marshal(p.creds)
	return os.WriteFile(filepath.Join(filepath.Dir(p.dataDir), "perf-creds.json"), b, 0o600)
}

func (p *proc) loadCreds() error {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(p.dataDir), "perf-creds.json"))
	if err != nil {
		return err
	}
	p.creds = &wsclient.Credentials{}
	return json.Unmarshal(b, p.creds)
}

// clients opens n authenticated connections. The helper allows 20 messages
// a second per connection; spreading captures over several keeps a
// sequential run from being throttled.
func (p *proc) clients(ctx context.Context, n int) ([]*wsclient.Client, error) {
	var cs []*wsclient.Client
	for range n {
		c, err := wsclient.Dial(ctx, "ws://"+p.addr+"/ws", origin, nil)
		if err != nil {
			closeAll(cs)
			return nil, err
		}
		if err := c.Auth(ctx, p.creds.ClientID, p.creds.Secret); err != nil {
			c.Close()
			closeAll(cs)
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func closeAll(cs []*wsclient.Client) {
	for _, c := range cs {
		c.Close()
	}
}

// capture sends one capture and waits for its ack; a rate_limited refusal
// is retried after a pause, and only the accepted attempt is timed.
func capture(ctx context.Context, c *wsclient.Client, cp *protocol.Capture) (time.Duration, error) {
	var d time.Duration
	err := retryRateLimited(func() error {
		start := time.Now()
		_, err := c.Capture(ctx, cp)
		d = time.Since(start)
		return err
	})
	return d, err
}

// retryRateLimited calls f until the helper stops answering rate_limited.
func retryRateLimited(f func() error) error {
	for {
		err := f()
		var se *wsclient.ServerError
		if errors.As(err, &se) && se.Code == protocol.CodeRateLimited {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return err
	}
}

// cpuTime is the helper's user+system CPU so far.
func (p *proc) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // CLK_TCK is 100 on Linux
}

// memLine is VmRSS split into anonymous (heap, SQLite caches) and file
// pages (the binary), for the raw output.
func (p *proc) memLine() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return ""
	}
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "RssAnon:") || strings.HasPrefix(line, "RssFile:") || strings.HasPrefix(line, "Threads:") {
			parts = append(parts, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(parts, ", ") + "; " + p.smapsSplit()
}

// smapsSplit sums the resident KiB of /proc/PID/smaps by kind of mapping:
// the helper binary's own file pages, other files (libc, the -shm file),
// the C heap (brk), and the other anonymous mappings (the Go heap, thread
// stacks, mmap'd malloc chunks).
func (p *proc) smapsSplit() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", p.cmd.Process.Pid))
	if err != nil {
		return ""
	}
	var bin, files, brk, anon int64
	kind := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			switch {
			case len(f) >= 6 && f[5] == p.cfg.bin:
				kind = "bin"
			case len(f) >= 6 && f[5] == "[heap]":
				kind = "brk"
			case len(f) >= 6 && strings.HasPrefix(f[5], "/"):
				kind = "file"
			default:
				kind = "anon"
			}
			continue
		}
		if len(f) < 2 || f[0] != "Rss:" {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch kind {
		case "bin":
			bin += v
		case "file":
			files += v
		case "brk":
			brk += v
		case "anon":
			anon += v
		}
	}
	return fmt.Sprintf("resident KiB: binary %d, other files %d, C heap (brk) %d, other anonymous (Go heap, stacks, mmap) %d", bin, files, brk, anon)
}

// resetPeak resets the helper's VmHWM to its current RSS (Linux:
// clear_refs "5") and returns that RSS in KiB.
func (p *proc) resetPeak() int64 {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
	rss, _ := p.rss()
	return rss
}

// rss returns VmRSS and VmHWM in KiB.
func (p *proc) rss() (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

func (p *proc) walSize() int64 {
	fi, err := os.Stat(filepath.Join(p.dataDir, "keyrelay.db-wal"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// browser is a logged-in history page session.
func (p *proc) browser() (*http.Client, error) {
	out, err := p.cli("open", "--print")
	if err != nil {
		return nil, err
	}
	var u string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "http://") {
			u = f
		}
	}
	if u == "" {
		return nil, fmt.Errorf("keyrelay open --print printed no URL: %q", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
	res, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login: %s", res.Status)
	}
	return c, nil
}
