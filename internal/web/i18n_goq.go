package web

// goqMessages are the UI strings of GoQ accounts (which shops a login
// serves) and of what GoQ itself said. Kept apart from messages so the
// account pages can grow without touching the shared table; init merges
// them.
var goqMessages = map[string][2]string{
	"goq.said":               {"GoQの表示", "GoQ said"},
	"goq.login":              {"GoQログインID", "GoQ login ID"},
	"settings.shops":         {"送信する店舗", "Delivers for"},
	"settings.unclaimed":     {"（未割り当て：最初にキーを取得した店舗に割り当てられます）", "(unassigned: becomes the login of the first shop whose key is captured)"},
	"settings.no_shop":       {"（どの店舗にも割り当てられていません）", "(assigned to no shop)"},
	"settings.unassign":      {"解除", "Unassign"},
	"settings.assign":        {"店舗を割り当てる", "Assign a shop"},
	"settings.assign_move":   {"この店舗だけにする（他の店舗の割り当てを解除）", "Only this shop (unassign its other shops)"},
	"settings.assign_check":  {"この店舗のライセンスキーを、このGoQアカウントに送信することを確認しました", "I confirm this shop's license keys go to this GoQ account"},
	"settings.need_confirm":  {"割り当てるには確認のチェックを入れてください。", "Tick the confirmation to assign the shop."},
	"settings.assigned":      {"店舗を割り当てました。待っていた送信を再開します。", "Shop assigned. Its waiting deliveries resume now."},
	"settings.unassigned":    {"店舗の割り当てを解除しました。この店舗の次の送信はGoQログイン待ちになります。", "Shop unassigned. Its next deliveries wait for a GoQ login."},
	"settings.none":          {"GoQのログインは設定されていません。", "No GoQ login is set."},
	"settings.shops_without": {"GoQログインが割り当てられていない店舗（送信は待機します）", "Shops without a GoQ login (their deliveries wait)"},
	"settings.path":          {"WEBAPI設定の画面パス", "WEBAPI settings page path"},
	"settings.path_default":  {"（既定）", "(default)"},
	"settings.path_note":     {"GoQの画面構成が変わった場合だけ変更してください。GoQのURLからの相対パスです（例: setting/mall/rakuten/webapi）。空欄は既定値です。", "Change it only if GoQ's page layout changed. Relative to the GoQ URL (e.g. setting/mall/rakuten/webapi); empty means the default."},
	"settings.pass_keep":     {"既存のログインを更新する場合、パスワードは空欄のままにすると変更されません。", "When updating an existing login, leave the password empty to keep it."},
	"settings.edit":          {"編集", "Edit"},
	"settings.bound_shop":    {"店舗「%s」に割り当て済み", "assigned to shop %s"},
}

func init() {
	for k, v := range goqMessages {
		messages[k] = v
	}
}
