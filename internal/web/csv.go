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

var csvHeader = []string{"ID", "取得日時", "店舗", "アプリ名", "システム開発企業", "ライセンスキー（末尾4桁）", "有効期限", "状態", "送信状況", "取得したページ", "GoQログインID", "GoQの表示（原文）"}

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
				cell(deliveryLogins(row.Deliveries)),
				cell(deliveryQuotes(row.Deliveries)),
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
// names come from web pages, so "=HYPERLINK(…)" must stay text. A cell that
// starts with a formula trigger (= + - @, and tab or CR, which some programs
// skip) gets a leading apostrophe. So does one whose trigger follows
// whitespace or invisible characters that spreadsheets skip (space, tab, CR,
// LF, NBSP, ZWSP and friends, the ideographic space), including the
// full-width ＝＋－＠ that Japanese Excel reads as their ASCII twins.
func cell(s string) string {
	if s == "" {
		return s
	}
	if r, _ := utf8.DecodeRuneInString(s); r == '\t' || r == '\r' {
		return "'" + s
	}
	t := strings.TrimLeftFunc(s, skippedBySpreadsheets)
	if strings.TrimSpace(t) == "-" {
		return "" // "-" is how a page shows "none": the CSV leaves the cell empty
	}
	if t != "" {
		if r, _ := utf8.DecodeRuneInString(t); strings.ContainsRune(formulaTriggers, r) {
			return "'" + s
		}
	}
	return s
}

// deliveryLogins is the GoQ login ID column: which account received (or
// refused) the key, per delivery.
func deliveryLogins(ds []deliveryLabel) string {
	var out []string
	for _, d := range ds {
		if d.Login != "" {
			out = append(out, d.Login)
		}
	}
	return strings.Join(out, " / ")
}

// deliveryQuotes is GoQ's own message, verbatim, per delivery.
func deliveryQuotes(ds []deliveryLabel) string {
	var out []string
	for _, d := range ds {
		if d.Quote != "" {
			out = append(out, d.Quote)
		}
	}
	return strings.Join(out, " / ")
}

const formulaTriggers = "=+-@＝＋－＠"

func skippedBySpreadsheets(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\u00a0', '\u3000', // spaces
		'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width
		'\u00ad', '\u180e', '\u2028', '\u2029', '\u202f', '\u205f':
		return true
	}
	return r >= '\u2000' && r <= '\u200a' // en quad … hair space
}
