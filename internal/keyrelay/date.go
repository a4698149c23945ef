package keyrelay

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// JST is the zone RMS shows dates in. It is fixed (Japan has no DST), so it
// does not depend on the machine having tzdata.
var JST = time.FixedZone("JST", 9*60*60)

// FormatDate renders t as RMS does: 2025/05/26.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(JST).Format("2006/01/02")
}

// FormatDateTime renders t as 2025/05/26 10:00 in JST.
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(JST).Format("2006/01/02 15:04")
}

// rmsDate is a date as RMS shows it, one separator style throughout
// ("2025/05/26", "2025/5/6", "2025-05-26", "2025年5月26日"), optionally
// followed by a time of day, which is ignored. lib/text.js's parseRMSDate
// uses the same expression; testdata/dates.json pins both.
var rmsDate = regexp.MustCompile(`^([0-9]{4})(?:/([0-9]{1,2})/([0-9]{1,2})|-([0-9]{1,2})-([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$`)

// noDate are what RMS shows where there is no expiry (after NFKC).
var noDate = []string{"", "-", "—", "‐", "―"}

// ParseRMSDate parses an expiry as RMS shows it, after NFKC (full-width
// digits) and trimming. "-" and "" mean no expiry shown: ok is false with a
// nil error.
func ParseRMSDate(s string) (t time.Time, ok bool, err error) {
	v := TrimSpace(norm.NFKC.String(s))
	for _, n := range noDate {
		if v == n {
			return time.Time{}, false, nil
		}
	}
	m := rmsDate.FindStringSubmatch(v)
	if m == nil {
		return time.Time{}, false, unreadableDate(s)
	}
	y, _ := strconv.Atoi(m[1])
	var mo, d int
	for i := 2; i < len(m); i += 2 {
		if m[i] != "" {
			mo, _ = strconv.Atoi(m[i])
			d, _ = strconv.Atoi(m[i+1])
		}
	}
	t = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, JST)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false, unreadableDate(s)
	}
	return t, true, nil
}

func unreadableDate(s string) error {
	return Errorf(EINVALID, "有効期限「%s」を日付として読めません。", "Cannot read expiry %q as a date.", Clip(s, 64))
}

// isSpace is whitespace to the operator's eye: Unicode White_Space plus the
// zero-width characters a copy and paste can carry (lib/text.js: SPACE_RE).
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff'
}

// TrimSpace drops isSpace characters around s.
func TrimSpace(s string) string { return strings.TrimFunc(s, isSpace) }

// FoldName is how two names as shown are compared (アプリ一覧 and the detail
// page differ in spacing and width): NFKC, no whitespace at all, lower case.
// lib/text.js's foldName is the same; testdata/names.json pins both.
func FoldName(s string) string {
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.ToLower(s)
}
