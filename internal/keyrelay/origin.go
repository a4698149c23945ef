package keyrelay

import "regexp"

// PinnedOrigin is the Chrome/Edge extension's origin, fixed by the key in
// manifest.json: always allowed.
const PinnedOrigin = "chrome-extension://" + ExtensionID

var (
	mozOrigin    = regexp.MustCompile(`^moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	chromeOrigin = regexp.MustCompile(`^chrome-extension://[a-p]{32}$`)
)

// IsMozExtensionOrigin reports whether o is a Firefox extension origin.
// Firefox gives each install a random UUID, so it cannot be pinned: it is
// admitted to pairing only until the operator approves it.
func IsMozExtensionOrigin(o string) bool { return mozOrigin.MatchString(o) }

// IsExtensionOrigin reports whether o is some browser extension's origin
// (ours or another's). The hello probe tells such an origin that it is
// refused; a web page is told nothing.
func IsExtensionOrigin(o string) bool { return mozOrigin.MatchString(o) || chromeOrigin.MatchString(o) }
