package goq

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/htmlindex"

	"keyrelay/internal/keyrelay"
)

// TestKeyLabelVariants: the label as real forms dress it finds the field;
// a field whose label only resembles it is never the key's.
func TestKeyLabelVariants(t *testing.T) {
	key := map[string]string{
		"full-width spaces":   `RMS　Service　Square　ライセンスキー`,
		"required badge":      `RMS Service Square ライセンスキー <span class="badge badge-danger">必須</span>`,
		"bracketed badge":     `【必須】RMS Service Square ライセンスキー`,
		"optional badge":      `RMS Service Square ライセンスキー（任意）`,
		"help icon":           `RMS Service Square ライセンスキー <a href="#" class="help">？</a>`,
		"tooltip hidden text": `RMS Service Square ライセンスキー <span class="q">?<span style="display: none">RMSの「WEB APIサービス」で発行されたキー</span></span>`,
		"aria-hidden tooltip": `RMS Service Square ライセンスキー <i class="fa fa-question" aria-hidden="true">ヘルプ</i>`,
		"trailing note":       `RMS Service Square ライセンスキー（半角英数字）`,
		"trailing note 2":     `RMS Service Square ライセンスキー ※RMSで発行`,
		"colon and star":      `* RMS Service Square ライセンスキー：`,
		"line break":          "RMS Service Square<br>\nライセンスキー",
		"full-width latin":    `ＲＭＳ Ｓｅｒｖｉｃｅ Ｓｑｕａｒｅ ライセンスキー`,
	}
	for name, lbl := range key {
		for layout, tmpl := range map[string]string{
			"th":        `<form method=post><table><tr><th>ショップURL</th><td><input name=shop></td></tr><tr><th>%s</th><td><input name=right></td></tr></table><input type=submit value=保存></form>`,
			"label for": `<form method=post><label for=k>%s</label><input id=x name=other><input id=k name=right><input type=submit value=保存></form>`,
			"dt":        `<form method=post><dl><dt>ショップURL</dt><dd><input name=shop></dd><dt>%s</dt><dd><input name=right></dd></dl><input type=submit value=保存></form>`,
			"div":       `<form method=post><div>ショップURL</div><div><input name=shop></div><div class="label">%s</div><div class="field"><input name=right></div><input type=submit value=保存></form>`,
		} {
			t.Run(name+"/"+layout, func(t *testing.T) {
				c, err := find(t, strings.Replace(tmpl, "%s", lbl, 1))
				if err != nil {
					t.Fatal(err)
				}
				if c.name != "right" {
					t.Errorf("found %q, want right", c.name)
				}
			})
		}
	}
	t.Run("note in the cell before the field", func(t *testing.T) {
		c, err := find(t, `<form method=post><table><tr><th>RMS Service Square ライセンスキー</th><td>※RMSで発行されたキー<br><input name=right></td></tr></table></form>`)
		if err != nil || c.name != "right" {
			t.Fatalf("found %v, %v; want right", c, err)
		}
	})
}

func TestLookAlikeLabelsAreNeverTouched(t *testing.T) {
	for _, lbl := range []string{
		"旧RMS Service Square ライセンスキー",
		"RMS Service Square ライセンスキー（旧）",
		"RMS Service Square ライセンスキー（以前のキー）",
		"Yahoo! RMS Service Square ライセンスキー",
		"RMS Service Square ライセンスキー有効期限",
		"RMS Service Square ライセンスキー（テスト環境）",
		"RMS Service Square ライセンスキー ※旧システム用",
		"RMSライセンスキー",
		"ライセンスキー",
		"Amazon MWS ライセンスキー",
		"RMS Service Square",
	} {
		t.Run(lbl, func(t *testing.T) {
			_, err := find(t, `<form method=post><table><tr><th>`+lbl+`</th><td><input name=wrong></td></tr></table><input type=submit value=保存></form>`)
			if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
				t.Fatalf("error %v, want the label not found", err)
			}
		})
	}
	t.Run("look-alikes around the real one", func(t *testing.T) {
		c, err := find(t, `<form method=post><table>
<tr><th>旧RMS Service Square ライセンスキー</th><td><input name=old value=x></td></tr>
<tr><th>RMS Service Square ライセンスキー</th><td><input name=right></td></tr>
<tr><th>Yahoo!ショッピング ライセンスキー</th><td><input name=yahoo></td></tr>
<tr><th>RMS Service Square ライセンスキー（旧）</th><td><input name=old2></td></tr>
</table><input type=submit value=保存></form>`)
		if err != nil || c.name != "right" {
			t.Fatalf("found %v, %v; want right", c, err)
		}
	})
}

func TestConfirmationTwin(t *testing.T) {
	for name, src := range map[string]string{
		"own row": `<form method=post><table><tr><th>RMS Service Square ライセンスキー</th><td><input name=k></td></tr>
<tr><th>RMS Service Square ライセンスキー（確認用）</th><td><input name=k2></td></tr></table><input type=submit value=保存></form>`,
		"same cell": `<form method=post><table><tr><th>RMS Service Square ライセンスキー</th><td><input name=k><br>確認のため再入力 <input name=k2></td></tr></table><input type=submit value=保存></form>`,
		"label for": `<form method=post><label for=a>RMS Service Square ライセンスキー</label><input id=a name=k>
<label for=b>RMS Service Square ライセンスキー 再入力</label><input id=b name=k2><input type=submit value=保存></form>`,
	} {
		t.Run(name, func(t *testing.T) {
			kf, err := findKeyField(parseDocument(src))
			if err != nil {
				t.Fatal(err)
			}
			if kf.ctl.name != "k" || len(kf.twins) != 1 || kf.twins[0].name != "k2" {
				t.Fatalf("key %q twins %v, want k and k2", kf.ctl.name, kf.twins)
			}
		})
	}
	t.Run("a bare 確認用 elsewhere is not a twin", func(t *testing.T) {
		kf, err := findKeyField(parseDocument(`<form method=post><table><tr><th>RMS Service Square ライセンスキー</th><td><input name=k></td></tr>
<tr><th>ショップURL</th><td><input name=u></td></tr><tr><th>確認用</th><td><input name=mail2></td></tr></table></form>`))
		if err != nil || len(kf.twins) != 0 {
			t.Fatalf("twins %v (%v), want none", kf, err)
		}
	})
}

func saveButton(t *testing.T, buttons string) (*control, error) {
	t.Helper()
	d := parseDocument(`<form method=post><label for=k>RMS Service Square ライセンスキー</label><input id=k name=k>` + buttons + `</form>`)
	return chooseSaveButton(d.forms[0])
}

func TestSaveButtonByVisibleName(t *testing.T) {
	for name, tc := range map[string]struct{ buttons, want string }{
		"seed after back":          {`<input type=submit name=back value=戻る><input type=submit name=go value=設定を保存して次へ進む>`, "go"},
		"seed wins over a variant": {`<button name=s2>保存</button><button name=go>設定を保存して<br>次へ進む</button>`, "go"},
		"保存":                       {`<input type=submit name=back value="&lt; 戻る"><input type=submit name=go value="保存する">`, "go"},
		"登録":                       {`<button type=submit name=go class="btn btn-primary"><i class="fa fa-check"></i> 登録</button>`, "go"},
		"更新":                       {`<input type=submit name=go value="　更　新　">`, "go"},
		"設定する":                     {`<input type=submit name=go value="設定する">`, "go"},
		"image alt":                {`<input type=image name=back src=back.gif alt=戻る><input type=image name=go src=save.gif alt=設定を保存>`, "go"},
		"img inside button":        {`<button name=go><img src=save.png alt="保存"></button>`, "go"},
		"aria-label":               {`<button name=go aria-label="保存"><svg></svg></button>`, "go"},
		"title":                    {`<input type=image name=go src=s.gif title="設定を保存">`, "go"},
		"confirm onclick":          {`<input type=submit name=go value=保存 onclick="return confirm('保存しますか？')">`, "go"},
		"search and delete too":    {`<input type=submit name=s value=検索><input type=submit name=d value=削除して保存><input type=submit name=go value=保存>`, "go"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := saveButton(t, tc.buttons)
			if err != nil {
				t.Fatal(err)
			}
			if c.name != tc.want {
				t.Errorf("chose %q, want %q", c.name, tc.want)
			}
		})
	}
}

func TestSaveButtonRefusals(t *testing.T) {
	for name, tc := range map[string]struct{ buttons, en string }{
		"only a back button":    {`<input type=submit name=back value=戻る>`, "No save button"},
		"unnamed submit":        {`<input type=submit name=x>`, "No save button"},
		"two candidates":        {`<input type=submit name=a value=保存><button name=b>登録</button>`, "(「保存」, 「登録」)"},
		"script button only":    {`<button type=button onclick="save()">保存</button>`, "JavaScript"},
		"onclick fills a field": {`<input type=submit value=保存 onclick="document.forms[0].k2.value=this.form.k.value">`, "onclick"},
		"disabled until script": {`<input type=submit value=保存 disabled>`, "disabled"},
		"link only":             {`<a href="javascript:document.forms[0].submit()">保存</a>`, "JavaScript"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := saveButton(t, tc.buttons)
			if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, tc.en) {
				t.Errorf("message %q, want it to contain %q", en, tc.en)
			}
		})
	}
	t.Run("onsubmit", func(t *testing.T) {
		d := parseDocument(`<form method=post onsubmit="fill(); return true"><input type=submit value=保存></form>`)
		if _, err := chooseSaveButton(d.forms[0]); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
			t.Fatalf("error %v, want EINVALID", err)
		}
	})
}

func TestSubmitterOverrides(t *testing.T) {
	d := parseDocument(`<form method=get action=/a enctype=text/plain><input name=k value=1>` +
		`<button name=go formaction="save.php?mode=upd&amp;x=1" formmethod=POST formenctype="multipart/form-data">保存</button></form>`)
	sub, err := chooseSaveButton(d.forms[0])
	if err != nil {
		t.Fatal(err)
	}
	page := mustURL(t, "https://order.goqsystem.com/goq21/setting/")
	s, err := buildSubmission(d, page, d.forms[0], nil, sub)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.url.String(), "https://order.goqsystem.com/goq21/setting/save.php?mode=upd&x=1"; got != want {
		t.Errorf("url %q, want %q", got, want)
	}
	if !strings.HasPrefix(s.contentType, "multipart/form-data; boundary=") {
		t.Errorf("content type %q", s.contentType)
	}
}

func TestValidationMessage(t *testing.T) {
	for name, tc := range map[string]struct{ page, want string }{
		"cakephp": {`<form><div class="input text required error"><label>RMS Service Square ライセンスキー</label><input name=k>` +
			`<div class="error-message">ライセンスキーの形式が正しくありません。</div></div></form>`, "ライセンスキーの形式が正しくありません。"},
		"rails": {`<div id="error_explanation"><h2>1 件のエラーがあります</h2><ul><li>ライセンスキー は不正な値です</li></ul></div>` +
			`<div class="field_with_errors"><label>RMS Service Square ライセンスキー</label></div>`, "1 件のエラーがあります ライセンスキー は不正な値です"},
		"bootstrap": {`<div class="alert alert-danger" role="alert">入力内容に誤りがあります。</div><div class="invalid-feedback">有効期限切れのキーです</div>`,
			"入力内容に誤りがあります。 / 有効期限切れのキーです"},
		"legacy font":   {`<table><tr><td><font color="#FF0000">※ライセンスキーが正しくありません</font></td></tr></table>`, "※ライセンスキーが正しくありません"},
		"key is masked": {`<p class="error">SL100001_NEWkeyQwErTy1234 は無効です</p>`, "****1234 は無効です"},
		"success":       {`<div class="alert alert-success" role="alert">保存しました</div>`, ""},
		"empty box":     {`<div class="error"></div><div class="error-message" style="display:none">x</div>`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := &page{raw: []byte("<!DOCTYPE html><meta charset=utf-8>" + tc.page), contentType: "text/html"}
			if got := validationMessage(p, "SL100001_NEWkeyQwErTy1234"); got != tc.want {
				t.Errorf("message %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHeadingBeforeTheFormLabelsNothing(t *testing.T) {
	_, err := find(t, `<h2>RMS Service Square ライセンスキー</h2><form method=post><input name=shop_url><input type=submit value=保存></form>`)
	if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
		t.Fatalf("error %v, want the label not found", err)
	}
}

func TestHiddenSaveButtonIsNotPressed(t *testing.T) {
	_, err := saveButton(t, `<input type=submit value=保存 style="display:none"><a href="#" onclick="save()">保存</a>`)
	if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, "JavaScript") {
		t.Fatalf("error %v, want the script-only refusal", err)
	}
}

func TestDecodePage(t *testing.T) {
	sjis := []byte("<meta charset=shift_jis><p>\x93\xfa\x96\x7b</p>") // 日本
	for name, tc := range map[string]struct {
		body        []byte
		contentType string
		want, cs    string
	}{
		"meta":             {sjis, "text/html", "日本", "Shift_JIS"},
		"header wins":      {[]byte("<meta charset=utf-8>\xa4\xa2"), "text/html; charset=EUC-JP", "あ", "EUC-JP"},
		"BOM wins":         {[]byte("\xef\xbb\xbf<meta charset=shift_jis>日本"), "text/html; charset=shift_jis", "日本", "UTF-8"},
		"windows-31j":      {[]byte("\x82\xa0"), "text/html; charset=Windows-31J", "あ", "Shift_JIS"},
		"undeclared utf-8": {[]byte("<p>日本</p>"), "text/html", "日本", "UTF-8"},
		"http-equiv":       {[]byte(`<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=EUC-JP">` + "\xa4\xa2"), "", "あ", "EUC-JP"},
	} {
		t.Run(name, func(t *testing.T) {
			text, cs, err := decodePage(tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, tc.want) || cs != tc.cs {
				t.Errorf("decoded %q as %s, want %q as %s", text, cs, tc.want, tc.cs)
			}
		})
	}
	for name, tc := range map[string]struct {
		body        []byte
		contentType string
		names       string
	}{
		"unknown label":         {[]byte("<p>x</p>"), "text/html; charset=cp932", "(cp932)"},
		"replacement":           {[]byte("<p>x</p>"), "text/html; charset=iso-2022-kr", "(iso-2022-kr)"},
		"unknown meta":          {[]byte("<meta charset=x-user-defined-jp><p>x</p>"), "text/html", "(x-user-defined-jp)"},
		"broken shift_jis":      {[]byte("<meta charset=shift_jis>\x93"), "", "(Shift_JIS)"},
		"broken utf-8":          {[]byte("<meta charset=utf-8>\xff\xfe\xfd"), "", "(UTF-8)"},
		"undeclared, not utf-8": {[]byte("<p>\x93\xfa\x96\x7b</p>"), "text/html", "none declared"},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, _, err := decodePage(tc.body, tc.contentType)
			if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, tc.names) {
				t.Errorf("error %v, want one naming %q", err, tc.names)
			}
		})
	}
}

func TestTwinNeedsAConfirmationLabel(t *testing.T) {
	kf, err := findKeyField(parseDocument(`<form method=post><table>
<tr><th>RMS Service Square ライセンスキー（RMSの画面で確認できます）</th><td><input name=k></td></tr>
<tr><th>確認メールアドレス</th><td><input name=mail></td></tr></table><input type=submit value=保存></form>`))
	if err != nil {
		t.Fatal(err)
	}
	if kf.ctl.name != "k" || len(kf.twins) != 0 {
		t.Fatalf("key %q twins %d, want k and none", kf.ctl.name, len(kf.twins))
	}
}

func TestEncodeTextStateful(t *testing.T) {
	enc, _ := htmlindex.Get("iso-2022-jp")
	for in, want := range map[string]string{
		"あい😀a":   "\x1b$B$\"$$\x1b(B&#128512;a",
		"¥100\\": "\x1b(J\\100\x1b(B\\",
		"ｶﾞ":     "\x1b$B%+!+\x1b(B",
		"a\x1bb": "a&#65533;b",
	} {
		if got := string(encodeText(enc, in)); got != want {
			t.Errorf("iso-2022-jp %q: %q, want %q", in, got, want)
		}
	}
	if len(isoKatakana) != 0xff9f-0xff61+1 {
		t.Errorf("index ISO-2022-JP katakana has %d entries", len(isoKatakana))
	}
}
