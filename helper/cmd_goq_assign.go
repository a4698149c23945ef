package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// goqList prints the GoQ logins, the shops each delivers for, and the known
// shops that have none (their deliveries wait: GoQログイン待ち).
func goqList(ctx context.Context, st *services, asJSON bool) error {
	cs, err := st.credentials.ListCredentials(ctx, goq.Name)
	if err != nil {
		return err
	}
	shops, err := st.shops.FindShops(ctx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, sh := range shops {
		names[sh.Key] = sh.DisplayName()
	}
	bound := map[string]bool{}
	for _, c := range cs {
		for _, k := range c.Shops {
			bound[k] = true
		}
	}
	// A shop in browser mode needs no login: the extension delivers its
	// keys into its GoQ account, listed on its own.
	modes, err := st.modes.ListDeliveryModes(ctx, goq.Name)
	if err != nil {
		return err
	}
	browser := []*keyrelay.DeliveryModeSetting{}
	inBrowser := map[string]bool{}
	for _, m := range modes {
		if m.Mode == keyrelay.DeliveryModeBrowser {
			browser = append(browser, m)
			inBrowser[m.ShopKey] = true
		}
	}
	var without []string
	for _, sh := range shops {
		if !bound[sh.Key] && !inBrowser[sh.Key] && sh.Key != "unknown" {
			without = append(without, sh.Key)
		}
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if cs == nil {
			cs = []*keyrelay.Credentials{}
		}
		return enc.Encode(map[string]any{"logins": cs, "shops_without_login": append([]string{}, without...), "browser_mode": browser})
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t設定時の店舗 SET FOR\tログインID LOGIN\t送信する店舗 DELIVERS FOR\tURL\t画面パス PATH\t更新 UPDATED")
	for _, cr := range cs {
		k := cr.ShopKey
		if k == "" {
			k = "(既定 default)"
		}
		var serves []string
		for _, s := range cr.Shops {
			serves = append(serves, shopWithName(s, names))
		}
		servesText := strings.Join(serves, ", ")
		switch {
		case servesText == "" && cr.Unclaimed:
			servesText = "(最初に使う店舗 first shop to use it)"
		case servesText == "":
			servesText = "(なし none)"
		}
		path := cr.SettingsPath
		if path == "" {
			path = "(既定 default)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", cr.ID, keyrelay.Printable(k), keyrelay.Printable(cr.LoginID),
			keyrelay.Printable(servesText), keyrelay.Printable(cr.BaseURL), keyrelay.Printable(path), keyrelay.FormatDateTime(cr.UpdatedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(browser) > 0 {
		fmt.Println("\nブラウザのGoQタブで反映する店舗 / shops delivered from the browser's GoQ tab:")
		for _, m := range browser {
			account := m.Account
			if account == "" {
				account = "(未確認: 最初の送信で確認します / not confirmed yet: asked at the first delivery)"
			}
			fmt.Println("  " + shopWithName(m.ShopKey, names) + "  GoQアカウント account: " + keyrelay.Printable(account))
		}
	}
	if len(without) > 0 {
		fmt.Println("\nGoQログインのない店舗（送信は GoQログイン待ち）/ shops without a GoQ login (deliveries wait):")
		for _, k := range without {
			fmt.Println("  " + shopWithName(k, names))
		}
		fmt.Println("割り当て / assign: keyrelay goq assign --login N --shop SHOP")
	}
	return nil
}

// shopWithName is printed to a terminal: both parts came from RMS pages.
func shopWithName(key string, names map[string]string) string {
	if n := names[key]; n != "" && !strings.HasSuffix(key, ":"+n) {
		return keyrelay.Printable(key + " (" + n + ")")
	}
	return keyrelay.Printable(key)
}

// goqAssign binds (or unbinds) a shop to a login, the command-line twin of
// GoQ設定's 店舗を割り当てる. Assigning is how a second shop gets a login
// that another shop already uses; nothing else ever does that.
func goqAssign(ctx context.Context, st *services, sub, login, shop string, move bool) error {
	if strings.TrimSpace(login) == "" || strings.TrimSpace(shop) == "" {
		return errors.New("--login and --shop are required / --login と --shop を指定してください\n" + goqUsage)
	}
	c, err := findGoQLogin(ctx, st, login)
	if err != nil {
		return err
	}
	key := shopKeyFromFlag(shop)
	if sub == "unassign" {
		if err := st.credentials.UnassignCredentials(ctx, c.ID, key); err != nil {
			return err
		}
		_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved,
			Reason: "GoQ login " + strconv.FormatInt(c.ID, 10) + " unassigned from shop " + strconv.Quote(key) + " from the command line"})
		fmt.Printf("店舗 %s の割り当てを解除しました。次の送信は GoQログイン待ちになります / %s unassigned from login %s; its next keys wait for a login.\n",
			keyrelay.Printable(key), keyrelay.Printable(key), keyrelay.Printable(c.LoginID))
		return nil
	}
	known, err := knownShop(ctx, st, key)
	if err != nil {
		return err
	}
	n, err := st.credentials.AssignCredentials(ctx, c.ID, key, move)
	if err != nil {
		return err
	}
	_ = st.audit.RecordAudit(ctx, &keyrelay.AuditEvent{Kind: keyrelay.AuditSettingsSaved,
		Reason: "GoQ login " + strconv.FormatInt(c.ID, 10) + " assigned to shop " + strconv.Quote(key) + " from the command line"})
	fmt.Printf("店舗 %s のキーは GoQ ログイン %s（ID %d）に送信します。待機中の送信 %d 件を再開します / %s now delivers with login %s; %d waiting deliveries resume.\n",
		keyrelay.Printable(key), keyrelay.Printable(c.LoginID), c.ID, n, keyrelay.Printable(key), keyrelay.Printable(c.LoginID), n)
	if !known {
		fmt.Println("注意: この店舗のキーはまだ取得していません（店舗IDを確認してください）/ note: no key of this shop has been captured yet; check the shop id.")
	}
	return nil
}

func knownShop(ctx context.Context, st *services, key string) (bool, error) {
	shops, err := st.shops.FindShops(ctx)
	if err != nil {
		return false, err
	}
	for _, sh := range shops {
		if sh.Key == key {
			return true, nil
		}
	}
	return false, nil
}

// findGoQLogin finds a login by its number in `goq list`, or by its login
// ID when exactly one login has it.
func findGoQLogin(ctx context.Context, st *services, ref string) (*keyrelay.Credentials, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		c, err := st.credentials.FindCredentialsByID(ctx, id)
		if err == nil && c.Destination == goq.Name {
			return c, nil
		} else if err != nil && keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
			return nil, err
		}
	}
	cs, err := st.credentials.ListCredentials(ctx, goq.Name)
	if err != nil {
		return nil, err
	}
	var match []*keyrelay.Credentials
	for _, c := range cs {
		if c.LoginID == ref {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 1:
		return st.credentials.FindCredentialsByID(ctx, match[0].ID)
	case 0:
		return nil, fmt.Errorf("GoQ ログイン %q が見つかりません（keyrelay goq list で確認してください）/ no GoQ login %q (see keyrelay goq list)", ref, ref)
	}
	return nil, fmt.Errorf("ログインID %q のログインが複数あります。番号で指定してください（keyrelay goq list）/ several logins have ID %q; give its number from keyrelay goq list", ref, ref)
}

// goqLoginFor picks the login that test and dry-run use: --login, else the
// shop's, else the only login there is (neither command posts a key).
func goqLoginFor(ctx context.Context, st *services, login, shopKey string) (*keyrelay.Credentials, error) {
	switch {
	case login != "":
		return findGoQLogin(ctx, st, login)
	case shopKey != "":
		return st.credentials.FindCredentials(ctx, goq.Name, shopKey)
	}
	cs, err := st.credentials.ListCredentials(ctx, goq.Name)
	if err != nil {
		return nil, err
	}
	switch len(cs) {
	case 0:
		return nil, errors.New("GoQ ログインが設定されていません / no GoQ login is set (keyrelay goq set-login)")
	case 1:
		return st.credentials.FindCredentialsByID(ctx, cs[0].ID)
	}
	return nil, errors.New("GoQ ログインが複数あります。--login N か --shop SHOP を指定してください / several GoQ logins: give --login N or --shop SHOP")
}
