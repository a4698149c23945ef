package goq

// Internal tests: the tokenizer, label finding and serialisation are
// unexported, and their edge cases are easier to pin here than through the
// fake.

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

func TestAttributeCharacterReferences(t *testing.T) {
	// The HTML Standard: in an attribute value, a legacy named reference
	// without ";" followed by "=" or an alphanumeric stays literal; in text
	// it is decoded.
	d := parseDocument(`<form method=post><input type=hidden name=a value="x&amp;y&ampz&amp=1&copy2&notit;&#x41;&#0;&#x80;">` +
		`<INPUT Type=HIDDEN name='b"c' value=1/2 value="dup"></form>`)
	got := map[string]string{}
	for _, c := range d.forms[0].controls {
		got[c.name] = c.value
	}
	if want := "x&y&ampz&amp=1&copy2&notit;A\ufffd\u20ac"; got["a"] != want {
		t.Errorf("a = %q, want %q", got["a"], want)
	}
	if want := "1/2"; got[`b"c`] != want {
		t.Errorf("b = %q, want %q (first of duplicate attributes)", got[`b"c`], want)
	}
}

func TestScriptAndCommentsAreNotMarkup(t *testing.T) {
	d := parseDocument(`<!-- <form><input name=c></form> --><script>x='<form><input name=s></form>'</script>` +
		`<noscript><form><input name=n></form></noscript><template><form><input name=t></form></template>` +
		`<form method=post><textarea name=ta>
&lt;b&gt;<input name=in></textarea></form>`)
	if len(d.forms) != 1 || len(d.forms[0].controls) != 1 {
		t.Fatalf("forms %d, controls %v; want one form with the textarea only", len(d.forms), d.forms)
	}
	if got, want := d.forms[0].controls[0].value, "<b><input name=in>"; got != want {
		t.Errorf("textarea value %q, want %q", got, want)
	}
}

// TestFormInTable: a <form> inside a <table> is closed at once by the parser
// but still owns the inputs of the rows after it (the form element pointer),
// as legacy PHP pages rely on.
func TestFormInTable(t *testing.T) {
	d := parseDocument(`<TABLE><FORM METHOD=POST ACTION=save><TR><TD>a<TD><INPUT NAME=a VALUE=1>
<TR><TD><INPUT NAME=b VALUE=2></FORM><TR><TD><INPUT NAME=c VALUE=3></TABLE>`)
	if len(d.forms) != 1 {
		t.Fatalf("%d forms", len(d.forms))
	}
	var got []string
	for _, e := range formEntries(d.forms[0], nil, nil, "UTF-8") {
		got = append(got, e.name+"="+e.value)
	}
	if want := []string{"a=1", "b=2"}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func find(t *testing.T, src string) (*control, error) {
	t.Helper()
	kf, err := findKeyField(parseDocument(src))
	if err != nil {
		return nil, err
	}
	return kf.ctl, nil
}

func TestFindKeyField(t *testing.T) {
	cases := map[string]string{
		"label for": `<form method=post><label for=a>RMS Service Square<br>ライセンスキー <span>?</span></label>
			<input id=b name=wrong><input id=a name=right></form>`,
		"table row th": `<form><table><tr><th>RMS Service Square
			ライセンスキー ?</th><td><input type=hidden name=h><input name=right></td></tr></table></form>`,
		"table row before a nested table": `<form><table><tr><th>ショップURL</th><td><input name=shop></td></tr>
			<tr><td>RMS Service Square ライセンスキー</td><td><input name=right size=60></td></tr></table></form>`,
		"wrapping label": `<form><label>RMS Service Square ライセンスキー <input name=right></label><input name=other></form>`,
		"aria-label":     `<form><input name=other><input aria-label="RMS Service Square ライセンスキー" name=right></form>`,
		"plain text after a help paragraph": `<form><p>RMS Service Square ライセンスキーはRMSからコピーしてください。</p>
			ショップURL ?<input name=shop><div>RMS Service Square ライセンスキー <i>?</i></div><div><input name=right></div></form>`,
		"full-width and nbsp": `<form><dt>ＲＭＳ&nbsp;Ｓｅｒｖｉｃｅ　Square　ライセンスキー：(必須)</dt><dd><input name=right></dd></form>`,
		"textarea":            `<form>RMS Service Square ライセンスキー<textarea name=right></textarea></form>`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := find(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.name, "right"; got != want {
				t.Errorf("found %q, want %q", got, want)
			}
		})
	}
}

func TestFindKeyFieldRefuses(t *testing.T) {
	cases := map[string]struct{ src, en string }{
		"no form": {`<p>RMS Service Square ライセンスキー</p><input name=k>`, "No form"},
		"only in a comment and a script": {`<form><!-- RMS Service Square ライセンスキー <input name=c> -->
			<script>x="RMS Service Square ライセンスキー<input name=s>"</script>ショップURL<input name=shop></form>`, "not found"},
		"only in help text": {`<form><p>RMS Service Square ライセンスキーは必ず入力してください。</p>ショップURL<input name=shop></form>`, "not found"},
		"two fields":        {`<form><label for=a>RMS Service Square ライセンスキー</label><input id=a name=a><label for=b>RMS Service Square ライセンスキー</label><input id=b name=b></form>`, "more than one"},
		"label on a select": {`<form><label for=s>RMS Service Square ライセンスキー</label><select id=s name=s></select></form>`, "not found"},
		"disabled":          {`<form>RMS Service Square ライセンスキー<input name=k disabled></form>`, "disabled"},
		"read-only":         {`<form>RMS Service Square ライセンスキー<input name=k readonly></form>`, "read-only"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := find(t, tc.src)
			if got := keyrelay.ErrorCode(err); got != keyrelay.EINVALID {
				t.Fatalf("code %q (%v), want %q", got, err, keyrelay.EINVALID)
			}
			if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, tc.en) {
				t.Errorf("message %q, want it to contain %q", en, tc.en)
			}
		})
	}
}

const entriesForm = `<form method=post action=save>
<input type=hidden name=h value="a&amp;b">
<input name=t value='x"y
z'>
<input type=checkbox name=c1 checked><input type=checkbox name=c2 value=v>
<input type=radio name=r value=1><input type=radio name=r value=2 checked>
<select name=s1><option>One</option><option selected value=2>Two</option><option selected>  Three
 Four </option></select>
<select name=s2><option disabled>x</option><optgroup label=g><option value=y>Y</option></optgroup></select>
<select name=s3 multiple><option selected>a</option><option>b</option><option selected disabled>c</option></select>
<select name=s4><option value=z selected disabled>Z</option></select>
<select name=s5><optgroup disabled><option>no</option></optgroup><option>yes</option></select>
<textarea name=ta>
line1&amp;
line2</textarea>
<input name=dis disabled value=q>
<fieldset disabled><legend>old</legend><input name=fd value=q></fieldset>
<input type=button name=b value=x><input type=reset name=rs><button type=button name=bb>x</button>
<input type=submit name=back value=戻る>
<button name=go value=save>設定を保存して<br>次へ進む</button>
<input type=hidden name=_charset_>
<input name=noval dirname=nv.dir>
<input type=image name=img src=x.png>
</form>`

func TestFormEntries(t *testing.T) {
	d := parseDocument(entriesForm)
	f := d.forms[0]
	sub, err := chooseSaveButton(f)
	if err != nil || sub.name != "go" {
		t.Fatalf("submitter %+v (%v), want the button named go", sub, err)
	}
	var got []string
	for _, e := range formEntries(f, nil, sub, "UTF-8") {
		got = append(got, e.name+"="+e.value)
	}
	want := []string{"h=a&b", `t=x"yz`, "c1=on", "r=2", "s1=Three Four", "s2=y", "s3=a", "s5=yes",
		"ta=line1&\nline2", "go=save", "_charset_=UTF-8", "noval=", "nv.dir=ltr"}
	if !slices.Equal(got, want) {
		t.Errorf("entries\n got %q\nwant %q", got, want)
	}
}

func TestBuildSubmission(t *testing.T) {
	page, _ := url.Parse("https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi?tab=1#top")
	build := func(src, charset string) (*submission, error) {
		d := parseDocument(src)
		d.charset = charset
		f := d.forms[0]
		sub, _ := chooseSaveButton(f)
		return buildSubmission(d, page, f, nil, sub)
	}
	for name, tc := range map[string]struct{ src, want string }{
		"relative":  {`<form method=post action=save><input name=a value="1 2&3"></form>`, "https://order.goqsystem.com/goq21/setting/mall/rakuten/save"},
		"empty":     {`<form method=POST action=""></form>`, "https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi?tab=1"},
		"none":      {`<form method=post></form>`, "https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi?tab=1"},
		"base href": {`<base href="/goq21/x/"><form method=post action=y></form>`, "https://order.goqsystem.com/goq21/x/y"},
		"formaction": {`<form method=post action=a><button formaction="/goq21/b">設定を保存して次へ進む</button></form>`,
			"https://order.goqsystem.com/goq21/b"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := build(tc.src, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := s.url.String(); got != tc.want {
				t.Errorf("url %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ src, charset, want string }{
		{`<form method=post action=save><input name="a[b]" value="1 2&3=ä*~"></form>`, "UTF-8", "a%5Bb%5D=1+2%263%3D%C3%A4*%7E"},
		{`<form method=post><input name="k" value="日本&#x1F600;①"></form>`, "Shift_JIS", "k=%93%FA%96%7B%26%23128512%3B%87%40"},
		{`<form method=post accept-charset="bogus EUC-JP"><input name="k" value="日本"></form>`, "UTF-8", "k=%C6%FC%CB%DC"},
		{`<form method=post accept-charset="bogus"><input name="k" value="日本"></form>`, "Shift_JIS", "k=%E6%97%A5%E6%9C%AC"},
		{`<form method=post><input type=hidden name="_CHARSET_"></form>`, "EUC-JP", "_CHARSET_=EUC-JP"},
	} {
		s, err := build(tc.src, tc.charset)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(s.body); got != tc.want {
			t.Errorf("%s in %s: body %q, want %q", tc.src, tc.charset, got, tc.want)
		}
	}
	for name, tc := range map[string]struct{ src, charset string }{
		"get method":      {`<form action=save><input name=a></form>`, ""},
		"other site":      {`<form method=post action="https://evil.example/save"></form>`, ""},
		"other port":      {`<form method=post action="https://order.goqsystem.com:8443/save"></form>`, ""},
		"text/plain body": {`<form method=post enctype="text/plain"></form>`, ""},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			if _, err := build(tc.src, tc.charset); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
				t.Errorf("error %v, want %s", err, keyrelay.EINVALID)
			}
		})
	}
}

func TestNormLabel(t *testing.T) {
	if got, want := normLabel("RMS Service Square\nライセンスキー ?"), "rmsservicesquareライセンスキー?"; got != want {
		t.Errorf("normLabel = %q, want %q", got, want)
	}
}

// FuzzParse: no input makes the parser, the field finder or the entry list
// panic or loop; every entry's name is a control's name attribute (or an
// image button's .x/.y); a value attribute without "&" or a NUL comes back
// as written; and serialising the entries never loses an entry.
func FuzzParse(f *testing.F) {
	for _, s := range []string{entriesForm, `<form>RMS Service Square ライセンスキー<input name=k></form>`,
		`<a b='c`, "<!--", "<textarea>", `<select><option>`, "<tr><th>x</th><td><input></td>", "&amp;&#x3042;&bogus;",
		`<form><input name=a value="&notit;&amp=&copy"><input type=image name=i></form>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		d := parseDocument(src)
		findKeyField(d)
		for _, fm := range d.forms {
			sub, _ := chooseSaveButton(fm)
			names := map[string]bool{}
			for _, c := range fm.controls {
				names[c.name] = true
				if dn, ok := attr(c.node, "dirname"); ok {
					names[dn] = true
				}
				if v, ok := attr(c.node, "value"); ok && c.tag == "input" && c.typ == "hidden" {
					if raw := strings.Contains(src, "value=\""+v+"\""); raw && !strings.ContainsAny(v, "&\x00\r") && v != c.value {
						t.Errorf("hidden value %q came back as %q", v, c.value)
					}
				}
			}
			es := formEntries(fm, nil, sub, "UTF-8")
			for _, e := range es {
				base := strings.TrimSuffix(strings.TrimSuffix(e.name, ".x"), ".y")
				if !names[e.name] && !names[base] && e.name != "x" && e.name != "y" && !strings.Contains(e.name, ".") {
					t.Errorf("entry %q is no control's name", e.name)
				}
			}
			body := urlencodedBody(nil, es)
			if vals, err := url.ParseQuery(string(body)); err == nil {
				n := 0
				for _, v := range vals {
					n += len(v)
				}
				if len(es) > 0 && n != len(es) {
					t.Errorf("%d entries serialised as %d", len(es), n)
				}
			}
		}
	})
}

// TestFormAttribute: a control with form= belongs to the form with that id
// wherever it sits, and to no form if that id is not a form's.
func TestFormAttribute(t *testing.T) {
	d := parseDocument(`<input name=before form=f value=1>
<form id=f method=post>
<input name=in value=2>
<input name=elsewhere form=g value=3>
<input name=nowhere form=missing value=4>
<input name=notaform form=d value=5>
<input name=empty form="" value=6>
<input type=submit name=back value=戻る>
</form>
<div id=d></div>
<form id=g method=post><input name=g1 value=7></form>
<input name=after form=f value=8>
<button form=f name=go value=save>設定を保存して次へ進む</button>
<form id=f method=post><input name=second value=9></form>`)
	if got, want := len(d.forms), 3; got != want {
		t.Fatalf("%d forms, want %d", got, want)
	}
	entries := func(f *form) (out []string) {
		sub, _ := chooseSaveButton(f)
		for _, e := range formEntries(f, nil, sub, "UTF-8") {
			out = append(out, e.name+"="+e.value)
		}
		return out
	}
	for i, want := range [][]string{
		{"before=1", "in=2", "after=8", "go=save"},
		{"elsewhere=3", "g1=7"},
		{"second=9"}, // the id is the first form's
	} {
		if got := entries(d.forms[i]); !slices.Equal(got, want) {
			t.Errorf("form %d entries\n got %q\nwant %q", i, got, want)
		}
	}
}

func TestFindKeyFieldWithFormAttribute(t *testing.T) {
	t.Run("outside its form", func(t *testing.T) {
		d := parseDocument(`<form id=s method=post><input name=other></form>
			<label for=k>RMS Service Square ライセンスキー</label><input id=k name=k form=s>`)
		kf, err := findKeyField(d)
		if err != nil {
			t.Fatal(err)
		}
		c := kf.ctl
		if c.name != "k" || c.form != d.forms[0] {
			t.Errorf("found %q in form %p, want k in %p", c.name, c.form, d.forms[0])
		}
	})
	t.Run("inside a form it does not belong to", func(t *testing.T) {
		_, err := find(t, `<form method=post><label for=k>RMS Service Square ライセンスキー</label>
			<input id=k name=k form=nowhere></form>`)
		if got := keyrelay.ErrorCode(err); got != keyrelay.EINVALID {
			t.Fatalf("code %q (%v), want %q", got, err, keyrelay.EINVALID)
		}
	})
}

func TestMasked(t *testing.T) {
	for _, v := range []string{"********", "SL100001_****", "●●●●", "••••ABCD", "末尾4桁: ABCD", "設定済み", "XXXXXXXXXXXX",
		"[redacted]", "SL1…", " ", "SL100001_abc def", "SL100001_XXXX", "SL100001_XXXXXXXXXXXX5678"} {
		if !masked(v) {
			t.Errorf("masked(%q) = false, want true", v)
		}
	}
	// A real key holding XXXX by chance is shown, not masked: otherwise its
	// delivery could never be verified.
	for _, v := range []string{"SL100001_NEWkeyQwErTy1234", "a-b_c.d+e/f=g", "SL100001_OLDkey0000000001", "SL100001_AbXXXXCd12345678", "SL100001_abxXxXcd12345678"} {
		if masked(v) {
			t.Errorf("masked(%q) = true, want false", v)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// FuzzAttributeValue: whatever text a server escapes into an attribute or
// a textarea comes back as that text (line breaks normalised as the input
// stream does: CR LF and CR become LF; a line break right after <textarea>
// is not content), and the page around it still has its one form. The
// browser comparison of the unescaped cases is TestCharRefDifferential in
// e2e.
func FuzzAttributeValue(f *testing.F) {
	for _, s := range []string{"", "a&b", "&amp;", "\r\n", "\rx", "\nx", `"'<>`, "日本語", "&notit;", "&#0;", "x\u00a0y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.ContainsFunc(s, isNoncharOrControl) {
			t.Skip()
		}
		esc := html.EscapeString(s)
		got := ParsedValues(`<form method=post><input type=hidden value="` + esc + `"><textarea>` + esc + `</textarea></form>`)
		want := normalizeLF(s)
		if len(got) != 2 {
			t.Fatalf("%d controls", len(got))
		}
		if got[0] != want {
			t.Errorf("attribute %q came back as %q", want, got[0])
		}
		// html.EscapeString leaves line breaks alone, so a literal CR or
		// LF first in the textarea is one LF after preprocessing, which is
		// not content.
		wantTA := strings.TrimPrefix(want, "\n")
		if got[1] != wantTA {
			t.Errorf("textarea %q came back as %q", wantTA, got[1])
		}
	})
}

// isNoncharOrControl: characters the input stream reports as parse errors
// but keeps, except that CR is normalised; kept out of the round trip only
// because C0 controls other than tab and line breaks are not text a
// settings form holds.
func isNoncharOrControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r < 0xa0
}

// TestFormPointerNotSetInTemplate: a <form> inside a <template> does not set
// the parser's form element pointer, so the next real form owns its inputs.
func TestFormPointerNotSetInTemplate(t *testing.T) {
	d := parseDocument(`<template><form id=t></template><form method=post><input name=a value=1></form>`)
	if len(d.forms) != 1 || len(d.forms[0].controls) != 1 || d.forms[0].controls[0].name != "a" {
		t.Fatalf("forms %d; want one form owning a", len(d.forms))
	}
}
