package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

const goqUsage = `usage:
  keyrelay goq set-login --login-id ID [--shop SHOP] [--base-url URL]   (password: prompt, or stdin when piped)
  keyrelay goq list
  keyrelay goq test [--shop SHOP]
  keyrelay goq dry-run [--shop SHOP]    log in and report what delivering the newest key would change
SHOP is the RMS shop id (e.g. 123456) or shop URL; leave it out when you have one shop.`

func cmdGoQ(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(goqUsage)
	}
	sub, args := args[0], args[1:]
	if !slices.Contains(goqCommands, sub) {
		return unknownSub("goq", sub, goqCommands)
	}
	var c config
	fs := flag.NewFlagSet("goq "+sub, flag.ContinueOnError)
	c.register(fs)
	shop := fs.String("shop", "", "RMS shop id or shop URL these settings are for (empty: the only shop)")
	loginID := fs.String("login-id", "", "GoQSystem login ID")
	baseURL := fs.String("base-url", goq.DefaultBaseURL, "GoQSystem base URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	shopKey := shopKeyFromFlag(*shop)

	switch sub {
	case "set-login":
		if strings.TrimSpace(*loginID) == "" {
			return errors.New("--login-id is required / --login-id を指定してください")
		}
		if err := goq.CheckBaseURL(*baseURL); err != nil {
			return err
		}
		pw, err := readPassword(os.Stdin)
		if err != nil {
			return err
		}
		creds := &keyrelay.Credentials{ShopKey: shopKey, Destination: goq.Name, BaseURL: *baseURL, LoginID: strings.TrimSpace(*loginID), Password: pw}
		if err := st.credentials.SetCredentials(ctx, creds); err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved, Reason: "GoQ login set from the command line"})
		n, err := st.deliveries.WakeWaitingLogin(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("保存しました / saved. 待機中の送信 %d 件を再開します / %d waiting deliveries resume.\n", n, n)
		return nil
	case "list":
		cs, err := st.credentials.ListCredentials(ctx, goq.Name)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\t店舗 SHOP\tログインID LOGIN\tURL\t更新 UPDATED")
		for _, cr := range cs {
			k := cr.ShopKey
			if k == "" {
				k = "(既定 default)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", cr.ID, k, cr.LoginID, cr.BaseURL, keyrelay.FormatDateTime(cr.UpdatedAt))
		}
		return tw.Flush()
	case "test", "dry-run":
		creds, err := st.credentials.FindCredentials(ctx, goq.Name, shopKey)
		if err != nil {
			return err
		}
		client := goq.New(goq.WithLoopbackHTTP())
		if sub == "test" {
			if err := client.TestConnection(ctx, creds); err != nil {
				return err
			}
			fmt.Println("GoQSystem にログインし、WEBAPI設定のライセンスキー欄を確認しました / logged in and found the license key field.")
			return nil
		}
		cp, err := newestGoQCapture(ctx, st, shopKey)
		if err != nil {
			return err
		}
		cs := []*keyrelay.Capture{cp}
		key, err := st.captures.RevealKey(ctx, cp.ID)
		if err != nil {
			return err
		}
		res, err := client.DryRun(ctx, keyrelay.DeliveryRequest{Capture: cs[0], Key: key, Creds: creds, DryRun: true})
		if err != nil {
			return err
		}
		fmt.Printf("末尾4桁 %s: %s\n", cs[0].KeyLast4, res.Detail)
		for _, ch := range res.Changes {
			fmt.Println("  変更される項目 / would change:", ch)
		}
		if len(res.Changes) == 0 {
			fmt.Println("  変更なし / nothing would change")
		}
		return nil
	}
	return errors.New(goqUsage)
}

var goqCommands = []string{"set-login", "list", "test", "dry-run"}

var digits = regexp.MustCompile(`^[0-9]+$`)

// shopKeyFromFlag turns what the operator types into a keyrelay.ShopRef key.
func shopKeyFromFlag(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ""
	case digits.MatchString(s):
		return keyrelay.ShopRef{ID: s}.Key()
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		return keyrelay.ShopRef{URL: s}.Key()
	}
	return keyrelay.ShopRef{Name: s}.Key()
}

// readPassword reads one line from stdin: with the terminal's echo off when
// it is a terminal, as is when piped. Never from argv, where other users and
// the shell history would see it.
func readPassword(in *os.File) (string, error) {
	interactive := false
	if fi, err := in.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		interactive = true
		// Typing a password where the terminal would show it is worse than
		// not asking: without a way to turn echo off, refuse and say how to
		// pipe it instead.
		if err := stty(in, "-echo"); err != nil {
			return "", fmt.Errorf("cannot hide the password as it is typed (%v); pipe it instead, e.g. from a password manager: ... | keyrelay goq set-login --login-id ID / 入力を隠せないため、パスワードは標準入力から渡してください", err)
		}
		defer func() { _ = stty(in, "echo"); fmt.Fprintln(os.Stderr) }()
		fmt.Fprint(os.Stderr, "GoQSystem パスワード / password: ")
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if interactive || !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return "", errors.New("パスワードが空です / empty password on stdin")
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("パスワードが空です / empty password")
	}
	return pw, nil
}

// newestGoQCapture is the newest capture GoQ would be sent: GoQSystem's own
// app, of the shop these settings are for (any shop for the default login).
func newestGoQCapture(ctx context.Context, st *services, shopKey string) (*keyrelay.Capture, error) {
	var before int64
	for {
		cs, _, err := st.captures.FindCaptures(ctx, keyrelay.CaptureFilter{BeforeID: before, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !keyrelay.DeliversTo(goq.Name, c) {
				continue
			}
			if shopKey != "" {
				sh, err := st.shops.FindShopByID(ctx, c.ShopID)
				if err != nil {
					return nil, err
				}
				if sh.Key != shopKey {
					continue
				}
			}
			return c, nil
		}
		if len(cs) < 200 {
			return nil, errors.New("GoQSystem に送るキーをまだ取得していません / no GoQSystem key captured yet for this shop")
		}
		before = cs[len(cs)-1].ID
	}
}
