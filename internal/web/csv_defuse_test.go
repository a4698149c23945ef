//go:build demo

package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCSVFormulaTriggersDefused: app names carrying every formula trigger a
// spreadsheet honours, behind every leading whitespace or invisible
// character it skips, come back from the exported file (read with
// encoding/csv, as a spreadsheet would parse it) as text: prefixed with an
// apostrophe and otherwise unchanged.
func TestCSVFormulaTriggersDefused(t *testing.T) {
	e := newEnv(t)
	var names []string
	for _, lead := range []string{"", " ", "\t", "\r", "\n", "\u00a0", "\u200b", "\u3000", "\ufeff", " \u200b\u00a0\t"} {
		for _, trig := range []string{"=", "+", "-", "@", "＝", "＋", "－", "＠"} {
			names = append(names, lead+trig+`HYPERLINK("https://evil.example","GoQ")`)
		}
	}
	names = append(names, "\tplain", "\rplain") // tab and CR are triggers themselves
	for _, n := range names {
		e.seed(n, testKey)
	}
	safe := "GoQ System (ごくシステム) = 正規"
	e.seed(safe, testKey)
	cookie := e.login()
	res := e.do("GET", "/captures.csv", nil, withCookies(cookie))
	if res.code != http.StatusOK {
		t.Fatalf("csv: %d", res.code)
	}
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(res.body), []byte("\ufeff"))))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "アプリ名" {
			col = i
		}
	}
	got := map[string]bool{}
	for _, row := range rows[1:] {
		v := row[col]
		if v == safe {
			got[v] = true
			continue
		}
		if !strings.HasPrefix(v, "'") {
			t.Errorf("cell %q is not defused", v)
			continue
		}
		got[strings.TrimPrefix(v, "'")] = true
	}
	for _, n := range append(names, safe) {
		// encoding/csv turns \r\n inside a quoted field into \n.
		if !got[n] && !got[strings.ReplaceAll(n, "\r\n", "\n")] {
			t.Errorf("name %q did not come back (as %q)", n, "'"+n)
		}
	}
	if r, _ := utf8.DecodeRuneInString(safe); r == '\'' {
		t.Fatal("bad fixture")
	}
}
