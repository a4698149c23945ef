package goq

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

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
		switch r {
		case '【', '〔', '［', '〈', '《':
			r = '['
		case '】', '〕', '］', '〉', '》':
			r = ']'
		}
		if unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// labelKind is what a control's label says it is.
type labelKind int

const (
	labelOther    labelKind = iota
	labelKey                // the key's field
	labelTwin               // its confirmation twin: 「…（確認用）」
	labelTwinMark           // only 「確認用」「再入力」: a twin if it follows the key's field
)

// Marks around a label that do not change what it names: help icons,
// colons, required/optional badges.
var labelMarks = []string{"?", ":", "*", "※", "必須", "任意", "ⓘ", "!", "＊"}

// twinMarks are what a confirmation twin's label says besides (or instead
// of) the key's label, normalised; only these, so that 「確認メールアドレス」
// after the key's field never gets the key. otherWords make a label name
// some other key (an old one, a test one, another mall's): a label with one
// of them is never the key's.
var (
	twinMarks = map[string]bool{"確認": true, "確認用": true, "確認入力": true, "確認用入力": true, "再入力": true,
		"再入力用": true, "確認のため再入力": true, "確認のためもう一度入力": true, "確認のため再度入力": true,
		"もう一度入力": true, "再度入力": true, "もう一度入力してください": true, "確認のため再入力してください": true,
		"確認のためもう一度入力してください": true, "再入力(確認用)": true, "confirm": true, "confirmation": true, "retype": true}
	otherWords = []string{"旧", "以前", "前回", "過去", "old", "previous", "予備", "失効", "期限切れ", "テスト", "test",
		"sandbox", "検証", "yahoo", "amazon", "qoo10", "wowma", "shopify", "メモ", "備考"}
)

// classifyLabel decides what a label text names. The text must be the key's
// label exactly, once marks, badges and bracketed notes are set aside; a
// note may say "confirmation" (a twin) but not "old" or another mall.
func classifyLabel(text string) labelKind {
	s := normLabel(text)
	var notes []string
	for changed := true; changed; {
		changed = false
		for _, m := range labelMarks {
			if t := strings.TrimSuffix(s, m); t != s {
				s, changed = t, true
			}
			if t := strings.TrimPrefix(s, m); t != s {
				s, changed = t, true
			}
		}
		// 「…ライセンスキー ※RMSで発行されたキー」: a note after ※ runs to
		// the end.
		if i := strings.Index(s, "※"); i > 0 {
			notes = append(notes, s[i+len("※"):])
			s, changed = s[:i], true
		}
		for _, p := range [][2]string{{"(", ")"}, {"[", "]"}, {"「", "」"}, {"<", ">"}} {
			if strings.HasSuffix(s, p[1]) {
				if i := strings.LastIndex(s, p[0]); i >= 0 {
					notes = append(notes, s[i+len(p[0]):len(s)-len(p[1])])
					s, changed = s[:i], true
				}
			}
			if strings.HasPrefix(s, p[0]) {
				if i := strings.Index(s, p[1]); i > 0 {
					notes = append(notes, s[len(p[0]):i])
					s, changed = s[i+len(p[1]):], true
				}
			}
		}
	}
	hasAny := func(s string, words []string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	twin := false
	for _, n := range notes {
		if hasAny(n, otherWords) {
			return labelOther
		}
		if twinMarks[n] {
			twin = true
		}
	}
	switch {
	case s == keyLabelNorm && twin:
		return labelTwin
	case s == keyLabelNorm:
		return labelKey
	case strings.HasPrefix(s, keyLabelNorm) && twinMarks[s[len(keyLabelNorm):]]:
		return labelTwin
	case twinMarks[s] || s == "" && twin:
		return labelTwinMark
	}
	return labelOther
}

// keyField is where the key goes: the field and its confirmation twins,
// all in the same form.
type keyField struct {
	ctl       *control
	twins     []*control
	submitter *control // the form's save button
}

// findKeyField finds the field labelled KeyLabel, and any confirmation
// twin. Each visible control's label is taken from the most explicit
// source that gives one (see controlLabel); exactly one text field may be
// the key's, otherwise nothing is filled: a guess could put the key into
// the wrong field.
func findKeyField(d *document) (*keyField, error) {
	if len(d.forms) == 0 {
		return nil, errFormNotFound()
	}
	labels := precedingTexts(d)
	var keys []*control
	kinds := map[*control]labelKind{}
	for _, c := range d.controls {
		if !c.visible() || c.tag == "fieldset" || c.tag == "object" || c.tag == "output" || isButton(c) {
			continue
		}
		k := classifyLabel(controlLabel(d, c, labels))
		kinds[c] = k
		if k == labelKey && textLike(c) {
			keys = append(keys, c)
		}
	}
	switch {
	case len(keys) > 1:
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のWEBAPI設定画面に「%s」という項目が複数あり、どれに入力すべきか判断できません。",
			"The GoQSystem WEBAPI settings page has more than one field labelled 「%s」; keyrelay will not guess which one to fill.",
			KeyLabel)
	case len(keys) == 0:
		return nil, errLabelNotFound()
	}
	c := keys[0]
	if c.form == nil {
		return nil, errFormNotFound()
	}
	if err := editable(c); err != nil {
		return nil, err
	}
	kf := &keyField{ctl: c}
	after := false
	for _, o := range c.form.controls {
		if o == c {
			after = true
			continue
		}
		if !textLike(o) || !o.visible() {
			continue
		}
		// A bare 「確認用」 is the twin only right after the key's field.
		if kinds[o] == labelTwin || kinds[o] == labelTwinMark && after && len(kf.twins) == 0 {
			if err := editable(o); err != nil {
				return nil, err
			}
			kf.twins = append(kf.twins, o)
		}
		after = false
	}
	return kf, nil
}

func editable(c *control) error {
	if controlDisabled(c) || c.readOnly {
		return keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem の「%s」欄が編集できない状態です（無効または読み取り専用。JavaScript で有効にする画面の可能性があります）。送信していません。",
			"The 「%s」 field on GoQSystem is disabled or read-only (perhaps only a script enables it); nothing was sent.", KeyLabel)
	}
	return nil
}

// controlLabel is the text that labels c, from the first source that has
// one: <label for> and a wrapping <label>, aria-labelledby, aria-label, the
// text before c in its own table cell or the cell before it, the <dt> of
// its <dd>, and finally the nearest block of text before it.
func controlLabel(d *document, c *control, preceding map[*control]string) string {
	var parts []string
	if c.id != "" && d.byID[c.id] == c.node {
		for _, l := range d.labelsFor(c.id) {
			parts = append(parts, textContent(l, true))
		}
	}
	for a := c.node.Parent; a != nil; a = a.Parent {
		if a.Type == html.ElementNode && a.DataAtom == atom.Label {
			if f, ok := attr(a, "for"); !ok || f == c.id && c.id != "" {
				if firstLabelable(a) == c.node {
					parts = append(parts, textContent(a, true))
				}
			}
			break
		}
	}
	if t := strings.TrimSpace(strings.Join(parts, " ")); t != "" {
		return t
	}
	if ids, ok := attr(c.node, "aria-labelledby"); ok {
		var b []string
		for _, id := range strings.Fields(ids) {
			if n := d.byID[id]; n != nil {
				b = append(b, textContent(n, true))
			}
		}
		if t := strings.TrimSpace(strings.Join(b, " ")); t != "" {
			return t
		}
	}
	if t, _ := attr(c.node, "aria-label"); strings.TrimSpace(t) != "" {
		return t
	}
	// A table cell or a <dd>: the first field in it is labelled by the
	// cell before it (the row header) or its <dt>, unless that says
	// nothing about the key and the text inside the cell does.
	own := preceding[c]
	if cell := ancestor(c.node, atom.Td, atom.Th, atom.Dd); cell != nil && firstFieldIn(d, cell, c) {
		head := ""
		for p := cell.PrevSibling; p != nil && head == ""; p = p.PrevSibling {
			if p.Type != html.ElementNode {
				continue
			}
			switch {
			case cell.DataAtom == atom.Dd && p.DataAtom == atom.Dt,
				cell.DataAtom != atom.Dd && (p.DataAtom == atom.Th || p.DataAtom == atom.Td):
				head = strings.TrimSpace(textContent(p, true))
			}
			if cell.DataAtom == atom.Dd && p.DataAtom == atom.Dt {
				break
			}
		}
		if head != "" && (classifyLabel(head) != labelOther || classifyLabel(own) == labelOther) {
			return head
		}
	}
	return own
}

// firstFieldIn reports whether c is the first visible non-button control
// inside n.
func firstFieldIn(d *document, n *html.Node, c *control) bool {
	for _, o := range d.controls {
		if o.visible() && !isButton(o) && o.tag != "fieldset" && contains(n, o.node) {
			return o == c
		}
	}
	return false
}

func contains(anc, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == anc {
			return true
		}
	}
	return false
}

func ancestor(n *html.Node, tags ...atom.Atom) *html.Node {
	for a := n.Parent; a != nil; a = a.Parent {
		if a.Type != html.ElementNode {
			continue
		}
		for _, t := range tags {
			if a.DataAtom == t {
				return a
			}
		}
	}
	return nil
}

// labelsFor lists the <label for=id> elements.
func (d *document) labelsFor(id string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Template {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Label {
			if f, ok := attr(n, "for"); ok && f == id {
				out = append(out, n)
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(d.root)
	return out
}

// firstLabelable is a label's labeled control without for=: its first
// labelable descendant.
func firstLabelable(l *html.Node) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil && found == nil; ch = ch.NextSibling {
			if ch.Type == html.ElementNode {
				switch ch.DataAtom {
				case atom.Button, atom.Meter, atom.Output, atom.Progress, atom.Select, atom.Textarea:
					found = ch
					return
				case atom.Input:
					if t, _ := attr(ch, "type"); !strings.EqualFold(t, "hidden") {
						found = ch
						return
					}
				}
			}
			walk(ch)
		}
	}
	walk(l)
	return found
}

// blockTags end a run of text: a label is the last block of text before a
// field, not the paragraph above it too.
var blockTags = map[atom.Atom]bool{
	atom.Div: true, atom.P: true, atom.Dt: true, atom.Dd: true, atom.Dl: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.Td: true, atom.Th: true, atom.Tr: true, atom.Table: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Section: true, atom.Fieldset: true,
	atom.Legend: true, atom.Form: true, atom.Header: true, atom.Footer: true, atom.Main: true, atom.Nav: true,
	atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Center: true,
	atom.Tbody: true, atom.Thead: true, atom.Caption: true, atom.Body: true,
}

// precedingTexts gives each control the last block of visible text between
// the previous visible control and it.
func precedingTexts(d *document) map[*control]string {
	ctlOf := map[*html.Node]*control{}
	for _, c := range d.controls {
		ctlOf[c.node] = c
	}
	out := map[*control]string{}
	var block strings.Builder
	last := ""
	flush := func() {
		if t := strings.TrimSpace(block.String()); t != "" {
			last = t
		}
		block.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			block.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Option, atom.Textarea:
				if c := ctlOf[n]; c != nil {
					break
				}
				return
			}
			if hiddenElement(n) && ctlOf[n] == nil {
				return
			}
			if n.DataAtom == atom.Label {
				// <label for> text labels the control it names, not
				// whatever field comes next.
				if f, ok := attr(n, "for"); ok && d.byID[f] != nil {
					flush()
					return
				}
			}
			if c := ctlOf[n]; c != nil {
				flush()
				out[c] = last
				if c.visible() {
					last = ""
				}
				if n.DataAtom == atom.Button {
					return // its text is its own name, not the next field's label
				}
				if n.DataAtom == atom.Select || n.DataAtom == atom.Textarea {
					return
				}
			}
			if n.DataAtom == atom.Img {
				if alt, ok := attr(n, "alt"); ok {
					block.WriteString(alt)
				}
			}
			if blockTags[n.DataAtom] {
				flush()
			}
			if n.DataAtom == atom.Form {
				last = "" // text before a form labels nothing in it
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
		if n.Type == html.ElementNode && blockTags[n.DataAtom] {
			flush()
		}
	}
	walk(d.root)
	return out
}
