//go:build demo

package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

// BenchmarkHistoryFirstPage100k serves the history page over real HTTP with
// 100k captures (each with a delivery) in the SQLite file.
func BenchmarkHistoryFirstPage100k(b *testing.B) {
	benchHistory(b, "/", "100000件")
}

// BenchmarkHistoryTextFilter100k is the worst case: a text filter has to
// scan and count every row.
func BenchmarkHistoryTextFilter100k(b *testing.B) {
	benchHistory(b, "/?q=39", "2500件")
}

func benchHistory(b *testing.B, path, want string) {
	e := newEnv(b)
	seed := e.seed("GoQ System (ごくシステム)", testKey, "rakuten.order.get")
	bulkCopyCapture(b, e, seed.ID, 100_000-1)
	cookie := e.login()

	client := &http.Client{}
	get := func() {
		req, _ := http.NewRequest("GET", e.base+path, nil)
		req.AddCookie(cookie)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			b.Fatalf("got %d, want 200 with %s", res.StatusCode, want)
		}
	}
	get() // warm the page cache, as an operator's second look would
	b.ResetTimer()
	for b.Loop() {
		get()
	}
}

// bulkCopyCapture inserts n copies of capture id (and of its delivery rows)
// in one statement each: 100k CreateCapture calls would take minutes. The
// column lists come from the schema, so a new column does not break it.
// The copies' sealed keys are never opened.
func bulkCopyCapture(b *testing.B, e *env, id int64, n int) {
	b.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+e.db.Path()+"?_busy_timeout=10000&_foreign_keys=1")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	capCols := tableColumns(b, db, "captures")
	var exprs []string
	for _, c := range capCols {
		switch c {
		case "id":
			exprs = append(exprs, "NULL")
		case "uuid":
			exprs = append(exprs, "printf('%08x-0000-4000-8000-%012x', n.i, n.i)")
		case "app_name":
			exprs = append(exprs, "s.app_name || ' ' || (n.i % 40)")
		case "search": // the store's lower-cased copy for the text filter
			exprs = append(exprs, "s.search || ' ' || (n.i % 40)")
		default:
			exprs = append(exprs, "s."+c)
		}
	}
	q := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
INSERT INTO captures (%s) SELECT %s FROM n, (SELECT * FROM captures WHERE id = %d) s`,
		n, strings.Join(capCols, ", "), strings.Join(exprs, ", "), id)
	if _, err := db.ExecContext(ctx, q); err != nil {
		b.Fatalf("bulk captures: %v", err)
	}

	delCols := tableColumns(b, db, "deliveries")
	exprs = exprs[:0]
	for _, c := range delCols {
		switch c {
		case "id":
			exprs = append(exprs, "NULL")
		case "capture_id":
			exprs = append(exprs, "c.id")
		case "shop_id":
			exprs = append(exprs, "c.shop_id")
		case "status":
			exprs = append(exprs, "'"+keyrelay.DeliveryDelivered+"'")
		default:
			exprs = append(exprs, "d."+c)
		}
	}
	q = fmt.Sprintf(`INSERT INTO deliveries (%s) SELECT %s FROM captures c, (SELECT * FROM deliveries WHERE capture_id = %d LIMIT 1) d WHERE c.id > %d`,
		strings.Join(delCols, ", "), strings.Join(exprs, ", "), id, id)
	if _, err := db.ExecContext(ctx, q); err != nil {
		b.Fatalf("bulk deliveries: %v", err)
	}
	// The text index, as the helper's indexer would.
	for {
		n, err := e.db.IndexCaptures(ctx, 10_000)
		if err != nil {
			b.Fatalf("text index: %v", err)
		}
		if n == 0 {
			break
		}
	}
}

func tableColumns(b *testing.B, db *sql.DB, table string) []string {
	b.Helper()
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			b.Fatal(err)
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		b.Fatalf("table %s has no columns", table)
	}
	return cols
}

// BenchmarkCSVExport100k downloads the whole history as CSV: 100k rows,
// their deliveries fetched a page at a time.
func BenchmarkCSVExport100k(b *testing.B) {
	e := newEnv(b)
	seed := e.seed("GoQ System (ごくシステム)", testKey, "rakuten.order.get")
	bulkCopyCapture(b, e, seed.ID, 100_000-1)
	cookie := e.login()
	for b.Loop() {
		req, _ := http.NewRequest("GET", e.base+"/captures.csv", nil)
		req.AddCookie(cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if lines := strings.Count(string(body), "\n"); res.StatusCode != http.StatusOK || lines != 100_001 {
			b.Fatalf("got %d with %d lines, want 200 with a header and 100000 rows", res.StatusCode, lines)
		}
	}
}
