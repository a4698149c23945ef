package web

import "io/fs"

// ParsePages exposes template parsing so a test can prove a missing template
// fails at start.
func ParsePages(fsys fs.FS) error {
	_, err := parsePages(fsys)
	return err
}

// MessageKeys returns every message key with whether both languages are set.
func MessageKeys() map[string]bool {
	out := map[string]bool{}
	for k, v := range messages {
		out[k] = v[0] != "" && v[1] != ""
	}
	return out
}

var DaysLeft = daysLeft

// CSVCell exposes the CSV formula guard.
var CSVCell = cell
