package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// The real helper binary, built once per test run from ./helper.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func helperBinary(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "keyrelay-e2e-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "keyrelay")
		cmd := exec.Command("go", "build", "-tags", testBuildTags(), "-o", binPath, "./helper")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./helper: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// helper is the real `keyrelay run` as a subprocess on a loopback port, with
// its own data dir.
type helper struct {
	t       testing.TB
	bin     string
	dataDir string
	home    string
	port    int

	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
}

func newHelper(t testing.TB) *helper {
	t.Helper()
	h := &helper{t: t, bin: helperBinary(t), dataDir: filepath.Join(t.TempDir(), "data"), home: t.TempDir(), port: freePort(t), log: &lockedBuffer{}}
	t.Cleanup(func() {
		h.stop(t)
		if t.Failed() {
			t.Logf("helper log:\n%s", h.log.String())
		}
	})
	return h
}

func (h *helper) addr() string { return fmt.Sprintf("127.0.0.1:%d", h.port) }

func (h *helper) env() []string {
	return append(os.Environ(),
		"HOME="+h.home,
		"XDG_DATA_HOME="+filepath.Join(h.home, ".local/share"),
		"XDG_CONFIG_HOME="+filepath.Join(h.home, ".config"),
		"KEYRELAY_KEYRING=file",
		"KEYRELAY_NO_TRAY=1",
		"DBUS_SESSION_BUS_ADDRESS=disabled:",
	)
}

// start runs the helper and waits until it answers HTTP.
func (h *helper) start(t testing.TB) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd != nil {
		t.Fatal("helper already running")
	}
	cmd := exec.Command(h.bin, "run", "--addr", h.addr(), "--data-dir", h.dataDir, "--no-tray", "--log-level", "debug")
	cmd.Env = h.env()
	cmd.Stdout, cmd.Stderr = h.log, h.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	h.cmd, h.done = cmd, done

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + h.addr() + "/static/style.css")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-done:
			h.cmd = nil
			t.Fatalf("helper exited at start:\n%s", h.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("helper did not answer on %s within 20 s:\n%s", h.addr(), h.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM (the clean shutdown) and waits; a no-op when stopped.
func (h *helper) stop(t testing.TB) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGCONT) // a paused helper cannot exit
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
		t.Errorf("helper ignored SIGTERM for 15 s")
	}
	h.cmd = nil
}

// pause freezes the helper (SIGSTOP): its sockets stay open, nothing answers.
func (h *helper) pause(t testing.TB)  { h.signal(t, syscall.SIGSTOP) }
func (h *helper) resume(t testing.TB) { h.signal(t, syscall.SIGCONT) }

func (h *helper) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		t.Fatal("helper not running")
	}
	if err := h.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// cli runs a keyrelay subcommand against the same data dir.
func (h *helper) cli(t testing.TB, args ...string) string {
	t.Helper()
	full := append(args[:len(args):len(args)], "--data-dir", h.dataDir, "--addr", h.addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, full...)
	cmd.Env = h.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keyrelay %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
	}
	return string(out)
}

func (h *helper) pairings(t testing.TB) []keyrelay.Pairing {
	t.Helper()
	var ps []keyrelay.Pairing
	out := h.cli(t, "pair", "list", "--json")
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatalf("keyrelay pair list --json: %v\n%s", err, out)
	}
	return ps
}

// store opens the helper's database, as the helper's own CLI does (WAL lets
// it read beside the running helper).
func (h *helper) store(t testing.TB) *store {
	t.Helper()
	sealer, err := secret.Open(h.dataDir, "file")
	if err != nil {
		t.Fatalf("open the data key: %v", err)
	}
	db, err := sqlite.Open(filepath.Join(h.dataDir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &store{db: db, captures: sqlite.NewCaptureService(db), apps: sqlite.NewAppStatusService(db)}
}

type store struct {
	db       *sqlite.DB
	captures *sqlite.CaptureService
	apps     *sqlite.AppStatusService
}

func (s *store) all(t testing.TB) []*keyrelay.Capture {
	t.Helper()
	cs, _, err := s.captures.FindCaptures(context.Background(), keyrelay.CaptureFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("find captures: %v", err)
	}
	return cs
}

func (s *store) count(t testing.TB) int { return len(s.all(t)) }

func (s *store) byUUID(t testing.TB, uuid string) *keyrelay.Capture {
	t.Helper()
	c, err := s.captures.FindCaptureByUUID(context.Background(), uuid)
	if err != nil {
		t.Fatalf("capture %s: %v", uuid, err)
	}
	return c
}

func (s *store) key(t testing.TB, id int64) string {
	t.Helper()
	k, err := s.captures.RevealKey(context.Background(), id)
	if err != nil {
		t.Fatalf("reveal key of capture %d: %v", id, err)
	}
	return k
}

// login redeems a one-time URL from `keyrelay open --print` and returns a
// client holding the session cookie.
func (h *helper) login(t testing.TB) *http.Client {
	t.Helper()
	u := strings.TrimSpace(strings.SplitN(h.cli(t, "open", "--print"), "\n", 2)[0])
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("login: %s", resp.Status)
	}
	return c
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually polls cond until it holds or d passes; cond says what it saw.
func eventually(t testing.TB, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last saw %s", what, d, saw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testBuildTags are the build tags this test binary was built with (the
// Makefile's TAGS, e.g. sqlite_fts5), so the helper under test is built the
// same way: the tags are set in one place, the Makefile.
func testBuildTags() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				return s.Value
			}
		}
	}
	return ""
}
