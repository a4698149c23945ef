package main

import (
	"context"
	"flag"
	"fmt"

	"keyrelay/internal/tray"
)

// cmdOpen prints and opens a one-time login URL for the history page. The
// token is written to the database the running helper reads; only someone who
// can run this command as the operator's user can mint one.
func cmdOpen(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	c.register(fs)
	noBrowser := fs.Bool("print", false, "only print the URL, do not start a browser")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := loginURL(ctx, &c)
	if err != nil {
		return err
	}
	fmt.Println(u)
	if !*noBrowser {
		if err := tray.OpenBrowser(u); err != nil {
			fmt.Println("ブラウザを開けませんでした。上のURLを2分以内に開いてください。/ Could not start a browser; open the URL above within 2 minutes.")
		}
	}
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
