package keyrelay

import (
	"strings"
	"unicode/utf8"
)

// Every limit on a capture and on an アプリ一覧 row, in bytes of UTF-8 unless
// it says otherwise. The protocol validator, the store and the extension use
// these numbers: the extension reads them from extension/lib/limits.js,
// which is generated from this file (go test ./internal/keyrelay -run
// TestGeneratedLimits -update), and testdata/limits.json pins them for both
// test suites.
//
// Only the key, the capture's identity (capture id, shop, app name) and the
// message's shape can make a capture invalid. Descriptive fields (developer,
// URLs, state, expiry, API list) are cut to their limit with TruncMarker and
// stored: a long API description must never cost the operator a valid key.
const (
	// The key. The Service Square key's format is unpublished, so the bounds
	// are wide; what a key cannot contain is checked strictly instead.
	MinKeyLen = 12
	MaxKeyLen = 256

	// Identity: longer is invalid.
	MaxShopIDLen   = 64
	MaxShopURLLen  = 2048
	MaxShopNameLen = 512
	MaxAppNameLen  = 512

	// Descriptive: longer is truncated.
	MaxDeveloperLen = 512
	MaxAppURLLen    = 2048
	MaxStateLen     = 256
	MaxExpiryLen    = 64
	MaxPageURLLen   = 4096
	MaxAPINameLen   = 256
	MaxAPIDescLen   = 2048
	MaxAPIs         = 500 // entries in a capture's API list; the rest are dropped

	// アプリ一覧.
	MaxAppRows  = 500 // rows in one listing; more is a malformed message
	MaxLast4Len = 4   // characters (not bytes) of a row's key_last4; a longer value could be a whole key

	// MaxMessageBytes bounds one WebSocket frame. The extension shortens API
	// descriptions, then drops trailing APIs, until a capture fits.
	MaxMessageBytes = 64 << 10
)

// TruncMarker ends a descriptive field that was cut to its limit.
const TruncMarker = "…［省略］"

// Clip returns s as valid UTF-8 of at most max bytes. When s is longer it is
// cut at a character boundary and ends in TruncMarker (the marker counts
// toward max). lib/limits.js's clip does the same; testdata/limits.json pins both.
func Clip(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	marker := TruncMarker
	if len(marker) > max {
		marker = "" // no room for the marker: cut only
	}
	n := max - len(marker)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + marker
}

// CheckCapture reports why c cannot be stored at all: a key that breaks the
// key rules, or an identity (shop, app name) that is missing, too long or
// not UTF-8. Descriptive fields never make it fail (see Clip).
func CheckCapture(c *Capture) error {
	if err := ValidateKey(c.Key); err != nil {
		return err
	}
	if strings.TrimSpace(c.AppName) == "" {
		return Errorf(EINVALID, "アプリ名がありません。", "The app name is missing.")
	}
	for _, f := range []struct {
		ja, en, v string
		max       int
	}{
		{"店舗ID", "shop id", c.Shop.ID, MaxShopIDLen},
		{"店舗URL", "shop URL", c.Shop.URL, MaxShopURLLen},
		{"店舗名", "shop name", c.Shop.Name, MaxShopNameLen},
		{"アプリ名", "app name", c.AppName, MaxAppNameLen},
	} {
		if len(f.v) > f.max {
			return Errorf(EINVALID, "%[1]sが長すぎます（%[2]dバイトまで）。", "The %[3]s is too long (at most %[2]d bytes).", f.ja, f.max, f.en)
		}
		if !utf8.ValidString(f.v) {
			return Errorf(EINVALID, "%[1]sに不正な文字コードが含まれています。", "The %[2]s is not valid UTF-8.", f.ja, f.en)
		}
	}
	return nil
}

// ClipCapture cuts c's descriptive fields to their limits, in place, and
// reports whether anything was cut.
func ClipCapture(c *Capture) bool {
	cut := false
	clip := func(p *string, max int) {
		v := Clip(*p, max)
		if v != *p {
			*p, cut = v, true
		}
	}
	clip(&c.Developer, MaxDeveloperLen)
	clip(&c.AppURL, MaxAppURLLen)
	clip(&c.State, MaxStateLen)
	clip(&c.Expiry, MaxExpiryLen)
	clip(&c.PageURL, MaxPageURLLen)
	if len(c.APIs) > MaxAPIs {
		c.APIs, cut = c.APIs[:MaxAPIs:MaxAPIs], true
	}
	if cut || len(c.APIs) > 0 {
		apis := make([]API, len(c.APIs)) // never write into the caller's backing array
		copy(apis, c.APIs)
		c.APIs = apis
	}
	for i := range c.APIs {
		clip(&c.APIs[i].Name, MaxAPINameLen)
		clip(&c.APIs[i].Description, MaxAPIDescLen)
	}
	return cut
}

// RowProblem says why an アプリ一覧 row was dropped or changed.
type RowProblem struct {
	Row       int // 1-based, as the operator counts
	Dropped   bool
	Message   string
	MessageEn string
}

// CleanListing makes an アプリ一覧 visit storable row by row, in place: a row
// without an app name, or whose key_last4 is longer than MaxLast4Len (it could
// be a whole key), is dropped; an expiry that is not a date is replaced by "-"
// (no expiry); descriptive fields are clipped. It returns what it did, for
// the log and the reply. The listing as a whole is refused (an error) only
// when its shop is unusable or it has more than MaxAppRows rows.
func CleanListing(l *AppListing) ([]RowProblem, error) {
	if l == nil {
		return nil, Errorf(EINVALID, "アプリ一覧のデータが空です。", "The app list is empty.")
	}
	if len(l.Rows) > MaxAppRows {
		return nil, Errorf(EINVALID, "アプリ一覧の行が多すぎます（%d行まで）。", "The app list has too many rows (at most %d).", MaxAppRows)
	}
	for _, f := range []struct {
		v   string
		max int
	}{{l.Shop.ID, MaxShopIDLen}, {l.Shop.URL, MaxShopURLLen}, {l.Shop.Name, MaxShopNameLen}} {
		if len(f.v) > f.max || !utf8.ValidString(f.v) {
			return nil, Errorf(EINVALID, "アプリ一覧の店舗情報が不正です。", "The app list's shop fields are invalid.")
		}
	}
	l.PageURL = Clip(l.PageURL, MaxPageURLLen)
	var problems []RowProblem
	kept := make([]AppListRow, 0, len(l.Rows))
	for i, r := range l.Rows {
		r.AppName = strings.TrimSpace(r.AppName)
		r.KeyLast4 = strings.TrimSpace(r.KeyLast4)
		switch {
		case r.AppName == "" || len(r.AppName) > MaxAppNameLen || !utf8.ValidString(r.AppName):
			problems = append(problems, RowProblem{Row: i + 1, Dropped: true,
				Message: "アプリ名がない（または長すぎる）ため、この行は保存しません。", MessageEn: "No usable app name: the row is not stored."})
			continue
		case utf8.RuneCountInString(r.KeyLast4) > MaxLast4Len:
			problems = append(problems, RowProblem{Row: i + 1, Dropped: true,
				Message: "末尾4桁の欄にキーの末尾4文字より長い値があるため、この行は保存しません。", MessageEn: "key_last4 holds more than the key's last 4 characters: the row is not stored."})
			continue
		}
		r.Developer = Clip(strings.TrimSpace(r.Developer), MaxDeveloperLen)
		r.State = Clip(r.State, MaxStateLen)
		r.Expiry = strings.TrimSpace(r.Expiry)
		if _, _, err := ParseRMSDate(r.Expiry); err != nil || len(r.Expiry) > MaxExpiryLen {
			problems = append(problems, RowProblem{Row: i + 1,
				Message:   "有効期限を日付として読めないため、期限なしとして保存します。",
				MessageEn: "The expiry is not a date: the row is stored without one."})
			r.Expiry = "-"
		}
		kept = append(kept, r)
	}
	l.Rows = kept
	return problems, nil
}
