//go:build demo

package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The export streams one query with the deliveries joined; a text filter
// keeps only matching rows, and each row still carries its delivery status.
func TestCSVExportFilteredWithDeliveries(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey)
	e.seed("在庫連携アプリ", "SL123456_Zx9cVb8nM7lK6jH5")
	e.seed("GoQ System (ごくシステム)", "SL123456_Qw9cVb8nM7lK6jH5")
	cookie := e.login()

	read := func(path string) [][]string {
		t.Helper()
		res := e.do("GET", path, nil, withCookies(cookie))
		if res.code != http.StatusOK {
			t.Fatalf("%s: got %d", path, res.code)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return records
	}
	all := read("/captures.csv")
	if len(all) != 4 {
		t.Fatalf("unfiltered: %d records, want a header and 3 rows", len(all))
	}
	if got := read("/captures.csv?q=" + url.QueryEscape("在庫")); len(got) != 2 || got[1][3] != "在庫連携アプリ" {
		t.Fatalf("q=在庫: %v, want a header and the one 在庫連携アプリ row", got)
	}
	goq := read("/captures.csv?q=" + url.QueryEscape("ごくシステム"))
	if len(goq) != 3 {
		t.Fatalf("q=ごくシステム: %d records, want a header and 2 rows", len(goq))
	}
	for _, r := range goq[1:] {
		if !strings.Contains(r[3], "GoQ") || r[8] == "" {
			t.Errorf("row %v: want a GoQ app with a delivery status", r)
		}
	}
	// Newest first, as on the page.
	if goq[1][0] <= goq[2][0] && len(goq[1][0]) == len(goq[2][0]) {
		t.Errorf("order: ids %s then %s, want newest first", goq[1][0], goq[2][0])
	}
}
