package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

var csvHeader = []string{"ID", "取得日時", "店舗", "アプリ名", "システム開発企業", "ライセンスキー（末尾4桁）", "有効期限", "状態", "送信状況", "取得したページ"}

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
	for _, d := range ds {
		status = append(status, newDeliveryLabel(l, d).Label)
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
	}
}

// cell defuses text that a spreadsheet would run as a formula: app and shop
// names come from web pages, so "=HYPERLINK(…)" must stay text.
func cell(s string) string {
	// Excel also evaluates a formula after leading spaces, and Japanese
	// Excel takes full-width ＝＋－＠ as their ASCII twins.
	t := strings.TrimLeft(s, " \u3000")
	if t != "" {
		if r, _ := utf8.DecodeRuneInString(t); strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
			return "'" + s
		}
	}
	return s
}
