package e2e_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testExtension returns a copy of the unpacked extension at root with the
// test entry points enabled: its manifest starts the service worker at
// extension/testhooks.js (which the shipped manifest never names), which installs
// keyrelayCapture, keyrelayDetect, keyrelayState and keyrelaySetPort and
// then runs the real extension/background.js. Every other file is the
// repo's, byte for byte; the manifest's key keeps the extension id.
func testExtension(t testing.TB, root string) string {
	t.Helper()
	dst := t.TempDir()
	copyTree := func(rel string, skip func(string) bool) {
		src := filepath.Join(root, rel)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, _ := filepath.Rel(root, p)
			if skip != nil && skip(filepath.ToSlash(r)) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			out := filepath.Join(dst, r)
			if d.IsDir() {
				return os.MkdirAll(out, 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(out, b, 0o644)
		})
		if err != nil {
			t.Fatalf("copying the extension: %v", err)
		}
	}
	copyTree("_locales", nil)
	copyTree("extension", func(r string) bool { return r == "extension/test" || strings.HasPrefix(r, "extension/test/") })
	if _, err := os.Stat(filepath.Join(dst, "extension", "testhooks.js")); err != nil {
		t.Fatalf("the test entry points: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	bg, ok := m["background"].(map[string]any)
	if !ok || bg["service_worker"] != "extension/background.js" {
		t.Fatalf("manifest.json: background.service_worker is %v, want extension/background.js", m["background"])
	}
	bg["service_worker"] = "extension/testhooks.js"
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "manifest.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
