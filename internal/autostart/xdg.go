//go:build !darwin && !windows

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Path is the .desktop file the XDG autostart spec reads at login:
// $XDG_CONFIG_HOME/autostart/keyrelay.desktop, ~/.config when unset.
func Path() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) { // the spec says a relative value is ignored
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("autostart: no home directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", ID+".desktop"), nil
}

func enable(exe string, args []string) error {
	p, err := Path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("autostart: create %s: %w", filepath.Dir(p), err)
	}
	return writeFileAtomic(p, []byte(DesktopEntry(exe, args)), 0o644)
}

func DesktopEntry(exe string, args []string) string {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=keyrelay\n")
	b.WriteString("Comment=RMSのライセンスキーをGoQSystemへ届けるヘルパー (license key relay helper)\n")
	b.WriteString("Exec=" + ExecLine(exe, args) + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.String()
}

// ExecLine quotes exe and args for a desktop file's Exec key. The value is
// unescaped twice by readers: first as a desktop-file string (\\ → \), then as
// an Exec argument list (quotes, and \" \` \$ \\ inside them), and a lone %
// is a field code, so each layer is escaped in turn.
func ExecLine(exe string, args []string) string {
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		parts = append(parts, quoteExecArg(a))
	}
	return strings.Join(parts, " ")
}

func quoteExecArg(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\` + string(r))
		case '\\':
			b.WriteString(`\\\\`) // \\ for Exec quoting, doubled for the string layer
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
