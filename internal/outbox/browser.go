package outbox

import (
	"context"
	"errors"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// Browser mode (「ブラウザのGoQタブで反映」): the key is not posted by the
// helper but handed to the paired extension that captured it, which fills
// it into the operator's own logged-in GoQ tab. The outbox stays the one
// place that decides and records: one lease per shop means at most one fill
// in flight per shop, and the task id is the delivery's, so a task re-sent
// after a dropped connection is the same task. The extension reads the
// field before it writes, so a re-sent task whose first run did save finds
// the key already current and posts nothing.

// browserMode reports whether shop delivers through the browser.
func (w *Worker) browserMode(ctx context.Context, d *keyrelay.Delivery, shop *keyrelay.Shop) (bool, error) {
	if w.Modes == nil {
		return false, nil
	}
	mode, err := w.Modes.DeliveryMode(ctx, d.Destination, shopKey(shop))
	if err != nil {
		return false, err
	}
	return mode == keyrelay.DeliveryModeBrowser, nil
}

// waitBrowser is the result of a delivery that waits for its browser.
func waitBrowser(ja, en string) result {
	return result{status: keyrelay.DeliveryWaitingBrowser, ja: ja, en: en}
}

// deliverInBrowser runs attempt n of d through the capturing extension.
func (w *Worker) deliverInBrowser(ctx context.Context, d *keyrelay.Delivery, c *keyrelay.Capture, shop *keyrelay.Shop, n int, used **keyrelay.Credentials) result {
	if w.Browser == nil || c.ClientID == "" || !w.Browser.BrowserConnected(c.ClientID) {
		return waitBrowser(
			fmt.Sprintf("ブラウザ待ち: %sのキーは、取得したブラウザの拡張機能がヘルパーに接続するとGoQタブで反映されます。", shop.DisplayName()),
			fmt.Sprintf("Waiting for the browser: %s's key is filled into GoQ when the extension that captured it connects to the helper.", shop.DisplayName()))
	}
	key, err := w.Captures.RevealKey(ctx, c.ID)
	if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: reveal key of capture %d: %w", c.ID, err), nil)
	}
	secrets := []string{key}
	account, err := w.Modes.BrowserAccount(ctx, d.Destination, shopKey(shop))
	if err != nil {
		return w.failed(ctx, n, fmt.Errorf("outbox: browser account: %w", err), secrets)
	}
	task := keyrelay.GoQTask{
		ID: fmt.Sprintf("delivery-%d", d.ID), ShopKey: shopKey(shop), ShopName: shop.DisplayName(),
		Key: key, KeyLast4: c.KeyLast4, BaseURL: w.GoQBaseURL, Account: account, CaptureUUID: c.UUID,
	}
	timeout := w.Lease / 2
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := w.Browser.RunGoQTask(tctx, c.ClientID, task)
	// The attempt records the account the GoQ page showed.
	seen := keyrelay.NormGoQAccount(res.Account)
	if keyrelay.CheckGoQAccount(seen) != nil {
		seen = ""
	}
	*used = &keyrelay.Credentials{LoginID: keyrelay.BrowserLoginID}
	if seen != "" {
		(*used).LoginID = seen
	}
	switch {
	case errors.Is(err, keyrelay.ErrBrowserGone), errors.Is(err, keyrelay.ErrBrowserNotConnected):
		// Whether the tab saved is unknown; the re-sent task reads first.
		return waitBrowser("ブラウザ待ち: GoQタブでの反映中に拡張機能との接続が切れました。再接続すると、GoQの現在の値を読み直してから続けます。",
			"Waiting for the browser: the extension disconnected while filling GoQ. When it reconnects it reads GoQ's current value first, then continues.")
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return waitBrowser(fmt.Sprintf("ブラウザ待ち: GoQタブでの反映が%v以内に終わりませんでした。GoQタブを確認してください。", timeout),
			fmt.Sprintf("Waiting for the browser: filling the GoQ tab did not finish within %v. Check the GoQ tab.", timeout))
	case err != nil:
		return w.failed(ctx, n, err, secrets)
	}
	r := result{status: keyrelay.DeliveryDelivered, keyLast4: c.KeyLast4, secrets: secrets}
	if (res.Outcome == keyrelay.GoQVerified || res.Outcome == keyrelay.GoQAlreadyCurrent) && !keyrelay.SameGoQAccount(account, seen) {
		// Green means the key is in this shop's GoQ account: the page must
		// have shown that account. The extension checks it before it
		// fills; this is the helper's own check of what it reported.
		res.Outcome = keyrelay.GoQWrongAccount
		if seen == "" {
			res.Outcome = keyrelay.GoQNoAccount
		}
	}
	switch res.Outcome {
	case keyrelay.GoQVerified:
		r.ja = fmt.Sprintf("GoQSystemにブラウザのGoQタブで反映し、保存を確認しました（末尾4桁: %s）。", c.KeyLast4)
		r.en = fmt.Sprintf("Filled into GoQSystem in the browser's GoQ tab and verified (last 4: %s).", c.KeyLast4)
	case keyrelay.GoQAlreadyCurrent:
		r.status = keyrelay.DeliveryAlreadyCurrent
		r.ja = fmt.Sprintf("GoQSystemには既にこのキー（末尾4桁: %s）が設定されていました（ブラウザのGoQタブで確認）。", c.KeyLast4)
		r.en = fmt.Sprintf("GoQSystem already held this key (last 4: %s; read in the browser's GoQ tab).", c.KeyLast4)
	case keyrelay.GoQNeedsLogin:
		r = waitBrowser("GoQにログインしてください。ブラウザのGoQタブでログインすると、自動で反映を続けます。",
			"Log in to GoQ: once you log in in the browser's GoQ tab, the delivery continues by itself.")
	case keyrelay.GoQNeedsPermission:
		r = waitBrowser("ブラウザ待ち: 拡張機能にGoQSystemを開く許可がありません。拡張機能の設定画面で「GoQタブで反映を許可」を押してください。",
			"Waiting for the browser: the extension may not open GoQSystem pages. Press “Allow GoQ tab delivery” on the extension's options page.")
	case keyrelay.GoQWrongAccount, keyrelay.GoQNoAccount, keyrelay.GoQConfirmAccount:
		r = accountResult(res.Outcome, account, seen, shop.DisplayName(), res.Posted)
		r.keyLast4 = c.KeyLast4
		if account == "" && !res.Posted {
			// The account may have been set (GoQ設定, the CLI) while the task
			// ran: that woke nothing, since this delivery was in progress.
			if now, err := w.Modes.BrowserAccount(ctx, d.Destination, shopKey(shop)); err == nil && now != "" {
				r = result{status: keyrelay.DeliveryPending, next: w.Now(), keyLast4: c.KeyLast4,
					ja: fmt.Sprintf("GoQアカウント（%s）が設定されたため、もう一度GoQタブで反映します。", now),
					en: fmt.Sprintf("The GoQ account (%s) was set meanwhile; filling the GoQ tab again.", now)}
			}
		}
	case keyrelay.GoQRejected:
		err := &keyrelay.Error{Code: keyrelay.EREJECTED, Quote: res.Quote,
			Message:   "GoQSystemがライセンスキーを受け付けませんでした（ブラウザのGoQタブでの保存）。",
			MessageEn: "GoQSystem did not accept the license key (saved in the browser's GoQ tab)."}
		r = w.failed(ctx, n, err, secrets)
		r.keyLast4 = c.KeyLast4
		r.quote = keyrelay.CleanQuote(res.Quote, key, c.KeyLast4)
	default:
		msg := res.Message
		if msg == "" {
			msg = "GoQタブでの反映に失敗しました。"
		}
		// A page the rules refuse does not fix itself: the few tries of a
		// form problem, then 要対応.
		code := keyrelay.EINVALID
		r = w.failed(ctx, n, &keyrelay.Error{Code: code,
			Message:   "ブラウザのGoQタブ: " + keyrelay.CleanQuote(msg, key, c.KeyLast4),
			MessageEn: "In the browser's GoQ tab: " + keyrelay.CleanQuote(msg, key, c.KeyLast4)}, secrets)
		r.keyLast4 = c.KeyLast4
	}
	return r
}

// waitAccount is the result of a delivery that was not filled because of
// the GoQ account: nothing was posted, and it waits for the operator to log
// in to the right account (goq_ready) or to set or confirm the shop's
// account (SetBrowserAccount).
func waitAccount(ja, en string) result {
	return result{status: keyrelay.DeliveryWaitingAccount, ja: ja, en: en}
}

// accountResult words a result about the GoQ account: want is the shop's
// expected account ("" none yet), seen the one the GoQ page showed ("" none).
func accountResult(outcome, want, seen, shopName string, posted bool) result {
	if posted {
		// The save button was pressed, and the page after it did not show
		// this shop's account: where the key went is not known. Never green,
		// never posted again by itself.
		return result{status: keyrelay.DeliveryNeedsAttention,
			err: keyrelay.Errorf(keyrelay.EINVALID, "account after save", "account after save"),
			ja: fmt.Sprintf("保存後のGoQの画面のアカウント（%s）が、このショップのGoQアカウント（%s）と一致しないため、確認済みにしていません。GoQの画面でどのアカウントにキーが入ったか確認し、「今すぐ再試行」を押してください。",
				orNone(seen, "表示なし"), orNone(want, "未設定")),
			en: fmt.Sprintf("The GoQ page after the save showed account %s, not this shop's GoQ account %s, so the delivery is not marked verified. Check in GoQ which account got the key, then press Retry now.",
				orNone(seen, "(none shown)"), orNone(want, "(not set)"))}
	}
	switch {
	case outcome == keyrelay.GoQConfirmAccount || (want == "" && seen != ""):
		return waitAccount(
			fmt.Sprintf("GoQアカウント %s に%sのキーを反映しますか？ 拡張機能のポップアップかGoQ設定で、このショップのGoQアカウントを確認してください。確認するまで送信しません。", seen, shopName),
			fmt.Sprintf("Put %s's key into GoQ account %s? Confirm this shop's GoQ account in the extension's popup or on the GoQ settings page. Nothing is sent until then.", shopName, seen))
	case seen == "" && want == "":
		return waitAccount(
			"GoQの画面にログイン中のアカウントが表示されていないため、どのGoQアカウントに反映するか確認できません。送信していません。GoQ設定でこのショップのGoQアカウントを設定してください。",
			"The GoQ page shows no logged-in account, so the GoQ account cannot be checked. Nothing was sent. Set this shop's GoQ account on the GoQ settings page.")
	case seen == "":
		return waitAccount(
			fmt.Sprintf("GoQの画面にログイン中のアカウントが表示されていないため、このショップのGoQアカウント（%s）か確認できません。送信していません。", want),
			fmt.Sprintf("The GoQ page shows no logged-in account, so it cannot be checked to be this shop's GoQ account (%s). Nothing was sent.", want))
	}
	return waitAccount(
		fmt.Sprintf("GoQに別のアカウント（%s）でログインしています。このショップのGoQアカウント（%s）でログインし直してください。送信していません。ログインし直すと自動で反映を続けます。", seen, want),
		fmt.Sprintf("GoQ is logged in to another account (%s). Log in again with this shop's GoQ account (%s). Nothing was sent; the delivery continues by itself after the login.", seen, want))
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
