package keyrelay_test

import (
	"testing"

	"keyrelay/internal/keyrelay"
)

func TestDeliversTo(t *testing.T) {
	for _, tc := range []struct {
		app, developer string
		want           bool
	}{
		{"GoQ System (ごくシステム)", "株式会社GoQ System", true},
		{"GoQ System (ごくシステム)", "", true},
		{"", "株式会社GoQSystem", false},
		{"GoQ 在庫連携", "株式会社GoQSystem", false},
		{"ＧｏＱ　Ｓｙｓｔｅｍ", "", true},
		{"(アプリ名を登録してください)", "店舗様", false},
		{"在庫連携ツール", "株式会社サンプル", false},
		{"GoQuick Reports", "Quick株式会社", false},
	} {
		c := &keyrelay.Capture{AppName: tc.app, Developer: tc.developer}
		if got := keyrelay.DeliversTo(keyrelay.DestinationGoQ, c); got != tc.want {
			t.Errorf("DeliversTo(goq, %q / %q) = %v, want %v", tc.app, tc.developer, got, tc.want)
		}
	}
	if !keyrelay.DeliversTo("other", &keyrelay.Capture{AppName: "x"}) {
		t.Error("a destination without a rule refused a capture")
	}
}
