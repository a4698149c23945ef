//go:build demo

package goq

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

type pageKind int

const (
	menuTop pageKind = iota
	menuSetting
	menuMall
	menuRakuten
	nextStep
)

type loginView struct {
	CSRF, Next, Error string
}

type menuView struct {
	Kind  pageKind
	CSRF  string
	Shown shownAccount
}

type formView struct {
	CSRF, SettingID, Version string
	S                        map[string]string
	Saved                    bool
	Error                    string // a validation message, shown in an error box
	KeyDisplay               KeyDisplay
	Shown                    shownAccount // the logged-in account, in the page header
}

// KeyValue is what the key field shows: the stored key, or nothing or a
// mask when the fake hides it.
func (v formView) KeyValue() string {
	switch v.KeyDisplay {
	case KeyMasked:
		return MaskedKeyValue
	case KeyPassword:
		return ""
	}
	return v.S[FieldLicenseKey]
}

// KeyType is the key field's input type.
func (v formView) KeyType() string {
	if v.KeyIsPassword() {
		return "password"
	}
	return "text"
}

// KeyIsPassword reports whether the key field is a password field.
func (v formView) KeyIsPassword() bool { return v.KeyDisplay == KeyPassword }

// V is the stored value of field.
func (v formView) V(field string) string { return v.S[field] }

// Is reports whether field holds value (selected options, checked radios).
func (v formView) Is(field, value string) bool { return v.S[field] == value }

// Choices lists field's options.
func (v formView) Choices(field string) []choice { return choicesOf[field] }

// Trap is markup that a careless parser mistakes for form fields: a comment
// holding an old input. html/template drops comments from templates, so it
// comes in as data.
func (v formView) Trap() template.HTML {
	return `<!-- 旧フォーム: <input type="text" name="setting[old_license_key]" value="SL000000_commentedOut0000"> -->`
}

// header is shared by every page after login: a search form and a logout
// form, so the settings form is never the only form on the page.
const header = `{{define "header"}}<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="UTF-8">
<title>GoQSystem</title>
<script>
  // A parser that does not treat script as raw text sees a form here.
  var tpl = '<form action="/goq21/evil" method="post"><input name="x" value="y"></form>';
  if (1 < 2 && tpl.length > 0) { window.goq = {}; }
</script>
<style>th { text-align: left; } .help:after { content: "?"; }</style>
</head>
<body>
<header id="gnav">
  <a href="/goq21/">GoQSystem</a>
  <form id="globalSearch" action="/goq21/order/search" method="get">
    <input type="search" name="q" placeholder="受注番号・お客様名">
    <input type="submit" value="検索">
  </form>
  <form id="logoutForm" action="/goq21/logout" method="post">
    <input type="hidden" name="_csrf_token" value="{{.CSRF}}">
    <button type="submit">ログアウト</button>
  </form>
  {{template "account" .Shown}}
  <nav class="breadcrumb"><a href="/goq21/">受注管理</a> &gt; <a href="/goq21/setting">各種設定</a> &gt; <a href="/goq21/setting/mall">モール詳細設定</a> &gt; <a href="/goq21/setting/mall/rakuten">楽天市場</a></nav>
</header>
{{end}}`

const footer = `{{define "footer"}}<footer><a href="https://www.goqsystem.com/">© GoQSystem</a></footer>
</body>
</html>{{end}}`

var loginTmpl = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="ja">
<head><meta charset="UTF-8"><title>ログイン | GoQSystem</title></head>
<body>
<h1>GoQSystem ログイン</h1>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form id="loginForm" method="post" action="/goq21/login">
  <input type="hidden" name="_csrf_token" value="{{.CSRF}}">
  <input type="hidden" name="next" value="{{.Next}}">
  <dl>
    <dt><label for="login_id">ログインID</label></dt>
    <dd><input type="text" id="login_id" name="login_id" autocomplete="username"></dd>
    <dt><label for="password">パスワード</label></dt>
    <dd><input type="password" id="password" name="password" autocomplete="current-password"></dd>
  </dl>
  <label><input type="checkbox" name="remember" value="1"> ログイン状態を保持する</label>
  <button type="submit" name="do_login" value="1">ログイン</button>
</form>
</body>
</html>`))

var menuTmpl = template.Must(template.New("menu").Parse(accountTmplText + header + footer + `{{template "header" .}}
<main>
{{if eq .Kind 0}}<h1>受注管理</h1><ul><li><a href="/goq21/order">受注一覧</a></li><li><a href="/goq21/setting">各種設定</a></li></ul>
{{else if eq .Kind 1}}<h1>各種設定</h1><ul><li><a href="/goq21/setting/mall">モール詳細設定</a></li><li><a href="/goq21/setting/mail">メール設定</a></li></ul>
{{else if eq .Kind 2}}<h1>モール詳細設定</h1><ul><li><a href="/goq21/setting/mall/rakuten">楽天市場</a></li><li><a href="/goq21/setting/mall/yahoo">Yahoo!ショッピング</a></li></ul>
{{else if eq .Kind 3}}<h1>楽天市場</h1><ul><li><a href="/goq21/setting/mall/rakuten/webapi">WEBAPI設定</a></li><li><a href="/goq21/setting/mall/rakuten/ftp">FTP設定</a></li></ul>
{{else}}<h1>楽天市場 設定 STEP2</h1><p class="notice">WEBAPI設定を保存しました。</p><p>続けて受注取込の詳細を設定してください。</p>
{{end}}
</main>
{{template "footer" .}}`))

// formTmpl holds the settings form in each markup.
var formTmpl = map[Markup]*template.Template{
	MarkupTable:  template.Must(template.New("table").Parse(accountTmplText + header + footer + formTable)),
	MarkupLabels: template.Must(template.New("labels").Parse(accountTmplText + header + footer + formLabels)),
	MarkupPlain:  template.Must(template.New("plain").Parse(accountTmplText + header + footer + formPlain)),
}

const intro = `<h2>WEBAPI設定</h2>
<p class="note">WEBAPI設定 (※この項目を入力して保存すると、API取得に切り替わります。)</p>
<p class="help-text">RMS Service Square ライセンスキーは、RMSの「WEB APIサービス」→「アプリ一覧」からコピーしてください。</p>
{{if .Saved}}<p class="notice">保存しました。</p>{{end}}
{{if .Error}}<div class="alert alert-danger"><ul><li>{{.Error}}</li></ul></div>{{end}}`

// formTable: labels in <th>; urlencoded; absolute action; 「戻る」 is a real
// submit button placed before the save button.
const formTable = `{{template "header" .}}
<main>
` + intro + `
{{.Trap}}
<form method="post" action="/goq21/setting/mall/rakuten/webapi" name="MallSettingForm" id="MallSettingForm">
<input type="hidden" name="_csrf_token" value="{{.CSRF}}">
<input type='hidden' name=setting_id value={{.SettingID}}>
<table class="form-table">
<tr><th>ショップURL <a class="help" title="楽天市場の店舗URL">?</a></th>
<td><input type="text" name="setting[shop_url]" value="{{.V "setting[shop_url]"}}" size=60></td></tr>
<tr><th>ユーザーID <a class="help">?</a></th>
<td>※現在は入力不要です<br><input type="text" name="setting[user_id]" value="{{.V "setting[user_id]"}}"></td></tr>
<tr><th>RMS Service Square<br>
ライセンスキー <a class="help" title="RMSで発行されたキー">?</a></th>
<td><input type="{{.KeyType}}" name="setting[rms_service_square_license_key]" value="{{.KeyValue}}" autocomplete="off" size=60></td></tr>
<tr><th>楽天ペイ取得ステータス <a class="help">?</a></th>
<td><select name="setting[rakuten_pay_get_status]">{{range .Choices "setting[rakuten_pay_get_status]"}}
<option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_get_status]" .Value}} selected="selected"{{end}}>{{.Label}}</option>{{end}}
</select></td></tr>
<tr><th>楽天ペイ格納先ステータス <a class="help">?</a></th>
<td><select name="setting[rakuten_pay_store_status]">{{range .Choices "setting[rakuten_pay_store_status]"}}
<option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_store_status]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></td></tr>
<tr><th>受注を取得する日数 <a class="help">?</a></th>
<td><input type="number" name="setting[order_get_days]" value="{{.V "setting[order_get_days]"}}" min="1" max="30"> 日分</td></tr>
<tr><th>自動取得 <a class="help">?</a></th>
<td>自動取得 <select name="setting[auto_get_interval]">{{range .Choices "setting[auto_get_interval]"}}
<option value="{{.Value}}"{{if $.Is "setting[auto_get_interval]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></td></tr>
<tr><th>取得時間 <a class="help">?</a></th>
<td><select name="setting[get_delay_minutes]">{{range .Choices "setting[get_delay_minutes]"}}
<option value="{{.Value}}"{{if $.Is "setting[get_delay_minutes]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></td></tr>
<tr><th>通知</th>
<td><label><input type="checkbox" name="setting[mail_notify]" value="1"{{if $.Is "setting[mail_notify]" "1"}} checked{{end}}> 取得エラーをメールで通知する</label>
<label><input type="checkbox" name="setting[point_sync]" value="1"{{if $.Is "setting[point_sync]" "1"}} checked{{end}}> ポイント連携</label></td></tr>
<tr><th>旧FTPユーザー</th><td><input type="text" name="setting[legacy_ftp_user]" value="ftp-old-user" disabled></td></tr>
<tr><th>メモ</th><td><textarea name="setting[memo]" rows="3" cols="60">{{.V "setting[memo]"}}</textarea></td></tr>
</table>
<input type="hidden" name="lock_version" value="{{.Version}}">
<input type="hidden" name="mall_code" value="rakuten">
<p class="buttons">
<input type="submit" name="submit_back" value="戻る">
<input type="submit" name="submit_next" value="設定を保存して次へ進む" class="btn-primary">
</p>
</form>
</main>
{{template "footer" .}}`

// formLabels: <label for> on some fields, plain text in divs on others, a
// radio group, multipart, a relative action and a <button> with text.
const formLabels = `{{template "header" .}}
<main>
` + intro + `
<FORM class="goq-form" ACTION="save" METHOD="POST" enctype="multipart/form-data" accept-charset="UTF-8">
<div class="form-group">
  <label for="shopUrl" class="control-label">ショップURL</label><span class="tip">?</span>
  <div class="controls"><input id="shopUrl" class="form-control" name="setting[shop_url]" value="{{.V "setting[shop_url]"}}"></div>
</div>
<div class="form-group">
  <div class="control-label">ユーザーID <i class="tip">?</i></div>
  <div class="controls"><small>※現在は入力不要です</small> <input type="text" class="form-control" name="setting[user_id]" value="{{.V "setting[user_id]"}}"></div>
</div>
<div class="form-group">
  <label for="f_lk" class="control-label">RMS Service Square<br>
    ライセンスキー<span class="tip">?</span></label>
  <div class="controls"><input id="f_lk" type="{{.KeyType}}" class="form-control" name="setting[rms_service_square_license_key]" value="{{.KeyValue}}" spellcheck="false"></div>
</div>
<div class="form-group">
  <div class="control-label">楽天ペイ取得ステータス <i class="tip">?</i></div>
  <div class="controls"><select class="form-control" name="setting[rakuten_pay_get_status]">
  <optgroup label="受注">{{range .Choices "setting[rakuten_pay_get_status]"}}
    <option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_get_status]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
  </optgroup>
  </select></div>
</div>
<div class="form-group">
  <label for="payStore" class="control-label">楽天ペイ格納先ステータス</label>
  <div class="controls"><select id="payStore" class="form-control" name="setting[rakuten_pay_store_status]">{{range .Choices "setting[rakuten_pay_store_status]"}}
    <option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_store_status]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
  </select></div>
</div>
<div class="form-group">
  <label for="days" class="control-label">受注を取得する日数</label>
  <div class="controls"><input id="days" type="text" name="setting[order_get_days]" value="{{.V "setting[order_get_days]"}}" size="3"> 日分</div>
</div>
<div class="form-group">
  <div class="control-label">自動取得 <i class="tip">?</i></div>
  <div class="controls">自動取得 <select name="setting[auto_get_interval]">{{range .Choices "setting[auto_get_interval]"}}
    <option value="{{.Value}}"{{if $.Is "setting[auto_get_interval]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
  </select></div>
</div>
<div class="form-group">
  <div class="control-label">取得時間 <i class="tip">?</i></div>
  <div class="controls">{{range .Choices "setting[get_delay_minutes]"}}
    <label class="radio"><input type="radio" name="setting[get_delay_minutes]" value="{{.Value}}"{{if $.Is "setting[get_delay_minutes]" .Value}} checked{{end}}> {{.Label}}</label>{{end}}
  </div>
</div>
<fieldset disabled>
  <legend>旧設定（編集不可）</legend>
  <input type="text" name="setting[legacy_ftp_user]" value="ftp-old-user">
</fieldset>
<div class="form-group">
  <div class="control-label">通知</div>
  <div class="controls">
    <label><INPUT TYPE=CHECKBOX NAME="setting[mail_notify]" VALUE=1 {{if $.Is "setting[mail_notify]" "1"}}CHECKED{{end}}> 取得エラーをメールで通知する</label>
    <label><input type=checkbox name="setting[point_sync]" value=1 {{if $.Is "setting[point_sync]" "1"}}checked{{end}}> ポイント連携</label>
  </div>
</div>
<div class="form-group">
  <label for="memo" class="control-label">メモ</label>
  <div class="controls"><textarea id="memo" name="setting[memo]" rows="3">
{{.V "setting[memo]"}}</textarea></div>
</div>
<INPUT TYPE="HIDDEN" NAME="_csrf_token" VALUE="{{.CSRF}}">
<INPUT TYPE="HIDDEN" NAME="setting_id" VALUE="{{.SettingID}}">
<INPUT TYPE="HIDDEN" NAME="lock_version" VALUE="{{.Version}}">
<INPUT TYPE="HIDDEN" NAME="mall_code" VALUE="rakuten">
<div class="buttons">
  <button type="button" onclick="history.back()">戻る</button>
  <button type="submit" name="submit_next" value="save_next" class="btn btn-primary">設定を保存して<br>次へ進む</button>
</div>
</FORM>
</main>
{{template "footer" .}}`

// formPlain: labels are plain text (<dt>, <div>), the key's label has a
// non-breaking and a full-width space, and hidden fields sit between label
// and control.
const formPlain = `{{template "header" .}}
<main>
` + intro + `
<form method="post" action="">
<input type="hidden" name="_csrf_token" value="{{.CSRF}}">
<dl class="settings">
<dt>ショップURL<span class="q">?</span></dt>
<dd><input type="url" name="setting[shop_url]" value="{{.V "setting[shop_url]"}}"></dd>
<dt>ユーザーID<span class="q">?</span></dt>
<dd>※現在は入力不要です <input type="text" name="setting[user_id]" value="{{.V "setting[user_id]"}}"></dd>
<dt>RMS&nbsp;Service Square　ライセンスキー<span class="q">？</span></dt>
<dd><input type="hidden" name="setting_id" value="{{.SettingID}}"><input{{if .KeyIsPassword}} type="password"{{end}} name="setting[rms_service_square_license_key]" value="{{.KeyValue}}"></dd>
<dt>楽天ペイ取得ステータス<span class="q">?</span></dt>
<dd><select name="setting[rakuten_pay_get_status]">{{range .Choices "setting[rakuten_pay_get_status]"}}
<option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_get_status]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></dd>
<dt>楽天ペイ格納先ステータス<span class="q">?</span></dt>
<dd><select name="setting[rakuten_pay_store_status]">{{range .Choices "setting[rakuten_pay_store_status]"}}
<option value="{{.Value}}"{{if $.Is "setting[rakuten_pay_store_status]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></dd>
<dt>受注を取得する日数<span class="q">?</span></dt>
<dd><input type="number" name="setting[order_get_days]" value="{{.V "setting[order_get_days]"}}"> 日分</dd>
<dt>自動取得<span class="q">?</span></dt>
<dd>自動取得 <select name="setting[auto_get_interval]">{{range .Choices "setting[auto_get_interval]"}}
<option value="{{.Value}}"{{if $.Is "setting[auto_get_interval]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></dd>
<dt>取得時間<span class="q">?</span></dt>
<dd><select name="setting[get_delay_minutes]">{{range .Choices "setting[get_delay_minutes]"}}
<option value="{{.Value}}"{{if $.Is "setting[get_delay_minutes]" .Value}} selected{{end}}>{{.Label}}</option>{{end}}
</select></dd>
<dt>通知</dt>
<dd><input type="checkbox" name="setting[mail_notify]" value="1"{{if $.Is "setting[mail_notify]" "1"}} checked{{end}}>メール通知
<input type="checkbox" name="setting[point_sync]" value="1"{{if $.Is "setting[point_sync]" "1"}} checked{{end}}>ポイント連携
<input type="text" name="setting[legacy_ftp_user]" value="ftp-old-user" disabled="disabled"></dd>
<dt>メモ</dt>
<dd><textarea name="setting[memo]">{{.V "setting[memo]"}}</textarea></dd>
</dl>
<div><input type="hidden" name="lock_version" value="{{.Version}}"><input type="hidden" name="mall_code" value="rakuten"></div>
<input type="submit" name="submit_next" value="設定を保存して次へ進む">
</form>
</main>
{{template "footer" .}}`

const maintenancePage = `<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>メンテナンス中 | GoQSystem</title></head>
<body><h1>ただいまメンテナンス中です</h1><p>GoQSystemは現在メンテナンス中です。終了までしばらくお待ちください。</p></body></html>`

const serverErrorPage = `<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>エラー | GoQSystem</title></head>
<body><h1>システムエラーが発生しました</h1><p>500 Internal Server Error</p></body></html>`

const forbiddenPage = `<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>エラー | GoQSystem</title></head>
<body><h1>不正な画面遷移です</h1><p>画面の有効期限が切れました。もう一度やり直してください。(403)</p></body></html>`

const conflictPage = `<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>エラー | GoQSystem</title></head>
<body><h1>他の画面で設定が更新されました</h1><p>もう一度画面を開き直してください。(409)</p></body></html>`

func badRequestPage(why string) string {
	return `<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>エラー | GoQSystem</title></head>
<body><h1>入力内容に誤りがあります</h1><p>` + template.HTMLEscapeString(why) + `</p></body></html>`
}

func render(w http.ResponseWriter, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		renderStatus(w, http.StatusInternalServerError, serverErrorPage)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func renderStatus(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(code)
	w.Write([]byte(body))
}
