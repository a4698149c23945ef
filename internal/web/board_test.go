//go:build demo

package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"keyrelay/internal/sqlite"
)

// Past boardLimit apps the history page shows the ones that need the
// operator and says how many it left out; ?board=all shows every one.
func TestBoardSummarised(t *testing.T) {
	e := newEnv(t)
	// Each seeded capture's expiry (2026/02/25) is past: every app needs
	// attention, so the summary keeps the first 30 and leaves 5 out.
	for i := range 35 {
		e.seed(fmt.Sprintf("アプリ%02d", i), fmt.Sprintf("SL123456_Brd%013d", i))
	}
	cookie := e.login()
	e.srv.AppStatus = sqlite.NewAppStatusService(e.db)
	rowsOf := func(body string) int {
		i := strings.Index(body, "<h2>アプリの状態</h2>")
		if i < 0 {
			t.Fatal("no status board in the page")
		}
		j := strings.Index(body[i:], "</table>")
		if j < 0 {
			t.Fatal("no status board table")
		}
		return strings.Count(body[i:i+j], "<tr>") - 1 // the header row
	}

	res := e.do("GET", "/", nil, withCookies(cookie))
	if res.code != http.StatusOK {
		t.Fatalf("got %d", res.code)
	}
	if got := rowsOf(res.body); got != 30 {
		t.Errorf("summarised board: %d rows, want 30", got)
	}
	if !strings.Contains(res.body, "ほか5件のアプリ") || !strings.Contains(res.body, `href="/?board=all"`) {
		t.Errorf("summarised board does not say 5 apps are left out, with a link to all")
	}

	res = e.do("GET", "/?board=all", nil, withCookies(cookie))
	if got := rowsOf(res.body); got != 35 {
		t.Errorf("whole board: %d rows, want 35", got)
	}
	if strings.Contains(res.body, "ほか5件のアプリ") {
		t.Errorf("whole board still says apps are left out")
	}
}
