package keyrelay_test

import (
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

func TestCheckSettingsPath(t *testing.T) {
	for _, ok := range []string{"", "setting/mall/rakuten/webapi", "index.php?page=webapi&mall=rakuten", "setting/webapi%20v2", "設定/webapi"} {
		if err := keyrelay.CheckSettingsPath(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"/goq21/setting", "https://evil.example/x", "//evil.example/x", "http:x", "javascript:alert(1)",
		"setting/../../admin", "setting/%2e%2e/admin", "./setting", "setting/x#frag", "setting\\x",
		"setting x", "setting\tx", "setting\x00", strings.Repeat("a", keyrelay.MaxSettingsPath+1), "\xff",
	} {
		err := keyrelay.CheckSettingsPath(bad)
		if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
			t.Errorf("%q: got %v, want EINVALID", bad, err)
		}
	}
}

func TestCleanQuote(t *testing.T) {
	const key = "SL123456_AbCdEfGh12345678"
	got := keyrelay.CleanQuote("ライセンスキー "+key+" は\n正しくありません。\t(E-101)", key, "5678", "pw-secret")
	want := "ライセンスキー ［末尾4桁: 5678］ は 正しくありません。 (E-101)"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := keyrelay.CleanQuote("pw-secret を確認", key, "5678", "pw-secret"); strings.Contains(got, "pw-secret") {
		t.Fatalf("secret kept: %q", got)
	}
	long := keyrelay.CleanQuote(strings.Repeat("あ", 600), key, "5678")
	if len(long) > keyrelay.MaxQuote+len("…") || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "あ") {
		t.Fatalf("long quote: %d bytes", len(long))
	}
}
