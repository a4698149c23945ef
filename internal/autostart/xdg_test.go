//go:build linux

package autostart_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyrelay/internal/autostart"
)

func TestXDGAutostart(t *testing.T) {
	t.Run("enable writes the desktop file, twice is one file, disable removes it", func(t *testing.T) {
		cfg := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", cfg)
		want := filepath.Join(cfg, "autostart", "keyrelay.desktop")

		for range 2 {
			if err := autostart.Enable("/opt/keyrelay/bin/keyrelay", []string{"run"}); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := os.ReadDir(filepath.Join(cfg, "autostart"))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(entries); got != 1 {
			t.Fatalf("autostart dir holds %d files, want 1: %v", got, entries)
		}
		b, err := os.ReadFile(want)
		if err != nil {
			t.Fatal(err)
		}
		if got, wantLine := string(b), "\nExec=/opt/keyrelay/bin/keyrelay run\n"; !strings.Contains(got, wantLine) {
			t.Errorf("desktop file:\n%s\nwant line %q", got, wantLine)
		}
		if got, wantPrefix := string(b), "[Desktop Entry]\nType=Application\n"; !strings.HasPrefix(got, wantPrefix) {
			t.Errorf("desktop file starts %q, want %q", got, wantPrefix)
		}

		enabled, path, err := autostart.Status()
		if err != nil {
			t.Fatal(err)
		}
		if !enabled || path != want {
			t.Errorf("Status() = %v, %q; want true, %q", enabled, path, want)
		}

		for range 2 {
			if err := autostart.Disable(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(want); !os.IsNotExist(err) {
			t.Errorf("after Disable, stat = %v; want not exist", err)
		}
		enabled, _, err = autostart.Status()
		if err != nil || enabled {
			t.Errorf("Status() after Disable = %v, %v; want false, nil", enabled, err)
		}
	})

	t.Run("XDG_CONFIG_HOME unset falls back to HOME/.config", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv("HOME", home)
		t.Setenv("XDG_CONFIG_HOME", "")
		if err := autostart.Enable("/usr/bin/keyrelay", []string{"run"}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(home, ".config", "autostart", "keyrelay.desktop")); err != nil {
			t.Errorf("desktop file not under HOME/.config: %v", err)
		}
	})

	t.Run("Exec quoting", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			exe  string
			args []string
			want string
		}{
			{"plain", "/usr/bin/keyrelay", []string{"run"}, `/usr/bin/keyrelay run`},
			{"space", "/home/田中 太郎/bin/keyrelay", []string{"run", "--data-dir", "/home/田中 太郎/data"}, `"/home/田中 太郎/bin/keyrelay" run --data-dir "/home/田中 太郎/data"`},
			{"percent is not a field code", "/opt/100%/keyrelay", []string{"run"}, `/opt/100%%/keyrelay run`},
			{"shell characters", "/opt/a$b`c\"d/keyrelay", nil, "\"/opt/a\\$b\\`c\\\"d/keyrelay\""},
			{"backslash", `/opt/a\b/keyrelay`, nil, `"/opt/a\\\\b/keyrelay"`},
			{"empty arg", "/usr/bin/keyrelay", []string{""}, `/usr/bin/keyrelay ""`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := autostart.ExecLine(tc.exe, tc.args)
				if got != tc.want {
					t.Errorf("ExecLine = %s, want %s", got, tc.want)
				}
				// What a desktop reads back must be exactly what was asked for.
				if back, want := parseExec(t, got), append([]string{tc.exe}, tc.args...); strings.Join(back, "\x00") != strings.Join(want, "\x00") {
					t.Errorf("parsed back %q, want %q", back, want)
				}
			})
		}
	})
}

// parseExec reads an Exec value the way the Desktop Entry spec says a
// launcher does: string unescaping, then argument unquoting, then %%.
func parseExec(t *testing.T, v string) []string {
	t.Helper()
	var s strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 's':
				s.WriteByte(' ')
			case 'n':
				s.WriteByte('\n')
			case 't':
				s.WriteByte('\t')
			case '\\':
				s.WriteByte('\\')
			default:
				s.WriteByte('\\')
				s.WriteByte(v[i])
			}
			continue
		}
		s.WriteByte(v[i])
	}
	str := s.String()
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(str); i++ {
		c := str[i]
		switch {
		case quoted && c == '\\' && i+1 < len(str):
			i++
			cur.WriteByte(str[i])
		case c == '"':
			quoted = !quoted
			inArg = true
		case !quoted && c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", v)
	}
	if inArg {
		args = append(args, cur.String())
	}
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "%%", "%")
	}
	return args
}
