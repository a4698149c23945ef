package web

import (
	"fmt"
	"net/http"

	"keyrelay/internal/keyrelay"
)

// lang is the page language, chosen by the lang cookie; Japanese unless the
// operator switched.
type lang string

const (
	langJA lang = "ja"
	langEN lang = "en"
)

const langCookie = "lang"

func requestLang(r *http.Request) lang {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == string(langEN) {
		return langEN
	}
	return langJA
}

// messages is the one table of UI strings: key → {Japanese, English}.
var messages = map[string][2]string{
	"app.name":        {"keyrelay", "keyrelay"},
	"nav.home":        {"履歴", "History"},
	"nav.pairings":    {"ペアリング", "Pairings"},
	"nav.audit":       {"監査ログ", "Audit log"},
	"nav.settings":    {"GoQ設定", "GoQ settings"},
	"nav.logout":      {"ログアウト", "Log out"},
	"lang.switch":     {"English", "日本語"},
	"common.none":     {"（なし）", "(none)"},
	"common.back":     {"履歴に戻る", "Back to history"},
	"common.next":     {"次へ", "Next"},
	"common.first":    {"最新へ", "Newest"},
	"common.yes":      {"あり", "yes"},
	"common.continue": {"続ける", "Continue"},

	"home.title":         {"取得履歴", "Capture history"},
	"home.alerts":        {"お知らせ", "Attention"},
	"home.board":         {"アプリの状態", "App status"},
	"home.captures":      {"取得したライセンスキー", "Captured license keys"},
	"home.waiting_login": {"GoQログイン待ち：GoQのログインがない店舗の送信が待っています。「GoQ設定」でログインを設定するか、店舗を割り当ててください。", "Waiting for GoQ login: a shop without a GoQ login has deliveries waiting. Set a login or assign the shop on the GoQ settings page."},
	"home.filter.shop":   {"店舗", "Shop"},
	"home.filter.all":    {"すべての店舗", "All shops"},
	"home.filter.text":   {"キーワード", "Keyword"},
	"home.filter.submit": {"絞り込む", "Filter"},
	"home.csv":           {"CSVで保存", "Download CSV"},
	"home.count":         {"%d件", "%d captures"},
	"home.empty":         {"まだ取得したキーはありません。RMSのライセンス情報ページで拡張機能を使ってください。", "No keys captured yet. Use the extension on RMS's license page."},
	"col.time":           {"取得日時", "Captured"},
	"col.shop":           {"店舗", "Shop"},
	"col.app":            {"アプリ名", "App"},
	"col.developer":      {"システム開発企業", "Developer"},
	"col.key":            {"ライセンスキー", "License key"},
	"col.expiry":         {"有効期限", "Expiry"},
	"col.days_left":      {"残り日数", "Days left"},
	"col.state":          {"状態", "State"},
	"col.delivery":       {"送信状況", "Delivery"},
	"col.last_delivery":  {"最後の送信", "Last delivery"},
	"col.last_capture":   {"最後の取得", "Last capture"},
	"col.detail":         {"詳細", "Details"},
	"board.estimated":    {"見込み", "estimated"},
	"board.estimated_note": {"見込み: RMSに有効期限の表示がないため、取得日から90日後を有効期限の目安としています。RMSのアプリ一覧を開くと、表示された日付に置き換わります。",
		"estimated: RMS shows no expiry, so keyrelay assumes 90 days from the capture. Opening RMS's アプリ一覧 replaces it with the date shown there."},
	"board.no_update":     {"更新なし", "no update"},
	"home.board_hidden":   {"ほか%d件のアプリは表示していません（対応が必要なものを優先して表示）。", "%d more apps not shown (those that need you come first)."},
	"home.board_all":      {"すべて表示", "show all"},
	"home.count_atleast":  {"%d件以上（一致件数はここまでしか数えません）", "%d or more captures (matches are counted up to here)"},
	"board.update":        {"更新あり", "update pending"},
	"board.days":          {"あと%d日", "%d days"},
	"board.expired":       {"期限切れ", "expired"},
	"board.today":         {"本日まで", "today"},
	"capture.title":       {"取得の詳細", "Capture details"},
	"capture.page_url":    {"取得したページ", "Captured from"},
	"capture.app_url":     {"アプリURL", "App URL"},
	"capture.received":    {"受信日時", "Received"},
	"capture.apis":        {"アプリが利用するAPIリスト", "APIs the app uses"},
	"capture.changes":     {"前回の取得からの変化", "Changes since the previous capture"},
	"capture.first":       {"このアプリの最初の取得です。", "This is the first capture of this app."},
	"capture.prev":        {"前回の取得", "Previous capture"},
	"capture.no_change":   {"変化はありません。", "Nothing changed."},
	"change.key":          {"ライセンスキーが変わりました（%s → %s）。", "The license key changed (%s → %s)."},
	"change.key_same":     {"ライセンスキーは同じです。", "The license key is the same."},
	"change.expiry":       {"有効期限：%s → %s", "Expiry: %s → %s"},
	"change.state":        {"状態：%s → %s", "State: %s → %s"},
	"change.api_added":    {"追加されたAPI：%s", "API added: %s"},
	"change.api_removed":  {"削除されたAPI：%s", "API removed: %s"},
	"capture.deliveries":  {"送信", "Deliveries"},
	"capture.no_delivery": {"送信先はまだありません。", "No deliveries yet."},
	"delivery.dest":       {"送信先", "Destination"},
	"delivery.attempts":   {"試行回数", "Attempts"},
	"delivery.next":       {"次の試行", "Next attempt"},
	"delivery.error":      {"エラー", "Error"},
	"delivery.retry":      {"今すぐ再試行", "Retry now"},
	"attempt.started":     {"開始", "Started"},
	"attempt.finished":    {"終了", "Finished"},
	"attempt.result":      {"結果", "Result"},
	"attempt.none":        {"まだ試行していません。", "Not tried yet."},

	"status.delivered":       {"送信済み・確認済み", "Sent and verified"},
	"status.already_current": {"確認済み（GoQに登録済み）", "Verified (GoQ already had it)"},
	"status.pending":         {"送信待ち", "Waiting to send"},
	"status.retry":           {"再試行待ち", "Waiting to retry"},
	"status.in_progress":     {"送信中", "Sending"},
	"status.superseded":      {"新しいキーに置き換え", "Replaced by a newer key"},
	"status.needs_attention": {"要対応", "Needs attention"},
	"status.waiting_login":   {"GoQログイン待ち", "Waiting for GoQ login"},
	"status.none":            {"未送信", "Not sent"},
	"status.not_target":      {"送信対象外（GoQのアプリではありません）", "Not sent: not GoQSystem's app"},

	"pairings.title":       {"ペアリング", "Pairings"},
	"pairings.intro":       {"ブラウザ拡張機能に表示されたコードと同じコードか確認してから承認してください。", "Approve only if the code matches the one the browser extension shows."},
	"pairings.pending":     {"承認待ち", "Waiting for approval"},
	"pairings.approved":    {"承認済み", "Approved"},
	"pairings.code":        {"コード", "Code"},
	"pairings.name":        {"名前", "Name"},
	"pairings.origin":      {"拡張機能", "Extension"},
	"pairings.requested":   {"申請日時", "Requested"},
	"pairings.expires":     {"期限", "Expires"},
	"pairings.approved_at": {"承認日時", "Approved"},
	"pairings.last_seen":   {"最終接続", "Last seen"},
	"pairings.approve":     {"承認する", "Approve"},
	"pairings.revoke":      {"取り消す", "Revoke"},
	"pairings.rename":      {"名前を変更", "Rename"},
	"pairings.renamed_ok":  {"名前を変更しました。", "Renamed."},
	"pairings.code_input":  {"コード（6桁）", "Code (6 digits)"},
	"pairings.approved_ok": {"ペアリングを承認しました。", "Pairing approved."},
	"pairings.revoked_ok":  {"ペアリングを取り消しました。", "Pairing revoked."},
	"pairings.bad_code":    {"コードは6桁の数字です。", "The code is 6 digits."},

	"audit.title":  {"監査ログ", "Audit log"},
	"audit.at":     {"日時", "Time"},
	"audit.kind":   {"種類", "Kind"},
	"audit.remote": {"接続元", "From"},
	"audit.origin": {"Origin", "Origin"},
	"audit.client": {"クライアント", "Client"},
	"audit.reason": {"理由", "Reason"},
	"audit.older":  {"さらに古いもの", "Older"},

	"settings.title":              {"GoQ設定", "GoQ settings"},
	"settings.intro":              {"GoQSystemのログイン情報です。パスワードは暗号化して保存され、画面には表示されません。", "Your GoQSystem login. The password is stored encrypted and never shown."},
	"settings.shop":               {"店舗", "Shop"},
	"settings.shop_any":           {"店舗を指定しない（最初にキーを取得した店舗の専用になります）", "No shop given (becomes the login of the first shop whose key is captured)"},
	"settings.login_id":           {"ログインID", "Login ID"},
	"settings.password":           {"パスワード", "Password"},
	"settings.base_url":           {"GoQのURL", "GoQ URL"},
	"settings.updated":            {"更新日時", "Updated"},
	"settings.configured":         {"設定済み", "Set"},
	"settings.save":               {"保存する", "Save"},
	"settings.delete":             {"削除", "Delete"},
	"settings.delete_confirm":     {"このログインを削除する", "delete this login"},
	"settings.delete_unconfirmed": {"削除するには「このログインを削除する」にチェックを入れてから押してください。", "Tick 'delete this login' before pressing Delete."},
	"settings.test":               {"接続テスト", "Test connection"},
	"settings.saved":              {"保存しました。待っていた送信を再開します。", "Saved. Waiting deliveries resume now."},
	"settings.deleted":            {"削除しました。", "Deleted."},
	"settings.test_ok":            {"接続テストに成功しました（GoQにログインし、設定画面を確認しました。何も変更していません）。", "Connection test passed (logged in to GoQ and found the settings form; nothing was changed)."},
	"settings.test_none":          {"接続テストはこの環境では使えません。", "Connection test is not available here."},
	"settings.need_login":         {"ログインIDを入力してください。", "Enter the login ID."},
	"settings.need_pass":          {"パスワードを入力してください。", "Enter the password."},
	"settings.bad_url":            {"GoQのURLは https://…goqsystem.com/ のアドレスを入力してください（例: https://order.goqsystem.com/goq21/）。", "The GoQ URL must be an https://…goqsystem.com/ address (e.g. https://order.goqsystem.com/goq21/)."},
	"settings.existing":           {"設定済みのログイン", "Saved logins"},
	"settings.add":                {"ログイン情報を設定する", "Set a login"},
	"settings.none_yet":           {"まだ設定されていません。", "Nothing set yet."},
	"settings.unknown_id":         {"その設定は見つかりません。", "That login was not found."},
	"settings.replace_note":       {"同じ店舗の設定は上書きされます。", "A login for the same shop is replaced."},

	"page.logged_out":     {"ログアウトしました。", "You are logged out."},
	"page.login_ok":       {"ログインしました。", "Logged in."},
	"page.not_found":      {"ページが見つかりません。", "Page not found."},
	"page.error":          {"エラー", "Error"},
	"page.lang_saved":     {"表示言語を変更しました。", "Language changed."},
	"page.retry_ok":       {"再試行を予約しました。", "Retry scheduled."},
	"page.forbidden_csrf": {"この操作は受け付けられませんでした（フォームの期限切れ、または別のサイトからの送信です）。履歴ページを開き直してからもう一度操作してください。", "This action was refused (the form expired, or it came from another site). Reopen the history page and try again."},
}

// T returns the message for key in l, or a visible marker for a missing key
// (the tests look for it).
func (l lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return "??" + key + "??"
	}
	if l == langEN {
		return m[1]
	}
	return m[0]
}

// Tf formats the message for key with args.
func (l lang) Tf(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) }

// Is reports whether l is the given language code, for templates.
func (l lang) Is(code string) bool { return string(l) == code }

// Pick returns ja or en by language; for texts that come with both, like
// keyrelay.Error and Alert messages.
func (l lang) Pick(ja, en string) string {
	if l == langEN && en != "" {
		return en
	}
	return ja
}

// Status names a delivery status in words an operator reads; a pending
// delivery that has failed before is "waiting to retry".
func (l lang) Status(status string, attempts int) string {
	switch status {
	case "":
		return l.T("status.none")
	case keyrelay.DeliveryPending:
		if attempts > 0 {
			return l.T("status.retry")
		}
	}
	if _, ok := messages["status."+status]; ok {
		return l.T("status." + status)
	}
	return status
}

// statusClass is the CSS class for a delivery status: ok, wait or bad.
func statusClass(status string) string {
	switch status {
	case keyrelay.DeliveryDelivered, keyrelay.DeliveryAlreadyCurrent:
		return "ok"
	case keyrelay.DeliveryNeedsAttention:
		return "bad"
	case keyrelay.DeliverySuperseded, "":
		return "muted"
	}
	return "wait"
}
