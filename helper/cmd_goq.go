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
	"strconv"
	"strings"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

const goqUsage = `usage:
  keyrelay goq set-login --login-id ID [--shop SHOP] [--base-url URL] [--settings-path PATH] [--keep-password]
                                        (password: prompt, or stdin when piped; --keep-password keeps the stored one)
  keyrelay goq set-mode --shop SHOP browser|helper [--account LOGINID]
                                        how SHOP's key gets into GoQ: browser = the paired browser's own GoQ tab
                                        (no GoQ password stored; --account: the GoQ account that tab must be
                                        logged in to, also to change it), helper = set-login
  keyrelay goq list [--json]            logins, the shops each delivers for, shops without a login
  keyrelay goq assign --login N --shop SHOP [--move]   deliver SHOP's keys with login N (--move: only SHOP)
  keyrelay goq unassign --login N --shop SHOP          SHOP's next keys wait for a login
  keyrelay goq test [--login N | --shop SHOP]
  keyrelay goq dry-run [--login N | --shop SHOP]   log in and report what delivering the newest key would change
SHOP is the RMS shop id (e.g. 123456) or shop URL. N is the number in the first column of "goq list"
(or the login ID when only one login has it). Without --shop, set-login sets the default login: it
becomes the login of the first shop whose key is captured, and only that shop's.
PATH is GoQ's WEBAPI設定 page relative to the base URL (default ` + goq.DefaultSettingsPath + `).`

func cmdGoQ(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(goqUsage)
	}
	sub, args := args[0], args[1:]
	if !slices.Contains(goqCommands, sub) {
		return unknownSub("goq", sub, goqCommands)
	}
	if sub == "set-mode" {
		return goqSetMode(ctx, args)
	}
	var c config
	fs := flag.NewFlagSet("goq "+sub, flag.ContinueOnError)
	c.register(fs)
	shop := fs.String("shop", "", "RMS shop id or shop URL these settings are for (empty: the only shop)")
	loginID := fs.String("login-id", "", "GoQSystem login ID")
	baseURL := fs.String("base-url", goq.DefaultBaseURL, "GoQSystem base URL")
	settingsPath := fs.String("settings-path", "", "GoQ's WEBAPI設定 page, relative to the base URL (empty: the built-in default)")
	keepPassword := fs.Bool("keep-password", false, "set-login: keep the stored password (only for an existing login)")
	login := fs.String("login", "", "the login: its number in `goq list`, or its login ID")
	move := fs.Bool("move", false, "assign: unassign the login's other shops")
	asJSON := fs.Bool("json", false, "list: print JSON (never a password)")
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
		if err := keyrelay.CheckSettingsPath(strings.TrimSpace(*settingsPath)); err != nil {
			return err
		}
		pw := ""
		if !*keepPassword {
			if pw, err = readPassword(os.Stdin); err != nil {
				return err
			}
		}
		creds := &keyrelay.Credentials{ShopKey: shopKey, Destination: goq.Name, BaseURL: *baseURL, LoginID: strings.TrimSpace(*loginID),
			Password: pw, SettingsPath: strings.TrimSpace(*settingsPath)}
		if err := st.credentials.SetCredentials(ctx, creds); err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved,
			Reason: "GoQ login set from the command line, URL " + strconv.Quote(*baseURL)})
		notifyDesktop(ctx, "keyrelay: GoQSystem のログイン設定が変更されました / GoQ login changed",
			"コマンドラインで変更されました。/ Changed from the command line.\nURL: "+*baseURL+"\nID: "+creds.LoginID)
		n, err := st.deliveries.WakeWaitingLogin(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("保存しました / saved. 待機中の送信 %d 件を再開します / %d waiting deliveries resume.\n", n, n)
		return nil
	case "list":
		return goqList(ctx, st, *asJSON)
	case "assign", "unassign":
		return goqAssign(ctx, st, sub, *login, *shop, *move)
	case "test", "dry-run":
		creds, err := goqLoginFor(ctx, st, *login, shopKey)
		if err != nil {
			return err
		}
		if shopKey == "" && len(creds.Shops) > 0 {
			// The newest key a dry run looks at is one this login would get.
			shopKey = creds.Shops[0]
		}
		client := goq.New(buildGoQOptions()...)
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
		fmt.Printf("末尾4桁 %s: %s\n", keyrelay.Printable(cs[0].KeyLast4), keyrelay.Printable(res.Detail))
		for _, ch := range res.Changes {
			fmt.Println("  変更される項目 / would change:", keyrelay.Printable(ch))
		}
		if len(res.Changes) == 0 {
			fmt.Println("  変更なし / nothing would change")
		}
		return nil
	}
	return errors.New(goqUsage)
}

var goqCommands = []string{"set-login", "set-mode", "list", "assign", "unassign", "test", "dry-run"}

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
