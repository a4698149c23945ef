package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

// config is what every subcommand shares. Each flag can also be set by an
// environment variable; a flag given on the command line wins.
type config struct {
	Addr     string
	DataDir  string
	LogLevel string
	Keyring  string // auto | keyring | file
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", envOr("KEYRELAY_ADDR", c.defaultAddr()),
		"loopback address to listen on (env KEYRELAY_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", envOr("KEYRELAY_DATA_DIR", defaultDataDir()),
		"where the database and secrets live (env KEYRELAY_DATA_DIR)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("KEYRELAY_LOG_LEVEL", "info"),
		"debug, info, warn or error (env KEYRELAY_LOG_LEVEL)")
	fs.StringVar(&c.Keyring, "keyring", envOr("KEYRELAY_KEYRING", "auto"),
		"where the data key lives: auto (OS keyring, else a 0600 file), keyring or file (env KEYRELAY_KEYRING)")
}

func (*config) defaultAddr() string { return "127.0.0.1:" + strconv.Itoa(keyrelay.DefaultPort) }

func (c *config) port() (int, error) {
	_, p, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return 0, fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	return strconv.Atoi(p)
}

func (c *config) dbPath() string { return filepath.Join(c.DataDir, "keyrelay.db") }

func (c *config) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})), nil
}

func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// defaultDataDir follows each platform's convention: $XDG_DATA_HOME/keyrelay
// (~/.local/share/keyrelay) on Linux and the BSDs.
func defaultDataDir() string {
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "keyrelay")
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "keyrelay")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "keyrelay")
	}
	return filepath.Join(home, ".local", "share", "keyrelay")
}

// parseArgs parses flags wherever they stand, so `keyrelay pair approve 123456
// --data-dir X` works as well as flags-first; it returns the positional args.
// "--" ends the flags: everything after it is positional. An unknown flag's
// error names the nearest defined one.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard) // errors are returned, and printed once by main
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(fs, err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError rewrites the flag package's "flag provided but not defined: -x"
// into a message that names the nearest flag and where the help is.
func flagError(fs *flag.FlagSet, err error) error {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return fmt.Errorf("%w (keyrelay help %s)", err, strings.Fields(fs.Name())[0])
	}
	name := strings.TrimPrefix(msg, undefined)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	hint := ""
	if n := nearest(strings.TrimLeft(name, "-"), names); n != "" {
		hint = fmt.Sprintf(" — did you mean %s? / もしかして %s", dashed(n), dashed(n))
	}
	return fmt.Errorf("unknown flag %s for %q%s (keyrelay help %s) / 不明なオプションです",
		dashed(name), fs.Name(), hint, strings.Fields(fs.Name())[0])
}

// intInRange checks a numeric flag: flag parses "-n -1" as the value -1, and
// 0 or a negative count means nothing useful.
func intInRange(flagName string, v, lo, hi int) error {
	if v < lo || v > hi {
		f := dashed(flagName)
		return fmt.Errorf("%s %d: must be from %d to %d / %s は %d〜%d で指定してください", f, v, lo, hi, f, lo, hi)
	}
	return nil
}

// dashed writes a flag as the help does: -n, --data-dir.
func dashed(name string) string {
	name = strings.TrimLeft(name, "-")
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// parseFlags is parseArgs for commands that take no positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q / 不要な引数があります", pos[0])
	}
	return err
}
