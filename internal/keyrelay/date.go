package keyrelay

import "time"

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

// ParseRMSDate parses an expiry as RMS shows it ("2025/05/26", also
// "2025-05-26" or "2025年5月26日"). "-" and "" mean no expiry shown: ok is false
// with a nil error.
func ParseRMSDate(s string) (t time.Time, ok bool, err error) {
	switch s {
	case "", "-", "－", "—":
		return time.Time{}, false, nil
	}
	for _, layout := range []string{"2006/01/02", "2006/1/2", "2006-01-02", "2006年1月2日", "2006/01/02 15:04:05", "2006/01/02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, JST); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, Errorf(EINVALID, "有効期限「%s」を日付として読めません。", "Cannot read expiry %q as a date.", s)
}
