package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// command is one `keyrelay CMD`: what `keyrelay help` lists and `keyrelay
// help CMD` / `keyrelay CMD --help` prints.
type command struct {
	name     string
	summary  string // 日本語 / English, one line
	usage    []string
	examples []string
	run      func(ctx context.Context, args []string) error
}

// commands is every command in the order `keyrelay help` lists them. The
// demo adds itself only in a build with -tags demo (cmd_demo.go).
var commands = []*command{
	{name: "run", summary: "ヘルパーを起動 / run the helper (the default command)",
		usage: []string{"keyrelay [run] [--no-tray] [--tray-wait DURATION] [common flags]",
			"  --no-tray            headless, no tray icon (env KEYRELAY_NO_TRAY=1)",
			"  --tray-wait 10s      wait up to this long (0s–10m) for the desktop's tray at login"},
		examples: []string{"keyrelay run", "keyrelay run --no-tray --addr 127.0.0.1:27415"},
		run:      cmdRun},
	{name: "pair", summary: "拡張機能のペアリング / extension pairings",
		usage:    []string{"keyrelay pair list [--json]", "keyrelay pair approve CODE", "keyrelay pair revoke ID", "keyrelay pair rename ID NAME"},
		examples: []string{"keyrelay pair list", "keyrelay pair approve 123456", "keyrelay pair revoke 3", "keyrelay pair rename 3 \"事務所PC Chrome\""},
		run:      cmdPair},
	{name: "history", summary: "取得履歴、新しい順 / capture history, newest first (末尾4桁 only)",
		usage: []string{"keyrelay history [--json] [-q TEXT] [-n N]",
			"  --json    JSON (the key itself never; its last 4 characters only)",
			"  -q TEXT   only captures matching TEXT (shop, app, developer, state, expiry, 末尾4桁)",
			"  -n N      how many, newest first: 1–1000 (default 50)"},
		examples: []string{"keyrelay history", "keyrelay history -n 5 -q GoQ", "keyrelay history --json"},
		run:      cmdHistory},
	{name: "open", summary: "履歴ページを開く / open the history page (one-time login URL)",
		usage: []string{"keyrelay open [--print]",
			"  --print   only print the one-time URL (valid 2 minutes), do not start a browser"},
		examples: []string{"keyrelay open", "keyrelay open --print"},
		run:      cmdOpen},
	{name: "goq", summary: "GoQSystem のログイン設定 / GoQSystem login per shop",
		usage: []string{"keyrelay goq set-login --login-id ID [--shop SHOP] [--base-url URL] [--settings-path PATH] [--keep-password]   (password: prompt, or stdin when piped)",
			"keyrelay goq set-mode --shop SHOP browser|helper [--account LOGINID]   (browser: fill in the paired browser's own GoQ tab, logged in to the shop's GoQ account LOGINID; no GoQ password stored)",
			"keyrelay goq list [--json]", "keyrelay goq assign --login N --shop SHOP [--move]", "keyrelay goq unassign --login N --shop SHOP",
			"keyrelay goq test [--login N | --shop SHOP]", "keyrelay goq dry-run [--login N | --shop SHOP]"},
		examples: []string{"keyrelay goq set-login --login-id shop-admin", "pass show goq/shop-admin | keyrelay goq set-login --login-id shop-admin --shop 123456", "keyrelay goq assign --login 2 --shop 654321", "keyrelay goq set-mode --shop 123456 browser --account goq-shop1", "keyrelay goq test"},
		run:      cmdGoQ},
	{name: "autostart", summary: "ログイン時に起動 / start at login (XDG autostart, LaunchAgent, HKCU Run)",
		usage:    []string{"keyrelay autostart enable|disable|status"},
		examples: []string{"keyrelay autostart enable", "keyrelay autostart status"},
		run:      cmdAutostart},
	{name: "version", summary: "バージョン / version, commit and protocol version",
		usage:    []string{"keyrelay version", "keyrelay --version"},
		examples: []string{"keyrelay version"},
		run:      cmdVersion},
	{name: "help", summary: "このヘルプ / this help, or one command's",
		usage:    []string{"keyrelay help [CMD]", "keyrelay CMD --help"},
		examples: []string{"keyrelay help", "keyrelay help history"},
		run:      nil}, // set in init: it reads this table
}

func init() { findCommand("help").run = cmdHelp }

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	return out
}

const commonFlagsHelp = `共通オプション / common flags (each also from an environment variable):
  --addr HOST:PORT     loopback address (default 127.0.0.1:27415; [::1]:PORT works too) (KEYRELAY_ADDR)
  --data-dir DIR       database and secrets (default: %s) (KEYRELAY_DATA_DIR)
  --log-level LEVEL    debug, info, warn or error (KEYRELAY_LOG_LEVEL)
  --keyring MODE       auto, keyring or file (KEYRELAY_KEYRING)
  --                   ends the flags; what follows is an argument
`

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "keyrelay — RMS ライセンスキーを GoQSystem へ中継するローカルヘルパー")
	fmt.Fprintln(w, "keyrelay — relays your RMS license key to GoQSystem")
	fmt.Fprintln(w, "\n使い方 / usage: keyrelay COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nコマンド / commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, commonFlagsHelp, defaultDataDir())
	fmt.Fprintln(w, "\n例 / examples:\n  keyrelay run\n  keyrelay pair approve 123456\n  keyrelay history -n 10\n  keyrelay help history")
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "keyrelay %s — %s\n\n使い方 / usage:\n", c.name, c.summary)
	for _, u := range c.usage {
		fmt.Fprintln(w, "  "+u)
	}
	if c.name != "help" && c.name != "version" {
		fmt.Fprintln(w)
		fmt.Fprintf(w, commonFlagsHelp, defaultDataDir())
	}
	fmt.Fprintln(w, "\n例 / examples:")
	for _, e := range c.examples {
		fmt.Fprintln(w, "  "+e)
	}
}

// nearest is the candidate closest to s by edit distance, or "" when none is
// close enough to be what the operator meant.
func nearest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	// A prefix counts as close ("hist" → "history").
	for _, c := range candidates {
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			return c
		}
	}
	if bestD <= max(2, len(s)/3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, by bytes (command
// and flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownSub is the error for a mistyped subcommand ("keyrelay goq lst"):
// it names the nearest valid one and where the help is.
func unknownSub(cmd, sub string, valid []string) error {
	hint := ""
	if n := nearest(sub, valid); n != "" {
		hint = fmt.Sprintf(" — did you mean %q?", n)
	}
	return fmt.Errorf("unknown %s command %q%s: use %s (keyrelay help %s) / 不明なサブコマンドです",
		cmd, sub, hint, strings.Join(valid, ", "), cmd)
}
