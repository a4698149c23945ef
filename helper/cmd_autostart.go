package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"keyrelay/internal/autostart"
)

func cmdAutostart(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: keyrelay autostart enable|disable|status")
	}
	sub := args[0]
	if sub != "enable" && sub != "disable" && sub != "status" {
		return unknownSub("autostart", sub, []string{"enable", "disable", "status"})
	}
	var c config
	fs := flag.NewFlagSet("autostart", flag.ContinueOnError)
	c.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch sub {
	case "enable":
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding the keyrelay binary: %w", err)
		}
		if exe, err = filepath.EvalSymlinks(exe); err != nil {
			return fmt.Errorf("finding the keyrelay binary: %w", err)
		}
		// At login the panel may come up after keyrelay: wait for it a little.
		runArgs := []string{"run", "--tray-wait", "10s"}
		// Only what differs from the defaults goes into the login item, so
		// the defaults can change with an upgrade.
		if c.DataDir != defaultDataDir() {
			runArgs = append(runArgs, "--data-dir", c.DataDir)
		}
		if c.Addr != (&config{}).defaultAddr() {
			runArgs = append(runArgs, "--addr", c.Addr)
		}
		if err := autostart.Enable(exe, runArgs); err != nil {
			return err
		}
	case "disable":
		if err := autostart.Disable(); err != nil {
			return err
		}
	case "status":
	default:
		return errors.New("usage: keyrelay autostart enable|disable|status")
	}
	on, path, err := autostart.Status()
	if err != nil {
		return err
	}
	if on {
		fmt.Printf("ログイン時に起動します / starts at login: %s\n", path)
	} else {
		fmt.Printf("ログイン時には起動しません / does not start at login (%s)\n", path)
	}
	return nil
}
