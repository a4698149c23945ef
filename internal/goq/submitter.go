package goq

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"keyrelay/internal/keyrelay"
)

// Words in a button's name that make it a save button, after the seed's own
// 「設定を保存して次へ進む」, and words that make it anything but one.
var (
	saveWords    = []string{"保存", "登録", "更新", "設定する", "save", "update"}
	notSaveWords = []string{"戻る", "戻", "前へ", "キャンセル", "取消", "取り消", "削除", "検索", "クリア", "リセット", "ログアウト",
		"解除", "初期化", "確認画面", "プレビュー", "一覧", "back", "cancel", "delete", "search", "reset", "logout", "preview"}
)

// buttonName is what the operator reads on a button: its text (images
// inside read by their alt), an input's value, an image button's alt, else
// aria-label, else title.
func buttonName(c *control) string {
	var name string
	switch {
	case c.tag == "button":
		name = textContent(c.node, true)
	case c.typ == "image":
		name, _ = attr(c.node, "alt")
	default:
		name, _ = attr(c.node, "value")
	}
	if strings.TrimSpace(name) == "" {
		name, _ = attr(c.node, "aria-label")
	}
	if strings.TrimSpace(name) == "" {
		name, _ = attr(c.node, "title")
	}
	return strings.Join(strings.Fields(name), " ")
}

// saveRank: 2 for the seed's label, 1 for a close variant, 0 for not a save
// button.
func saveRank(name string) int {
	n := normLabel(name)
	if n == normLabel(saveLabel) {
		return 2
	}
	for _, w := range notSaveWords {
		if strings.Contains(n, w) {
			return 0
		}
	}
	for _, w := range saveWords {
		if strings.Contains(n, w) {
			return 1
		}
	}
	return 0
}

// confirmOnly matches an onclick that only asks for confirmation, which a
// browser then submits normally.
var confirmOnly = regexp.MustCompile(`^\s*(return\s+)?(window\.)?confirm\([^()]*\)\s*;?\s*$`)

// chooseSaveButton finds the button that saves f by its visible name, the
// way an operator would: the seed's 「設定を保存して次へ進む」, else a close
// variant (保存, 登録, 更新, 設定する). It never falls back to the first
// submit button (in the seed that is 「戻る」), and it refuses, naming the
// candidates, when none or several could be the one. A form that only a
// script submits correctly is refused too.
func chooseSaveButton(f *form) (*control, error) {
	if on, _ := attr(f.node, "onsubmit"); strings.TrimSpace(on) != "" && !confirmOnly.MatchString(on) {
		return nil, errScriptOnly("フォームの onsubmit", "the form's onsubmit")
	}
	best := 0
	var found, scripted []*control
	for _, c := range f.controls {
		r := saveRank(buttonName(c))
		if r == 0 || c.tag != "button" && c.tag != "input" || !c.visible() {
			continue // a hidden button is not one the operator presses
		}
		if !isSubmit(c) {
			// <button type=button>保存</button> or <input type=button>: only
			// its onclick can save.
			scripted = append(scripted, c)
			continue
		}
		if r > best {
			best, found = r, nil
		}
		if r == best {
			found = append(found, c)
		}
	}
	switch {
	case len(found) == 0 && len(scripted) > 0:
		return nil, errScriptOnly("「"+buttonName(scripted[0])+"」ボタン", "the 「"+buttonName(scripted[0])+"」 button")
	case len(found) == 0 && scriptedLink(f) != "":
		n := scriptedLink(f)
		return nil, errScriptOnly("「"+n+"」はリンクやボタン風の要素で、押すとスクリプトが送信します", "「"+n+"」 is a link or widget a script submits with")
	case len(found) == 0:
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem の画面に保存ボタン（「%s」など）が見つかりません。送信していません。",
			"No save button (such as 「%s」) was found on the GoQSystem page; nothing was sent.", saveLabel)
	case len(found) > 1:
		var names []string
		for _, c := range found {
			names = append(names, "「"+buttonName(c)+"」")
		}
		return nil, &keyrelay.Error{Code: keyrelay.EINVALID,
			Message: "GoQSystem の画面に保存ボタンの候補が複数あり（" + strings.Join(names, "、") +
				"）、どれを押すべきか判断できません。送信していません。",
			MessageEn: "The GoQSystem page has several buttons that could save (" + strings.Join(names, ", ") +
				"); keyrelay will not guess. Nothing was sent."}
	}
	c := found[0]
	if controlDisabled(c) {
		return nil, errScriptOnly("無効になっている「"+buttonName(c)+"」ボタン", "the disabled 「"+buttonName(c)+"」 button")
	}
	if on, _ := attr(c.node, "onclick"); strings.TrimSpace(on) != "" && !confirmOnly.MatchString(on) {
		return nil, errScriptOnly("「"+buttonName(c)+"」ボタンの onclick", "the 「"+buttonName(c)+"」 button's onclick")
	}
	return c, nil
}

// chooseLoginButton picks the login form's submitter: the one submit
// button, or the one that says ログイン; else none (pressing Enter, which
// submits with the form's default button: the first submit button).
func chooseLoginButton(f *form) *control {
	var subs []*control
	for _, c := range f.controls {
		if isSubmit(c) && !controlDisabled(c) {
			subs = append(subs, c)
		}
	}
	for _, c := range subs {
		if n := normLabel(buttonName(c)); strings.Contains(n, "ログイン") || strings.Contains(n, "login") {
			return c
		}
	}
	if len(subs) > 0 {
		return subs[0]
	}
	return nil
}

func errScriptOnly(ja, en string) error {
	return &keyrelay.Error{Code: keyrelay.EINVALID,
		Message:   "GoQSystem の設定画面は JavaScript でしか正しく送信できない作り（" + ja + "）のため、送信していません。",
		MessageEn: "The GoQSystem settings page can only be submitted correctly by JavaScript (" + en + "); nothing was sent."}
}

// prepare finds the save button and checks that a browser's submission can
// be reproduced, before anything is posted.
func (kf *keyField) prepare() error {
	sub, err := chooseSaveButton(kf.ctl.form)
	if err != nil {
		return err
	}
	kf.submitter = sub
	for _, c := range kf.ctl.form.controls {
		if c.name == "" || controlDisabled(c) || isButton(c) {
			continue
		}
		// Browsers disagree here: Chromium submits a field inside a
		// <datalist>, the HTML Standard (and so this client) does not.
		if c.tag != "fieldset" && c.tag != "object" && c.tag != "output" && inDatalist(c) {
			return &keyrelay.Error{Code: keyrelay.EINVALID,
				Message: "GoQSystem の設定画面に、ブラウザーによって送信されたりされなかったりする欄（datalist の中の「" + c.name + "」）があり、" +
					"どう送るのが正しいか判断できないため送信していません。",
				MessageEn: "The GoQSystem settings page has a field inside a datalist (「" + c.name + "」), which browsers " +
					"disagree on submitting; keyrelay cannot tell what GoQ expects, so nothing was sent."}
		}
		if c.tag == "input" && c.typ == "color" {
			if v, _ := attr(c.node, "value"); v != "" {
				if _, sure := sanitizeColor(v); !sure {
					return &keyrelay.Error{Code: keyrelay.EINVALID,
						Message: "GoQSystem の設定画面の色の欄（「" + c.name + "」）の値を、ブラウザーと同じ形に直せないため送信していません。",
						MessageEn: "The GoQSystem settings page has a color field (「" + c.name + "」) whose value keyrelay cannot " +
							"normalise exactly as a browser does, so nothing was sent."}
				}
			}
		}
		if c.tag == "textarea" && hardWrapped(c) {
			return &keyrelay.Error{Code: keyrelay.EINVALID,
				Message: "GoQSystem の設定画面に、ブラウザーが表示幅で改行を入れて送信する欄（textarea wrap=hard）があり、" +
					"同じ内容を再現できないため送信していません。",
				MessageEn: "The GoQSystem settings page has a text area that browsers re-wrap at its display width " +
					"(wrap=hard); keyrelay cannot reproduce that exactly, so nothing was sent."}
		}
	}
	return nil
}

// hardWrapped reports whether a wrap=hard textarea has a line that may be
// wider than its cols: a browser then inserts line breaks where the text
// wraps on screen, which depends on fonts.
func hardWrapped(c *control) bool {
	w, _ := attr(c.node, "wrap")
	if !strings.EqualFold(w, "hard") {
		return false
	}
	cols := 20
	if s, ok := attr(c.node, "cols"); ok {
		if n, ok := parseNonNegative(s); ok && n > 0 {
			cols = n
		}
	}
	for _, line := range strings.Split(normalizeLF(c.value), "\n") {
		width := 0
		for _, r := range line {
			width++
			if r >= 0x1100 {
				width++ // CJK and other wide characters take two columns
			}
		}
		if width+4 > cols {
			return true
		}
	}
	return false
}

// scriptedLink returns the name of a save-like element in f that is not a
// button but a link or widget with a script behind it (onclick, or a
// javascript: URL), or "".
func scriptedLink(f *form) string {
	var name string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && name == ""; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			href, _ := attr(c, "href")
			_, onclick := attr(c, "onclick")
			if onclick || strings.HasPrefix(strings.ToLower(strings.TrimSpace(href)), "javascript:") {
				if t := strings.Join(strings.Fields(textContent(c, true)), " "); saveRank(t) > 0 {
					name = t
					return
				}
			}
			walk(c)
		}
	}
	walk(f.node)
	return name
}
