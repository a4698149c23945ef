package goq

import (
	"strings"
	"unicode"

	"keyrelay/internal/keyrelay"
)

// KeyLabel is the visible label of the field the key goes into.
const KeyLabel = "RMS Service Square ライセンスキー"

// saveLabel is the text of the button that saves the form.
const saveLabel = "設定を保存して次へ進む"

var keyLabelNorm = normLabel(KeyLabel)

// normLabel folds what differs between renderings of the same label: white
// space of any kind (the seed breaks the key's label over two lines),
// full-width ASCII, and letter case.
func normLabel(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// labelSuffixes are marks GoQ-like pages put after a label: help icons,
// colons, required markers.
var labelSuffixes = []string{"?", ":", "*", "※", "(必須)", "【必須】", "必須", "(任意)", "任意"}

// endsWithLabel reports whether normalised text ends with the label, after
// trailing marks are dropped. Text that merely mentions the label (a help
// paragraph) does not end with it.
func endsWithLabel(text, lbl string) bool {
	for {
		trimmed := text
		for _, s := range labelSuffixes {
			trimmed = strings.TrimSuffix(trimmed, s)
		}
		if trimmed == text {
			break
		}
		text = trimmed
	}
	return strings.HasSuffix(text, lbl)
}

// findKeyField finds the control labelled KeyLabel. The ways a control can
// be labelled are tried from most to least explicit; the first that finds
// anything decides, and finding more than one control is an error rather
// than a guess, because a guess could write the key into the wrong field.
func findKeyField(d *document) (*control, error) {
	if len(d.forms) == 0 {
		return nil, errFormNotFound()
	}
	byID := map[string]*control{}
	for _, f := range d.forms {
		for _, c := range f.controls {
			if _, dup := byID[c.id]; c.id != "" && !dup {
				byID[c.id] = c
			}
		}
	}
	strategies := []func() []*control{
		func() (out []*control) { // <label for=id>
			for _, l := range d.labels {
				if c := byID[l.forID]; l.forID != "" && c != nil && strings.Contains(normLabel(l.text.String()), keyLabelNorm) {
					out = append(out, c)
				}
			}
			return out
		},
		func() []*control { // aria-label
			return matching(d, func(c *control) bool { return strings.Contains(normLabel(c.ariaLabel), keyLabelNorm) })
		},
		func() []*control { // <label> around the control
			return matching(d, func(c *control) bool { return strings.Contains(normLabel(c.wrapLabel), keyLabelNorm) })
		},
		func() []*control { // same table row, first text field after the label cell
			return matching(d, func(c *control) bool {
				return c.inRow && c.firstInRow && strings.Contains(normLabel(c.rowText), keyLabelNorm)
			})
		},
		func() []*control { // nearest preceding text
			return matching(d, func(c *control) bool { return endsWithLabel(normLabel(c.before), keyLabelNorm) })
		},
	}
	for _, find := range strategies {
		var found []*control
		for _, c := range find() {
			if textLike(c) && !containsCtl(found, c) {
				found = append(found, c)
			}
		}
		switch {
		case len(found) > 1:
			return nil, keyrelay.Errorf(keyrelay.EINVALID,
				"GoQSystem のWEBAPI設定画面に「%s」という項目が複数あり、どれに入力すべきか判断できません。",
				"The GoQSystem WEBAPI settings page has more than one field labelled 「%s」; keyrelay will not guess which one to fill.",
				KeyLabel)
		case len(found) == 1:
			c := found[0]
			if c.form == nil {
				return nil, errFormNotFound()
			}
			if c.disabled || c.readOnly {
				return nil, keyrelay.Errorf(keyrelay.EINVALID,
					"GoQSystem の「%s」欄が編集できない状態です（無効または読み取り専用）。",
					"The 「%s」 field on GoQSystem is disabled or read-only.", KeyLabel)
			}
			return c, nil
		}
	}
	return nil, errLabelNotFound()
}

func matching(d *document, pred func(*control) bool) (out []*control) {
	for _, f := range d.forms {
		for _, c := range f.controls {
			if pred(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func containsCtl(cs []*control, c *control) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}
