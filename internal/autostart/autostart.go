// Package autostart writes and removes the platform's login item, so the
// helper starts with the operator's session: an XDG autostart .desktop file on
// Linux and the BSDs, a LaunchAgent on macOS, the HKCU Run key on Windows.
// Every call is idempotent.
package autostart

// ID names the login item on every platform (desktop file, LaunchAgent
// label, Run value).
const ID = "keyrelay"

// Enable installs the login item: at login the OS runs exe with args. A
// second call replaces the first, so it also repairs a moved binary.
func Enable(exe string, args []string) error { return enable(exe, args) }

// Disable removes the login item. Removing one that does not exist is not an
// error.
func Disable() error { return disable() }

// Status reports whether the login item is installed and where it lives (a
// file path, or the registry value on Windows).
func Status() (enabled bool, path string, err error) { return status() }
