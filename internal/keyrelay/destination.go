package keyrelay

import "strings"

// DestinationGoQ is GoQSystem's Destination.Name.
const DestinationGoQ = "goq"

// DeliversTo reports whether a capture's key belongs in destination. A key
// is pasted only into the system whose app it is: the shop's own app key, or
// another developer's, must never land in GoQSystem's single key field.
// Destinations without a rule take every capture.
func DeliversTo(destination string, c *Capture) bool {
	switch destination {
	case DestinationGoQ:
		// The app name decides: another app by the same company has a key
		// of its own, which must not overwrite GoQSystem's.
		return isGoQ(c.AppName)
	}
	return true
}

// isGoQ matches the names RMS shows for GoQSystem's app: "GoQ System
// (ごくシステム)", "GoQSystem", also in full-width letters, half-width
// katakana or with NBSP and tabs (FoldName). lib/text.js's deliversTo is
// the same; testdata/names.json pins both.
func isGoQ(s string) bool {
	s = FoldName(s)
	return strings.Contains(s, "goqsystem") || strings.Contains(s, "ごくシステム")
}
