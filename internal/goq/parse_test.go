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

	"keyrelay/internal/keyrelay"
)

func TestTokenizeAttributes(t *testing.T) {
	toks := tokenize(`<INPUT Type=TEXT name='a"b' value="x&amp;y" data-x=1/2 checked value="dup" =odd>`)
	if len(toks) != 1 || toks[0].kind != tokStart || toks[0].name != "input" {
		t.Fatalf("tokens %+v, want one input start tag", toks)
	}
	want := []attr{{"type", "TEXT"}, {"name", `a"b`}, {"value", "x&y"}, {"data-x", "1/2"}, {"checked", ""}, {"=odd", ""}}
	if got := toks[0].attrs; !slices.Equal(got, want) {
		t.Errorf("attrs %q, want %q", got, want)
	}
}

func TestTokenizeRawAndComments(t *testing.T) {
	src := "a<!-- <input name=c> -->b<script>if (a<b) x='</scrip'; '<input name=s>'</script >c" +
		"<textarea>\n&lt;t&gt;<b></textarea>d<!---->e<!-->f<? pi ?>g</ >h< i"
	var text strings.Builder
	var starts []string
	for _, tk := range tokenize(src) {
		switch tk.kind {
		case tokText:
			text.WriteString(tk.text)
		case tokStart:
			starts = append(starts, tk.name)
		}
	}
	if got, want := starts, []string{"script", "textarea"}; !slices.Equal(got, want) {
		t.Errorf("start tags %q, want %q", got, want)
	}
	if got, want := text.String(), "abc\n<t><b>defgh< i"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

func TestTokenizeUnterminated(t *testing.T) {
	for _, src := range []string{`<input name="a`, `<input name=a`, `<!-- x`, `<!doctype`, `</div`, `<script>x`, `<`} {
		tokenize(src) // must not panic or loop
	}
	if toks := tokenize(`ok<input name="a`); len(toks) != 1 || toks[0].text != "ok" {
		t.Errorf("tag cut by EOF: %+v, want only the text before it", toks)
	}
}

func find(t *testing.T, src string) (*control, error) {
	t.Helper()
	return findKeyField(parseDocument(src))
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
	sub := chooseSubmitter(f, saveLabel)
	if sub == nil || sub.name != "go" {
		t.Fatalf("submitter %+v, want the button named go", sub)
	}
	var got []string
	for _, e := range formEntries(f, nil, sub) {
		got = append(got, e.name+"="+e.value)
	}
	want := []string{"h=a&b", `t=x"yz`, "c1=on", "r=2", "s1=Three Four", "s2=y", "s3=a", "s5=yes",
		"ta=line1&\r\nline2", "go=save", "_charset_=UTF-8", "noval=", "nv.dir=ltr"}
	if !slices.Equal(got, want) {
		t.Errorf("entries\n got %q\nwant %q", got, want)
	}
}

func TestBuildSubmission(t *testing.T) {
	page, _ := url.Parse("https://order.goqsystem.com/goq21/setting/mall/rakuten/webapi?tab=1#top")
	build := func(src, charset string) (*submission, error) {
		d := parseDocument(src)
		f := d.forms[0]
		return buildSubmission(d, page, charset, f, nil, chooseSubmitter(f, saveLabel))
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
	s, err := build(`<form method=post action=save><input name="a[b]" value="1 2&3=ä"></form>`, "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(s.body), "a%5Bb%5D=1+2%263%3D%C3%A4"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	for name, tc := range map[string]struct{ src, charset string }{
		"get method":      {`<form action=save><input name=a></form>`, ""},
		"other site":      {`<form method=post action="https://evil.example/save"></form>`, ""},
		"other port":      {`<form method=post action="https://order.goqsystem.com:8443/save"></form>`, ""},
		"shift_jis page":  {`<form method=post></form>`, "Shift_JIS"},
		"accept-charset":  {`<form method=post accept-charset="EUC-JP"></form>`, ""},
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

// FuzzParse: no input makes the parser panic or loop, and text without '<'
// comes back as itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{entriesForm, `<form>RMS Service Square ライセンスキー<input name=k></form>`,
		`<a b='c`, "<!--", "<textarea>", `<select><option>`, "<tr><th>x</th><td><input></td>", "&amp;&#x3042;&bogus;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		d := parseDocument(src)
		findKeyField(d)
		for _, fm := range d.forms {
			formEntries(fm, nil, chooseSubmitter(fm, saveLabel))
		}
		if !strings.Contains(src, "<") {
			var got strings.Builder
			for _, tk := range tokenize(src) {
				got.WriteString(tk.text)
			}
			want := strings.ReplaceAll(html.UnescapeString(normalizeNewlines(src)), "\x00", "")
			if src != "" && got.String() != want && !strings.Contains(src, "\x00") {
				t.Errorf("text %q came back as %q", want, got.String())
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
		for _, e := range formEntries(f, nil, chooseSubmitter(f, saveLabel)) {
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
		c, err := findKeyField(d)
		if err != nil {
			t.Fatal(err)
		}
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
		"[redacted]", "SL1…", " ", "SL100001_abc def"} {
		if !masked(v) {
			t.Errorf("masked(%q) = false, want true", v)
		}
	}
	for _, v := range []string{"SL100001_NEWkeyQwErTy1234", "a-b_c.d+e/f=g", "SL100001_OLDkey0000000001"} {
		if masked(v) {
			t.Errorf("masked(%q) = true, want false", v)
		}
	}
}
