//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"golang.org/x/sys/windows/registry"
)

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Path names the registry value the login item lives in.
func Path() (string, error) { return `HKCU\` + runKey + `\` + ID, nil }

func enable(exe string, args []string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		parts = append(parts, syscall.EscapeArg(a))
	}
	if err := k.SetStringValue(ID, strings.Join(parts, " ")); err != nil {
		return fmt.Errorf("autostart: set Run value: %w", err)
	}
	return nil
}

func disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	if err := k.DeleteValue(ID); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("autostart: delete Run value: %w", err)
	}
	return nil
}

func status() (bool, string, error) {
	p, _ := Path()
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, p, nil
	} else if err != nil {
		return false, p, fmt.Errorf("autostart: open Run key: %w", err)
	}
	defer k.Close()
	if _, _, err := k.GetStringValue(ID); errors.Is(err, registry.ErrNotExist) {
		return false, p, nil
	} else if err != nil {
		return false, p, fmt.Errorf("autostart: read Run value: %w", err)
	}
	return true, p, nil
}
