package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

var csvHeader = []string{"ID", "取得日時", "店舗", "アプリ名", "システム開発企業", "ライセンスキー（末尾4桁）", "有効期限", "状態", "送信状況", "取得したページ", "GoQログインID", "GoQの表示（原文）"}

// csvCutShort is the last line of a file an error cut short, so it is not
// mistaken for the whole list.
var csvCutShort = []string{"（エラーのため途中までです / export cut short by an error）"}

// csvFlushEvery rows the buffered writer is pushed to the client, so a long
// export arrives as it is read instead of when it ends.
const csvFlushEvery = 1000

// handleCSV exports the filtered list as UTF-8 CSV with a BOM, which is what
// makes Excel read it as UTF-8. The key column holds the last 4 only. Rows
// are written as the store's one query returns them (Export.EachCapture):
// nothing is held but the current row.
func (s *Server) handleCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := parseListFilter(r)
	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := shopNames(shops)

	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="keyrelay-captures-`+s.Now().In(keyrelay.JST).Format("20060102-1504")+`.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	n := 0
	err = s.Export.EachCapture(ctx, f.captureFilter(0), func(c *keyrelay.Capture, ds []*keyrelay.Delivery) error {
		if err := cw.Write(csvRecord(c, ds, names)); err != nil {
			return err
		}
		if n++; n%csvFlushEvery == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	if err != nil {
		s.Logger.Error("csv export", "err", err)
		_ = cw.Write(csvCutShort)
	}
	cw.Flush()
}

// csvRecord is one capture's CSV row: every column and every defused cell
// is decided here. The file is for Excel and colleagues: Japanese regardless
// of the page language, like the column names.
func csvRecord(c *keyrelay.Capture, ds []*keyrelay.Delivery, names map[int64]string) []string {
	l := langJA
	shopName := names[c.ShopID]
	if shopName == "" {
		shopName = (&keyrelay.Shop{Ref: c.Shop}).DisplayName()
	}
	var status []string
	labels := make([]deliveryLabel, 0, len(ds))
	for _, d := range ds {
		dl := newDeliveryLabel(l, d)
		labels = append(labels, dl)
		status = append(status, dl.Label)
	}
	if len(ds) == 0 && !keyrelay.DeliversTo(keyrelay.DestinationGoQ, c) {
		status = append(status, notTargetLabel(l).Label)
	}
	return []string{
		strconv.FormatInt(c.ID, 10),
		keyrelay.FormatDateTime(c.CapturedAt),
		cell(shopName),
		cell(c.AppName),
		cell(c.Developer),
		cell(c.KeyLast4),
		cell(c.Expiry),
		cell(stateText(l, c)),
		strings.Join(status, " / "),
		cell(c.PageURL),
		cell(deliveryLogins(labels)),
		cell(deliveryQuotes(labels)),
	}
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
