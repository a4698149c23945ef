package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// goqSetMode is `keyrelay goq set-mode --shop SHOP browser|helper
// [--account LOGINID]`: how the shop's key gets into GoQ. Browser mode
// deletes the shop's own stored GoQ login and password, keeping its login
// ID as the GoQ account the tab must show (keyrelay.DeliveryModeService);
// --account sets (or changes) that account.
func goqSetMode(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("goq set-mode", flag.ContinueOnError)
	c.register(fs)
	shop := fs.String("shop", "", "RMS shop id or shop URL")
	account := fs.String("account", "", "browser mode: the shop's GoQ account (login ID) the GoQ tab must be logged in to")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*shop) == "" || len(pos) != 1 {
		return errors.New("usage: keyrelay goq set-mode --shop SHOP browser|helper [--account LOGINID] / --shop と browser か helper を指定してください")
	}
	mode := strings.TrimSpace(pos[0])
	if err := keyrelay.CheckDeliveryMode(mode); err != nil {
		return err
	}
	acct := keyrelay.NormGoQAccount(*account)
	if acct != "" && mode != keyrelay.DeliveryModeBrowser {
		return errors.New("--account はブラウザで反映（browser）の店舗にだけ指定できます / --account is for browser mode only")
	}
	if acct != "" {
		if err := keyrelay.CheckGoQAccount(acct); err != nil {
			return err
		}
	}
	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	key := shopKeyFromFlag(*shop)
	n, err := st.modes.SetDeliveryMode(ctx, goq.Name, key, mode)
	if err != nil {
		return err
	}
	_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved,
		Reason: "GoQ delivery mode of shop " + strconv.Quote(key) + " set to " + mode + " from the command line"})
	if acct != "" {
		m, err := st.modes.SetBrowserAccount(ctx, goq.Name, key, acct, false)
		if err != nil {
			return err
		}
		n += m
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved,
			Reason: "GoQ account of shop " + strconv.Quote(key) + " set to " + strconv.Quote(acct) + " from the command line"})
	}
	ja, en := keyrelay.DeliveryModeLabel(mode)
	fmt.Printf("店舗 %s の配信方法: %s。待機中の送信 %d 件を再開します / %s: %s; %d waiting deliveries resume.\n",
		keyrelay.Printable(key), ja, n, keyrelay.Printable(key), en, n)
	if mode == keyrelay.DeliveryModeBrowser {
		if a, err := st.modes.BrowserAccount(ctx, goq.Name, key); err == nil && a != "" {
			fmt.Printf("GoQアカウント: %s（GoQタブがこのアカウントでログインしているときだけ反映します） / GoQ account: %s (filled only when the GoQ tab is logged in to it)\n", a, a)
		} else if err == nil {
			fmt.Println("GoQアカウント: 未設定（最初の反映の前に、GoQタブに表示されたアカウントを確認します。--account LOGINID で指定できます） / GoQ account: not set (confirmed from what the GoQ tab shows before the first fill; set it with --account LOGINID)")
		}
		fmt.Println("拡張機能の設定画面で「GoQタブで反映を許可」を押し、ブラウザでGoQにログインしておいてください。" +
			" / On the extension's options page press “Allow GoQ tab delivery”, and stay logged in to GoQ in that browser.")
	}
	return nil
}
