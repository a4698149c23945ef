package keyrelay_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

// The rules Go and the extension share are pinned by the JSON files in
// testdata/, which extension/test/vectors.test.js reads too: a vector that
// either side breaks fails both suites.

func readVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestKeyVectors(t *testing.T) {
	var v struct {
		About string `json:"about"`
		Last4 []struct{ Key, Want string }
		Cases []struct {
			Name    string  `json:"name"`
			Key     string  `json:"key"`
			Problem *string `json:"problem"`
		} `json:"cases"`
	}
	readVectors(t, "keys.json", &v)
	if len(v.Cases) < 40 {
		t.Fatalf("only %d key vectors", len(v.Cases))
	}
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			want := ""
			if c.Problem != nil {
				want = *c.Problem
			}
			if got := keyrelay.KeyProblem(c.Key); got != want {
				t.Fatalf("KeyProblem = %q, want %q", got, want)
			}
			err := keyrelay.ValidateKey(c.Key)
			if (err == nil) != (want == "") {
				t.Fatalf("ValidateKey = %v, want problem %q", err, want)
			}
			if err != nil {
				ja, en := keyrelay.ErrorMessage(err)
				if len(c.Key) >= 8 && (strings.Contains(ja, c.Key) || strings.Contains(en, c.Key)) {
					t.Fatal("the message echoes the key")
				}
			}
		})
	}
	for _, c := range v.Last4 {
		if got := keyrelay.KeyLast4(c.Key); got != c.Want {
			t.Errorf("KeyLast4(%q) = %q, want %q", c.Key, got, c.Want)
		}
	}
}

func TestDateVectors(t *testing.T) {
	var v struct {
		About string `json:"about"`
		Cases []struct {
			Name string  `json:"name"`
			In   string  `json:"in"`
			Want *string `json:"want"`
		} `json:"cases"`
	}
	readVectors(t, "dates.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			d, ok, err := keyrelay.ParseRMSDate(c.In)
			switch {
			case c.Want == nil:
				if err == nil {
					t.Fatalf("ParseRMSDate(%q) = %v, %v; want unreadable", c.In, d, ok)
				}
			case *c.Want == "":
				if err != nil || ok {
					t.Fatalf("ParseRMSDate(%q) = %v, %v, %v; want no expiry", c.In, d, ok, err)
				}
			default:
				if err != nil || !ok || keyrelay.FormatDate(d) != *c.Want {
					t.Fatalf("ParseRMSDate(%q) = %v, %v, %v; want %s", c.In, d, ok, err, *c.Want)
				}
			}
		})
	}
}

func TestNameVectors(t *testing.T) {
	var v struct {
		About string `json:"about"`
		Fold  []struct {
			Name string `json:"name"`
			In   string `json:"in"`
			Want string `json:"want"`
		} `json:"fold"`
		DeliversToGoQ []struct {
			AppName string `json:"app_name"`
			Want    bool   `json:"want"`
		} `json:"delivers_to_goq"`
		SameName []struct {
			A    string `json:"a"`
			B    string `json:"b"`
			Want bool   `json:"want"`
		} `json:"same_name"`
	}
	readVectors(t, "names.json", &v)
	for _, c := range v.Fold {
		if got := keyrelay.FoldName(c.In); got != c.Want {
			t.Errorf("%s: FoldName(%q) = %q, want %q", c.Name, c.In, got, c.Want)
		}
	}
	for _, c := range v.DeliversToGoQ {
		if got := keyrelay.DeliversTo(keyrelay.DestinationGoQ, &keyrelay.Capture{AppName: c.AppName}); got != c.Want {
			t.Errorf("DeliversTo(goq, %q) = %v, want %v", c.AppName, got, c.Want)
		}
	}
	for _, c := range v.SameName {
		got := keyrelay.FoldName(c.A) != "" && keyrelay.FoldName(c.A) == keyrelay.FoldName(c.B)
		if got != c.Want {
			t.Errorf("same name %q / %q = %v, want %v", c.A, c.B, got, c.Want)
		}
	}
}

// limitTable is every limit the extension needs, by the name it has in
// testdata/limits.json and lib/limits.js.
func limitTable() map[string]int {
	return map[string]int{
		"min_key_len":       keyrelay.MinKeyLen,
		"max_key_len":       keyrelay.MaxKeyLen,
		"max_shop_id_len":   keyrelay.MaxShopIDLen,
		"max_shop_url_len":  keyrelay.MaxShopURLLen,
		"max_shop_name_len": keyrelay.MaxShopNameLen,
		"max_app_name_len":  keyrelay.MaxAppNameLen,
		"max_developer_len": keyrelay.MaxDeveloperLen,
		"max_app_url_len":   keyrelay.MaxAppURLLen,
		"max_state_len":     keyrelay.MaxStateLen,
		"max_expiry_len":    keyrelay.MaxExpiryLen,
		"max_page_url_len":  keyrelay.MaxPageURLLen,
		"max_api_name_len":  keyrelay.MaxAPINameLen,
		"max_api_desc_len":  keyrelay.MaxAPIDescLen,
		"max_apis":          keyrelay.MaxAPIs,
		"max_app_rows":      keyrelay.MaxAppRows,
		"max_last4_len":     keyrelay.MaxLast4Len,
		"max_message_bytes": keyrelay.MaxMessageBytes,
	}
}

type limitVectors struct {
	About  string         `json:"about"`
	Limits map[string]int `json:"limits"`
	Marker string         `json:"marker"`
	Clip   []struct {
		Name string `json:"name"`
		In   string `json:"in"`
		Max  int    `json:"max"`
		Want string `json:"want"`
	} `json:"clip"`
}

func TestLimitVectors(t *testing.T) {
	var v limitVectors
	readVectors(t, "limits.json", &v)
	want := limitTable()
	for k, n := range want {
		if v.Limits[k] != n {
			t.Errorf("limits.json %s = %d, limits.go says %d", k, v.Limits[k], n)
		}
	}
	for k := range v.Limits {
		if _, ok := want[k]; !ok {
			t.Errorf("limits.json has %s, which limits.go does not define", k)
		}
	}
	if v.Marker != keyrelay.TruncMarker {
		t.Errorf("marker %q, limits.go says %q", v.Marker, keyrelay.TruncMarker)
	}
	for _, c := range v.Clip {
		if got := keyrelay.Clip(c.In, c.Max); got != c.Want {
			t.Errorf("%s: Clip(…, %d) = %q, want %q", c.Name, c.Max, got, c.Want)
		}
	}
}

// update rewrites the generated files: extension/lib/limits.js from
// limits.go, docs/STATES.md from testdata/states.json.
var update = flag.Bool("update", false, "rewrite extension/lib/limits.js and docs/STATES.md")

// TestGeneratedLimits keeps extension/lib/limits.js equal to limits.go.
// Regenerate with: go test ./internal/keyrelay -run TestGeneratedLimits -update
func TestGeneratedLimits(t *testing.T) {
	path := filepath.Join("..", "..", "extension", "lib", "limits.js")
	want := renderLimitsJS()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go test ./internal/keyrelay -run TestGeneratedLimits -update", path)
	}
}

func renderLimitsJS() []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by `go test ./internal/keyrelay -run TestGeneratedLimits -update`. DO NOT EDIT.\n")
	b.WriteString("// The limits on a capture and an アプリ一覧 row, from internal/keyrelay/limits.go\n")
	b.WriteString("// (UTF-8 bytes unless the name says otherwise). Pinned by internal/keyrelay/testdata/limits.json.\n")
	b.WriteString("(function (root) {\n  'use strict';\n  const limits = Object.freeze({\n")
	table := limitTable()
	names := make([]string, 0, len(table))
	for k := range table {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&b, "    %s: %d,\n", k, table[k])
	}
	marker, _ := json.Marshal(keyrelay.TruncMarker)
	fmt.Fprintf(&b, "    trunc_marker: %s,\n", marker)
	b.WriteString("  });\n")
	b.WriteString("  if (typeof module === 'object' && module.exports) module.exports = limits;\n")
	b.WriteString("  else (root.keyrelay = root.keyrelay || {}).limits = limits;\n")
	b.WriteString("})(typeof globalThis !== 'undefined' ? globalThis : this);\n")
	return b.Bytes()
}

// FuzzClip checks what every cut must keep: valid UTF-8 within the limit,
// the input untouched when it fits, else a prefix of it and the marker.
func FuzzClip(f *testing.F) {
	for _, s := range []string{"", "abc", "画像IDを指定して画像を削除", "ab😀😀😀", "\xff\xfeab"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<12 {
			return
		}
		got := keyrelay.Clip(s, max)
		valid := strings.ToValidUTF8(s, "\uFFFD")
		switch {
		case !utf8.ValidString(got):
			t.Fatalf("Clip(%q, %d) = %q: not UTF-8", s, max, got)
		case len(got) > max && len(valid) > max:
			t.Fatalf("Clip(%q, %d) = %d bytes", s, max, len(got))
		case len(valid) <= max && got != valid:
			t.Fatalf("Clip(%q, %d) = %q, want it unchanged", s, max, got)
		case len(valid) > max && !strings.HasPrefix(valid, strings.TrimSuffix(got, keyrelay.TruncMarker)):
			t.Fatalf("Clip(%q, %d) = %q: not a prefix", s, max, got)
		}
	})
}
