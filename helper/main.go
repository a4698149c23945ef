// Command keyrelay is the local helper: it receives license keys from the
// browser extension, keeps them in SQLite and delivers them to GoQSystem.
// The files in this package only parse the command line and wire the internal
// packages together; the behaviour lives in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"keyrelay/internal/keyrelay"
)

const usage = `keyrelay — RMS ライセンスキーを GoQSystem へ中継するローカルヘルパー
keyrelay — relays your RMS license key to GoQSystem

使い方 / usage:
  keyrelay [run]                  ヘルパーを起動 / run the helper (default)
  keyrelay pair list [--json]     ペアリング要求の一覧 / list pairings
  keyrelay pair approve CODE      拡張機能を承認 / approve an extension by its code
  keyrelay pair revoke CLIENT_ID  承認を取り消す / revoke a pairing
  keyrelay history [--json]       取得履歴 / capture history
  keyrelay open                   履歴ページを開く / open the history page (one-time login URL)
  keyrelay goq set-login          GoQSystem のログインを設定 / set the GoQ login (password from a prompt or stdin)
  keyrelay goq list|test|dry-run  GoQ 設定の確認 / inspect GoQ settings
  keyrelay autostart enable|disable|status
  keyrelay demo                   偽の RMS・GoQ で一連の流れを試す / the whole flow on local fakes
  keyrelay version

共通オプション / common flags: --addr, --data-dir, --log-level, --keyring (see 'keyrelay run -h')
`

func main() {
	restrictUmask()

	args := os.Args[1:]
	name := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := dispatch(ctx, name, args)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyrelay:", describe(err))
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, name string, args []string) error {
	switch name {
	case "run":
		return cmdRun(ctx, args)
	case "pair":
		return cmdPair(ctx, args)
	case "history":
		return cmdHistory(ctx, args)
	case "open":
		return cmdOpen(ctx, args)
	case "goq":
		return cmdGoQ(ctx, args)
	case "autostart":
		return cmdAutostart(ctx, args)
	case "demo":
		return cmdDemo(ctx, args)
	case "version", "--version":
		fmt.Printf("keyrelay %s (protocol v%d)\n", keyrelay.Version, keyrelay.ProtocolVersion)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q / 不明なコマンドです", name)
}

// describe renders an error for the terminal: the operator's Japanese and
// English messages for domain errors, the wrapped chain otherwise. Error
// texts can quote outside services (GoQ's own words), so they go through
// keyrelay.Printable.
func describe(err error) string {
	var e *keyrelay.Error
	if errors.As(err, &e) {
		msg := keyrelay.Printable(e.Message) + "\n  " + keyrelay.Printable(e.MessageEn)
		if e.Quote != "" {
			msg += "\n  「" + keyrelay.Printable(e.Quote) + "」"
		}
		return msg
	}
	return keyrelay.Printable(err.Error())
}
