package main

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"path/filepath"
	"strings"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/safefile"
)

// openerFile is the history page's opener in the data dir, the way Jupyter
// does it: every user of the computer can read every process's command line
// (/proc/*/cmdline, the Task Manager), so the browser is started on this 0600
// file, never on the login URL; the file sends the browser on to the URL.
const openerFile = "open.html"

// writeOpener mints a one-time login URL landing on next, writes it into the
// opener file (without following a symlink) and returns the file's URL, which
// holds no secret and may go on a command line.
func writeOpener(ctx context.Context, sessions keyrelay.SessionService, dataDir, addr, next string) (string, error) {
	login, err := mintLoginURL(ctx, sessions, addr, next)
	if err != nil {
		return "", err
	}
	return writeOpenerFile(dataDir, login)
}

// writeOpenerFile writes login into the opener file and returns its URL.
func writeOpenerFile(dataDir, login string) (string, error) {
	path, err := filepath.Abs(filepath.Join(dataDir, openerFile))
	if err != nil {
		return "", err
	}
	if err := safefile.WriteFile(path, openerHTML(login), 0o600); err != nil {
		return "", fmt.Errorf("history opener: %w", err)
	}
	return fileURL(path), nil
}

func openerHTML(login string) []byte {
	u := html.EscapeString(login)
	return []byte(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=` + u + `">
<title>keyrelay</title></head>
<body><p><a href="` + u + `">keyrelay の履歴を開く / Open the keyrelay history</a></p></body></html>
`)
}

// fileURL is path as a file:// URL; Windows paths (C:\…) get their slash.
func fileURL(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
