package web

import (
	"context"
	"net/http"
	"strconv"

	"keyrelay/internal/keyrelay"
)

// The GoQ account of a browser-mode shop (docs/GOQ-BROWSER.md, "Which GoQ
// account"): the extension fills a shop's key only into the GoQ account set
// here. GoQ設定 shows it per browser-mode shop, sets or changes it, and, for
// a shop without one whose delivery waits because the GoQ tab showed an
// account, asks 「GoQアカウント X にこのショップのキーを反映しますか？」.

var accountMessages = map[string][2]string{
	"account.label":          {"GoQアカウント（ログインID）", "GoQ account (login ID)"},
	"account.none":           {"未設定", "not set"},
	"account.set":            {"設定", "Set"},
	"account.confirm":        {"GoQアカウント %s にこのショップのキーを反映しますか？", "Put this shop's key into GoQ account %s?"},
	"account.yes":            {"このアカウントに反映する", "Yes, use this account"},
	"account.saved":          {"GoQアカウントを設定しました。待っていた送信を再開します。", "GoQ account set. Waiting deliveries resume now."},
	"account.note":           {"ブラウザで反映する店舗のキーは、GoQタブがこのアカウントでログインしているときだけ入力します。別のアカウントのときは送信せずに待ちます。", "A browser-mode shop's key is typed in only while the GoQ tab is logged in to this account; with another account nothing is sent and the delivery waits."},
	"status.waiting_account": {"GoQアカウント待ち", "Waiting for the GoQ account"},
}

func init() {
	for k, v := range accountMessages {
		messages[k] = v
	}
}

// accountsToConfirm maps shop ids to the account a GoQ tab showed for one of
// the shop's deliveries that waits for the GoQ account (the attempt's login
// is the account seen).
func (s *Server) accountsToConfirm(ctx context.Context) (map[int64]string, error) {
	out := map[int64]string{}
	if s.Deliveries == nil {
		return out, nil
	}
	ds, err := s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{Status: keyrelay.DeliveryWaitingAccount, Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if keyrelay.CheckGoQAccount(d.LoginID) == nil && out[d.ShopID] == "" {
			out[d.ShopID] = d.LoginID
		}
	}
	return out, nil
}

// handleSetAccount sets a browser-mode shop's GoQ account: typed (set or
// change), or confirmed from what the GoQ tab showed (confirm=1: only for a
// shop without one, like the popup's confirmation).
func (s *Server) handleSetAccount(w http.ResponseWriter, r *http.Request) {
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
	account := keyrelay.NormGoQAccount(r.PostForm.Get("account"))
	confirm := r.PostForm.Get("confirm") == "1"
	n, err := s.Modes.SetBrowserAccount(ctx, goqDestination, shopKey, account, confirm)
	if c := keyrelay.ErrorCode(err); c == keyrelay.EINVALID || c == keyrelay.ECONFLICT {
		v.Error = v.L.Pick(keyrelay.ErrorMessage(err))
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
		return
	} else if err != nil {
		s.renderError(w, r, err)
		return
	}
	how := "set"
	if confirm {
		how = "confirmed"
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ account of shop "+strconv.Quote(shopKey)+" "+how+" as "+strconv.Quote(account)+"; "+
		strconv.Itoa(n)+" waiting deliveries resumed")
	s.wakeOutbox()
	http.Redirect(w, r, "/settings?done=account", http.StatusSeeOther)
}
