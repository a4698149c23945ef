// Package helpertest runs the real keyrelay binary for tests: it builds
// ./helper once per test process, starts `keyrelay run` on 127.0.0.1:0, reads
// the address the helper logs, and stops it with SIGTERM. Every test package
// that runs the binary (helper/, e2e/) uses this one copy.
package helpertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// TagsEnv names extra build tags (space or comma separated) the Makefile
// passes down, so the binary under test is built like the rest of the suite
// (e.g. sqlite_fts5). Binary always adds "demo": tests run it against fakes.
const TagsEnv = "KEYRELAY_BUILD_TAGS"

var (
	mu     sync.Mutex
	builds = map[string]*build{} // by tag list
	dirs   []string
)

type build struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the helper built with -tags demo (plus TagsEnv), building it
// on first use. Call Cleanup from TestMain to remove it.
func Binary(t testing.TB) string {
	t.Helper()
	return BinaryWithTags(t, append([]string{"demo"}, extraTags()...)...)
}

// ProductionBinary is the helper exactly as `make build` makes it: no demo.
func ProductionBinary(t testing.TB) string {
	t.Helper()
	return BinaryWithTags(t, extraTags()...)
}

// BinaryWithTags builds ./helper once per distinct tag list.
func BinaryWithTags(t testing.TB, tags ...string) string {
	t.Helper()
	key := strings.Join(tags, ",")
	mu.Lock()
	b := builds[key]
	if b == nil {
		b = &build{}
		builds[key] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.path, b.err = goBuild(tags) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Cleanup removes every binary built in this process.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	dirs = nil
}

func goBuild(tags []string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "keyrelay-test-bin-")
	if err != nil {
		return "", err
	}
	mu.Lock()
	dirs = append(dirs, dir)
	mu.Unlock()
	bin := filepath.Join(dir, "keyrelay")
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, "./helper")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -tags %q ./helper: %w\n%s", strings.Join(tags, ","), err, out)
	}
	return bin, nil
}

// extraTags are the tags every helper build needs beside "demo": TagsEnv
// (the Makefile's TAGS), or, under a plain `go test -tags …`, the tags this
// test binary was built with, so that both builds agree (sqlite_fts5).
func extraTags() []string {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	}
	if env := os.Getenv(TagsEnv); env != "" {
		return split(env)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				return split(s.Value)
			}
		}
	}
	return nil
}

// RepoRoot is the directory holding go.mod, found upward from the working
// directory (a test runs in its package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
