package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shippedBinary builds the helper exactly as it ships, without the demo tag,
// whatever tags the shared test binary was built with.
func shippedBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keyrelay-shipped")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestLoopbackGoQRefused: the shipped binary (built without the demo tag)
// will not store a GoQ URL on loopback, where another program could catch
// the key and the password.
func TestLoopbackGoQRefused(t *testing.T) {
	dir := t.TempDir()
	shipped := shippedBinary(t)
	for _, u := range []string{"http://127.0.0.1:1/goq21/", "https://127.0.0.1:1/goq21/", "https://localhost:1/"} {
		cmd := exec.Command(shipped, "goq", "set-login", "--login-id", "thief", "--base-url", u, "--data-dir", dir)
		cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
		cmd.Stdin = strings.NewReader("pw\n")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "goqsystem.com") {
			t.Errorf("set-login %s: err %v, output:\n%s", u, err, out)
		}
	}
	cmd := exec.Command(shipped, "goq", "list", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	if out, _ := cmd.CombinedOutput(); strings.Contains(string(out), "thief") {
		t.Fatalf("a loopback GoQ login was stored:\n%s", out)
	}
}
