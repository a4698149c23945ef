package goq

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"keyrelay/internal/keyrelay"
)

// errorClass matches the class names and ids that frameworks and hand-made
// back offices put on a validation message: Rails (#error_explanation),
// CakePHP (.error-message), Bootstrap (.alert-danger, .invalid-feedback,
// .text-danger, .help-block inside .has-error), and plain .error/.err boxes.
// Wrappers that also hold the label and the field (Rails'
// .field_with_errors, Bootstrap 3's .has-error) are not messages.
var errorClass = regexp.MustCompile(`(?i)^(error|errors|err|errmsg|error[-_]?message|error[-_]?msg|form[-_]error|` +
	`alert[-_](danger|error)|invalid[-_]feedback|text[-_]danger|flash[-_]?error|notice[-_]error|message[-_]error|` +
	`error[-_]?explanation|error[-_]?box|validation[-_]?(error|message)|is[-_]error)$`)

var redStyle = regexp.MustCompile(`(?i)(^|;)\s*color\s*:\s*(red|#f00|#ff0000|#c00|#cc0000|#d00|#dc3545|#e00)\b`)

// validationMessage returns the validation message a save's answer shows,
// as the operator reads it (white space collapsed, several boxes joined by
// " / "), or "". The key, should GoQ echo it, is masked.
func validationMessage(p *page, key string) string {
	d, err := p.parse()
	if err != nil {
		return ""
	}
	var msgs []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head:
				return
			}
			if hiddenElement(n) {
				return
			}
			// A box that holds fields or labels is a wrapper (CakePHP's
			// div.input.error): its message is inside it.
			if isErrorBox(n) && !holdsFields(n) {
				if t := readableText(n); t != "" {
					msgs = append(msgs, t)
				}
				return // nested boxes are part of this one
			}
			if n.DataAtom == atom.Input && hiddenElement(n) {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	msg := strings.Join(msgs, " / ")
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "****"+keyrelay.KeyLast4(key))
	}
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}

func isErrorBox(n *html.Node) bool {
	if id, _ := attr(n, "id"); errorClass.MatchString(strings.TrimSpace(id)) {
		return true
	}
	cls, _ := attr(n, "class")
	for _, c := range strings.Fields(cls) {
		if errorClass.MatchString(c) {
			return true
		}
	}
	if role, _ := attr(n, "role"); strings.EqualFold(role, "alert") && !successText(textContent(n, true)) {
		return true
	}
	if n.DataAtom == atom.Font {
		if c, _ := attr(n, "color"); strings.EqualFold(c, "red") || strings.EqualFold(c, "#ff0000") || strings.EqualFold(c, "#f00") {
			return true
		}
	}
	st, _ := attr(n, "style")
	return redStyle.MatchString(st)
}

// successText: a role=alert box that reports success is not a refusal.
func successText(s string) bool {
	for _, w := range []string{"保存しました", "更新しました", "登録しました", "完了", "成功", "saved", "updated", "success"} {
		if strings.Contains(strings.ToLower(s), w) {
			return true
		}
	}
	return false
}

// errRejected is GoQ's refusal of the key, quoted.
func errRejected(quote string) error {
	return &keyrelay.Error{Code: keyrelay.EREJECTED, Quote: quote,
		Message: "GoQSystem がライセンスキーの保存を受け付けませんでした（GoQSystem の表示をそのまま記録しました）。" +
			"同じキーを再送しても結果は変わらないため、自動の再試行はしません。内容を確認してください。",
		MessageEn: "GoQSystem refused to save the license key (its message is recorded as shown). " +
			"Sending the same key again would not change that, so keyrelay will not retry; please check."}
}

func holdsFields(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.Input, atom.Select, atom.Textarea, atom.Label, atom.Button:
				return true
			}
			if holdsFields(c) {
				return true
			}
		}
	}
	return false
}

// readableText is n's visible text as it reads on screen: blocks and line
// breaks separate words, runs of white space collapse.
func readableText(n *html.Node) string {
	return strings.Join(strings.Fields(walkText(n, textWalk{visibleOnly: true, blockBreaks: true})), " ")
}

// newText returns the blocks of text that answer shows and before did not,
// when answer is the settings form again (it has the key's field), joined
// by " / "; or "". It is asked only after the key was found not stored, so
// a changed timestamp cannot turn a save into a refusal.
func newText(before, answer *page, key string) string {
	if before == nil || answer == nil {
		return ""
	}
	if !answer.showsKeyField() {
		return ""
	}
	ad := answer.document()
	seen := map[string]bool{}
	for _, b := range textBlocks(before.document().root) {
		seen[b] = true
	}
	var fresh []string
	for _, b := range textBlocks(ad.root) {
		if !seen[b] && !successText(b) && !strings.Contains(b, key) {
			fresh = append(fresh, b)
			seen[b] = true
		}
	}
	msg := strings.Join(fresh, " / ")
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}

// textBlocks splits the visible text of a page into its blocks.
func textBlocks(root *html.Node) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if t := strings.Join(strings.Fields(cur.String()), " "); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head, atom.Select, atom.Textarea, atom.Option:
				return
			}
			if hiddenElement(n) {
				return
			}
			if blockTags[n.DataAtom] || n.DataAtom == atom.Br {
				flush()
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blockTags[n.DataAtom] {
			flush()
		}
	}
	walk(root)
	flush()
	return out
}

// showsKeyField reports whether p is the settings form (it has the key's
// field).
func (p *page) showsKeyField() bool {
	d, err := p.parse()
	if err != nil {
		return false
	}
	_, err = findKeyField(d)
	return err == nil
}
