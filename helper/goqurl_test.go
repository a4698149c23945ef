package main_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"keyrelay/internal/helpertest"
)

// shippedBinary builds the helper exactly as it ships, without the demo tag,
// whatever tags the shared test binary was built with.
func shippedBinary(t *testing.T) string {
	t.Helper()
	return helpertest.ProductionBinary(t)
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

// TestLoopbackGoQRefusedOnSettingsPage: a session on the shipped binary's
// history page (or a program that got one) cannot aim GoQ at loopback.
func TestLoopbackGoQRefusedOnSettingsPage(t *testing.T) {
	shipped := shippedBinary(t)
	h := wrap(helpertest.Start(t, helpertest.Options{Bin: shipped, DataDir: t.TempDir()}))

	login := strings.TrimSpace(strings.SplitN(h.cli(t, "open", "--print"), "\n", 2)[0])
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := client.Get(login); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", res, err)
	}
	res, err := client.Get("http://" + h.addr + "/settings")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf on the settings page:\n%s", page)
	}
	for _, u := range []string{"http://127.0.0.1:9/goq21/", "https://127.0.0.1:9/goq21/", "https://localhost:9/"} {
		form := url.Values{"csrf": {string(m[1])}, "login_id": {"thief"}, "password": {"pw"}, "base_url": {u}}
		req, _ := http.NewRequest("POST", "http://"+h.addr+"/settings/goq", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("base_url %s: got %d, want 400", u, res.StatusCode)
		}
	}
	if out := h.cli(t, "goq", "list"); strings.Contains(out, "thief") {
		t.Fatalf("a loopback GoQ login was stored:\n%s", out)
	}
}

// TestDataDirOfOthersRefused: the helper will not start in a data dir other
// users may write to, and says why.
func TestDataDirOfOthersRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "run", "--no-tray", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "other users may write to it (mode 0777)") {
		t.Fatalf("run in a 0777 data dir: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused data dir was written to: %v", entries)
	}
}
