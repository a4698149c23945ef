package sqlite

import (
	"fmt"
	"time"
)

// timeLayout is fixed-width UTC so that text order is time order and SQL can
// compare times as strings. The zero time is stored as "" (sorts first).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// timeScanner scans a formatTime column into *t.
type timeScanner struct{ t *time.Time }

func scanTime(t *time.Time) timeScanner { return timeScanner{t} }

func (s timeScanner) Scan(v any) error {
	var str string
	switch v := v.(type) {
	case nil:
	case string:
		str = v
	case []byte:
		str = string(v)
	case time.Time:
		*s.t = v.UTC()
		return nil
	default:
		return fmt.Errorf("sqlite: cannot scan %T into time", v)
	}
	if str == "" {
		*s.t = time.Time{}
		return nil
	}
	t, err := time.Parse(timeLayout, str)
	if err != nil {
		return fmt.Errorf("sqlite: bad time %q: %w", str, err)
	}
	*s.t = t
	return nil
}
