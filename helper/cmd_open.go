package main

import (
	"context"
	"flag"
	"fmt"

	"keyrelay/internal/tray"
)

// cmdOpen opens the history page with a one-time login. The token is written
// to the database the running helper reads; only someone who can run this
// command as the operator's user can mint one. The browser is started on a
// 0600 opener file in the data dir, so the token is on no command line;
// --print prints the URL itself instead, for the operator to paste.
func cmdOpen(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	c.register(fs)
	printURL := fs.Bool("print", false, "only print the one-time URL, do not start a browser")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *printURL {
		u, err := loginURL(ctx, &c)
		if err != nil {
			return err
		}
		fmt.Println(u)
		return nil
	}
	addr, err := runningAddr(&c)
	if err != nil {
		return err
	}
	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	opener, err := writeOpener(ctx, st.sessions, c.DataDir, addr, "")
	if err != nil {
		return err
	}
	if err := tray.OpenBrowser(opener); err != nil {
		fmt.Println("ブラウザを開けませんでした。2分以内に次のファイルをブラウザで開くか、keyrelay open --print を使ってください。/ Could not start a browser; open this file in a browser within 2 minutes, or use keyrelay open --print:")
	} else {
		fmt.Println("履歴ページをブラウザで開きます / opening the history page:")
	}
	fmt.Println(opener)
	return nil
}

func loginURL(ctx context.Context, c *config) (string, error) {
	addr, err := runningAddr(c)
	if err != nil {
		return "", err
	}
	st, err := openStore(c, nil)
	if err != nil {
		return "", err
	}
	defer st.Close()
	return mintLoginURL(ctx, st.sessions, addr, "")
}
