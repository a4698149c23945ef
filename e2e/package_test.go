//go:build demo

package e2e_test

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPackagedExtensionHasNoTestHooks: the zip `make extension` builds
// carries no test entry point. Its files name none, and its service worker,
// loaded in Chromium, has none on its global scope.
func TestPackagedExtensionHasNoTestHooks(t *testing.T) {
	root := repoRoot(t)
	out := filepath.Join(t.TempDir(), "ext.zip")
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "package-extension.sh"), "chrome", out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("package-extension.sh: %v\n%s", err, b)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	// Defining a hook, or loading the file that does (comments may name them).
	defines := regexp.MustCompile(`\bkeyrelay(?:Capture|Detect|State|SetPort)\s*=|testhooks\.js`)
	for _, f := range zr.File {
		if strings.Contains(f.Name, "testhooks") || strings.HasPrefix(f.Name, "extension/test/") {
			t.Errorf("the zip contains %s", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if m := defines.Find(b); m != nil {
			t.Errorf("%s in the zip has %q", f.Name, m)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var m struct {
		Background struct {
			ServiceWorker string `json:"service_worker"`
		} `json:"background"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Background.ServiceWorker != "extension/background.js" {
		t.Fatalf("the zip's service worker is %q", m.Background.ServiceWorker)
	}

	requireChromium(t)
	b := startBrowser(t, browserOptions{Extension: dir})
	got := mustSW[map[string]string](t, b, `({
		capture: typeof keyrelayCapture, detect: typeof keyrelayDetect, state: typeof keyrelayState,
		setPort: typeof keyrelaySetPort, installer: typeof keyrelayTestHooks, runtime: typeof chrome.runtime.id,
		wire: typeof globalThis.keyrelay.wire.buildCapture})`)
	for _, k := range []string{"capture", "detect", "state", "setPort", "installer"} {
		if got[k] != "undefined" {
			t.Errorf("the packaged service worker has a %s test hook (%s)", k, got[k])
		}
	}
	if got["runtime"] != "string" || got["wire"] != "function" {
		t.Fatalf("not evaluated in the packaged extension's service worker: %v", got)
	}
}
