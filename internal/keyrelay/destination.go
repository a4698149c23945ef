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
// (ごくシステム)", "GoQSystem", also in full-width letters.
func isGoQ(s string) bool {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			return r - 'Ａ' + 'A'
		case r == ' ' || r == '\u3000':
			return -1
		}
		return r
	}, s)
	s = strings.ToLower(s)
	return strings.Contains(s, "goqsystem") || strings.Contains(s, "ごくシステム")
}
