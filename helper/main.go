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

func main() {
	restrictUmask()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := dispatch(ctx, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyrelay:", describe(err))
		os.Exit(1)
	}
}

// dispatch picks the command: the first argument unless it is a flag, "run"
// otherwise. --help and --version work before or after a command.
func dispatch(ctx context.Context, args []string) error {
	name := "run"
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version", "-V":
			return cmdVersion(ctx, nil)
		case "--help", "-help", "-h":
			printUsage(os.Stdout)
			return nil
		}
		if args[0] != "" && args[0][0] != '-' {
			name, args = args[0], args[1:]
		}
	}
	cmd := findCommand(name)
	if cmd == nil {
		if name == "demo" {
			return errors.New("this keyrelay is built without the demo: run `make demo` (go build -tags demo ./helper) / このビルドにはデモが含まれていません")
		}
		hint := ""
		if n := nearest(name, commandNames()); n != "" {
			hint = fmt.Sprintf(" — did you mean %q? / もしかして %s", n, n)
		}
		return fmt.Errorf("unknown command %q%s (keyrelay help) / 不明なコマンドです", name, hint)
	}
	if wantsHelp(args) {
		printCommandHelp(os.Stdout, cmd)
		return nil
	}
	return cmd.run(ctx, args)
}

// wantsHelp reports whether -h or --help stands among the flags (before "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func cmdHelp(_ context.Context, args []string) error {
	if len(args) == 0 {
		printUsage(os.Stdout)
		return nil
	}
	if c := findCommand(args[0]); c != nil {
		printCommandHelp(os.Stdout, c)
		return nil
	}
	hint := ""
	if n := nearest(args[0], commandNames()); n != "" {
		hint = fmt.Sprintf(" — did you mean %q?", n)
	}
	return fmt.Errorf("no command %q%s (keyrelay help) / そのコマンドはありません", args[0], hint)
}

func cmdVersion(_ context.Context, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q / 不要な引数があります", args[0])
	}
	fmt.Printf("keyrelay %s (commit %s, protocol v%d, %s)\n", keyrelay.Version, commit(), keyrelay.ProtocolVersion, buildPlatform())
	return nil
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
