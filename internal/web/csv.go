package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

// csvBatch is how many captures the export reads per query; it walks the
// whole filtered list by keyset, so memory stays flat at 100k rows.
const csvBatch = 500

var csvHeader = []string{"ID", "取得日時", "店舗", "アプリ名", "システム開発企業", "ライセンスキー（末尾4桁）", "有効期限", "状態", "送信状況", "取得したページ"}

// handleCSV exports the filtered list as UTF-8 CSV with a BOM, which is what
// makes Excel read it as UTF-8. The key column holds the last 4 only.
func (s *Server) handleCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := parseListFilter(r)
	f.BeforeID = 0
	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := shopNames(shops)
	// The file is for Excel and colleagues: Japanese regardless of the page
	// language, like the column names.
	l := langJA

	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="keyrelay-captures-`+s.Now().In(keyrelay.JST).Format("20060102-1504")+`.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for {
		caps, _, err := s.Captures.FindCaptures(ctx, f.captureFilter(csvBatch))
		if err != nil {
			// The status line is gone; a last row says the file is cut
			// short, so it is not mistaken for the whole list.
			s.Logger.Error("csv export", "err", err)
			_ = cw.Write([]string{"（エラーのため途中までです / export cut short by an error）"})
			break
		}
		rows, err := s.captureRows(ctx, l, caps, names)
		if err != nil {
			s.Logger.Error("csv export", "err", err)
			_ = cw.Write([]string{"（エラーのため途中までです / export cut short by an error）"})
			cw.Flush()
			return
		}
		for i, c := range caps {
			row := rows[i]
			var status []string
			for _, d := range row.Deliveries {
				status = append(status, d.Label)
			}
			_ = cw.Write([]string{
				strconv.FormatInt(c.ID, 10),
				keyrelay.FormatDateTime(c.CapturedAt),
				cell(row.ShopName),
				cell(c.AppName),
				cell(c.Developer),
				cell(c.KeyLast4),
				cell(c.Expiry),
				cell(stateText(l, c)),
				strings.Join(status, " / "),
				cell(c.PageURL),
			})
		}
		if len(caps) < csvBatch {
			break
		}
		f.BeforeID = caps[len(caps)-1].ID
	}
	cw.Flush()
}

// cell defuses text that a spreadsheet would run as a formula: app and shop
// names come from web pages, so "=HYPERLINK(…)" must stay text.
func cell(s string) string {
	// Excel also evaluates a formula after leading spaces, and Japanese
	// Excel takes full-width ＝＋－＠ as their ASCII twins.
	t := strings.TrimLeft(s, " \u3000")
	if strings.TrimSpace(t) == "-" {
		return "" // "-" is how a page shows "none": the CSV leaves the cell empty
	}
	if t != "" {
		if r, _ := utf8.DecodeRuneInString(t); strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
			return "'" + s
		}
	}
	return s
}
