package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

// The delivery mode per shop (issue 14): 「ヘルパーがログイン」 or
// 「ブラウザのGoQタブで反映」. Choosing browser mode deletes the shop's own
// GoQ login and password (keyrelay.DeliveryModeService), so the form asks
// for a confirmation.

type modeRow struct {
	Key, Name string
	Browser   bool
	// Account is the shop's GoQ account in browser mode ("" none yet);
	// Seen is the account a GoQ tab showed for a delivery of the shop that
	// waits for the operator to confirm it (settings_account.go).
	Account, Seen string
}

var modeMessages = map[string][2]string{
	"mode.title":             {"配信方法", "Delivery mode"},
	"mode.note":              {"「ブラウザのGoQタブで反映」では、キーを取得したブラウザの拡張機能が、そのブラウザでログイン中のGoQの画面にキーを入力して保存します。GoQのパスワードは保存しません（この店舗のGoQログイン情報は削除されます）。拡張機能の設定画面で「GoQタブで反映を許可」を押してください。", "With “Fill in the browser's GoQ tab”, the extension of the browser that captured the key types it into the GoQ page where you are logged in, and saves. No GoQ password is stored (this shop's GoQ login is deleted). Press “Allow GoQ tab delivery” on the extension's options page."},
	"mode.helper":            {"ヘルパーがログイン", "The helper logs in"},
	"mode.browser":           {"ブラウザのGoQタブで反映", "Fill in the browser's GoQ tab"},
	"mode.save":              {"変更", "Change"},
	"mode.confirm":           {"ブラウザで反映にすると、この店舗のGoQのパスワードを削除することを確認しました", "I confirm that browser mode deletes this shop's GoQ password"},
	"mode.need_confirm":      {"ブラウザで反映に変更するには確認のチェックを入れてください。", "Tick the confirmation to switch to browser mode."},
	"status.waiting_browser": {"ブラウザ待ち", "Waiting for the browser"},
	"mode.saved":             {"配信方法を変更しました。待っていた送信を再開します。", "Delivery mode changed. Waiting deliveries resume now."},
}

func init() {
	for k, v := range modeMessages {
		messages[k] = v
	}
}

// modeRows lists the known shops with their mode; nil without a mode store.
func (s *Server) modeRows(ctx context.Context, shops []*keyrelay.Shop) ([]modeRow, error) {
	if s.Modes == nil {
		return nil, nil
	}
	ms, err := s.Modes.ListDeliveryModes(ctx, goqDestination)
	if err != nil {
		return nil, err
	}
	browser := map[string]bool{}
	account := map[string]string{}
	for _, m := range ms {
		browser[m.ShopKey] = m.Mode == keyrelay.DeliveryModeBrowser
		account[m.ShopKey] = m.Account
	}
	seen, err := s.accountsToConfirm(ctx)
	if err != nil {
		return nil, err
	}
	var out []modeRow
	for _, sh := range shops {
		if sh.Key != "unknown" {
			r := modeRow{Key: sh.Key, Name: sh.DisplayName(), Browser: browser[sh.Key], Account: account[sh.Key]}
			if r.Browser && r.Account == "" {
				r.Seen = seen[sh.ID]
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) handleSetMode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.Modes == nil {
		s.handleNotFound(w, r)
		return
	}
	v, form := s.newView(r, "settings.title", "settings"), credForm{BaseURL: DefaultGoQBaseURL}
	shopKey, ok := s.formShop(w, r, v, form)
	if !ok {
		return
	}
	mode := r.PostForm.Get("mode")
	switch {
	case keyrelay.CheckDeliveryMode(mode) != nil:
		v.Error = v.L.Pick(keyrelay.ErrorMessage(keyrelay.CheckDeliveryMode(mode)))
	case mode == keyrelay.DeliveryModeBrowser && r.PostForm.Get("confirm") != "1":
		v.Error = v.L.T("mode.need_confirm")
	}
	if v.Error != "" {
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
		return
	}
	n, err := s.Modes.SetDeliveryMode(ctx, goqDestination, shopKey, mode)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ delivery mode of shop "+strconv.Quote(shopKey)+" set to "+mode+"; "+
		strconv.Itoa(n)+" waiting deliveries resumed")
	s.wakeOutbox()
	http.Redirect(w, r, "/settings?done=mode", http.StatusSeeOther)
}

// formShop is the shop a settings form names (shop_key), when keyrelay has
// seen it. Otherwise it answers the request itself and reports false: the
// settings page with settings.unknown_id (400), or the store's error.
func (s *Server) formShop(w http.ResponseWriter, r *http.Request, v *view, form credForm) (string, bool) {
	shopKey := strings.TrimSpace(r.PostForm.Get("shop_key"))
	known, err := s.knownShopKey(r.Context(), shopKey)
	if err != nil {
		s.renderError(w, r, err)
		return "", false
	}
	if !known || shopKey == "unknown" {
		v.Error = v.L.T("settings.unknown_id")
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
		return "", false
	}
	return shopKey, true
}
