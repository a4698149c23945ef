package goq

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"keyrelay/internal/keyrelay"
)

// Error codes, matching the outbox's retry policy (internal/outbox/policy.go):
//
//	EUNAVAILABLE   GoQ down, 5xx, 429, maintenance page, timeout, TLS or network
//	               failure, a session that keeps expiring, a save whose answer
//	               was lost (5xx/timeout after POST) and did not stick
//	ECONFLICT      the save was answered but the re-read value is not the new key
//	               (GoQ silently ignored it), or GoQ said another screen
//	               changed the settings (409); also, wrapped with
//	               ErrUnverifiable, GoQ does not show the stored key, so
//	               the save cannot be checked (not retried)
//	EINVALID       no form, no 「RMS Service Square ライセンスキー」 label, more
//	               than one, a read-only field, no save button or several,
//	               a form only JavaScript can submit, one whose submission
//	               cannot be reproduced exactly, GoQ rejected the form (400), a
//	               form that would send the key elsewhere or in a URL, a page
//	               that cannot be decoded (the charset is named), a redirect
//	               to another host
//	EREJECTED      GoQ answered the save with a validation message, quoted
//	               verbatim in Error.Quote (never retried)
//	ENOTFOUND      the settings page is gone (404)
//	EUNAUTHORIZED  login refused, or no GoQ login configured
//	EFORBIDDEN     GoQ answered 403 twice (the account may not edit settings)
//
// No message contains the key or the password. Text from GoQ's pages
// appears only where the operator needs it: EREJECTED's Quote (GoQ's own
// words, the key masked) and the names of the buttons or fields a refusal
// is about.

// errNotSettingsPage marks the errors that say a page is not the WEBAPI
// settings page, after which the route by menu links is worth trying.
var errNotSettingsPage = errors.New("not the WEBAPI settings page")

func errFormNotFound() error {
	return fmt.Errorf("%w (%w)", keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem のWEBAPI設定画面に入力フォームが見つかりません。画面の構成が変わった可能性があります。",
		"No form was found on the GoQSystem WEBAPI settings page; the page may have changed."), errNotSettingsPage)
}

func errLabelNotFound() error {
	return fmt.Errorf("%w (%w)", keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem の画面に「%s」の入力欄が見つかりません。楽天市場のWEBAPI設定画面か確認してください。",
		"The 「%s」 field was not found on the GoQSystem page; check that it is the 楽天市場 WEBAPI settings page.",
		KeyLabel), errNotSettingsPage)
}

func errLoginFormNotFound() error {
	return keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem のログイン画面が見つかりません。GoQのURLを確認してください。",
		"The GoQSystem login form was not found; check the GoQ URL.")
}

func errLoginRefused() error {
	return keyrelay.Errorf(keyrelay.EUNAUTHORIZED,
		"GoQSystem にログインできませんでした。ログインIDとパスワードを確認してください。",
		"GoQSystem refused the login; check the login ID and password.")
}

func errNoCredentials() error {
	return keyrelay.Errorf(keyrelay.EUNAUTHORIZED,
		"GoQSystem のログイン情報が設定されていません。",
		"No GoQSystem login is configured.")
}

func errMaintenance() error {
	return keyrelay.Errorf(keyrelay.EUNAVAILABLE,
		"GoQSystem はメンテナンス中です。終了後に自動で再試行します。",
		"GoQSystem is down for maintenance; keyrelay will retry.")
}

func errSessionLoop() error {
	return keyrelay.Errorf(keyrelay.EUNAVAILABLE,
		"GoQSystem のログイン状態がすぐに切れてしまいます。しばらくして再試行します。",
		"The GoQSystem session keeps expiring; keyrelay will retry later.")
}

func errVerifyMismatch() error {
	return keyrelay.Errorf(keyrelay.ECONFLICT,
		"GoQSystem に保存したはずのライセンスキーが、画面を開き直すと反映されていませんでした（保存が無視されました）。",
		"After saving, GoQSystem did not show the new license key: the save was ignored.")
}

// ErrUnverifiable marks a delivery whose save keyrelay cannot check because
// GoQ does not show the stored key: the field is masked, blank, or a password
// field. errors.Is finds it in the error Deliver returns, next to a
// *keyrelay.Error (code ECONFLICT) holding the operator's message.
//
// It is permanent: a retry would see no more than this attempt did, and
// since read-before-write cannot see the key either, it would post again a
// key that may already be saved. The outbox stops at it after one attempt.
var ErrUnverifiable = keyrelay.ErrUnverifiable

// errUnverifiable is the error for ErrUnverifiable. cause, if not nil, is
// the failure that left the save's outcome unknown; it is kept for the log.
func errUnverifiable(last4 string, cause error) error {
	kerr := keyrelay.Errorf(keyrelay.ECONFLICT,
		"GoQSystem の画面では保存済みのライセンスキーが伏せ字または空欄で表示されるため、keyrelay は保存されたかを確認できません。"+
			"二重に送信しないよう、自動の再試行はしません。GoQSystem のWEBAPI設定画面を開き、「%s」に末尾4桁が %s のキーが設定されているかご自身で確認してください。",
		"GoQSystem shows the saved license key masked or blank, so keyrelay cannot check that it was saved. "+
			"To avoid posting it twice, keyrelay will not retry automatically. Open GoQSystem's WEBAPI settings page and check yourself that 「%s」 holds the key ending %s.",
		KeyLabel, last4)
	if cause != nil {
		return fmt.Errorf("%w (%w; outcome unknown after: %w)", kerr, ErrUnverifiable, cause)
	}
	return fmt.Errorf("%w (%w)", kerr, ErrUnverifiable)
}

// errStatus maps an unexpected HTTP status to an error naming the step.
func errStatus(step step, code int) error {
	switch {
	case code == 503:
		return stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem が一時的に利用できません（%s、HTTP %d）。", "GoQSystem is temporarily unavailable (%s, HTTP %d).",
			code)
	case code >= 500 || code == 429:
		return stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem でエラーが発生しました（%s、HTTP %d）。", "GoQSystem returned an error (%s, HTTP %d).", code)
	case code == 404:
		return stepErrorf(step, keyrelay.ENOTFOUND,
			"GoQSystem の画面が見つかりません（%s、HTTP 404）。GoQのURLを確認してください。",
			"GoQSystem page not found (%s, HTTP 404); check the GoQ URL.")
	case code == 401:
		return errLoginRefused()
	case code == 403:
		return stepErrorf(step, keyrelay.EFORBIDDEN,
			"GoQSystem に拒否されました（%s、HTTP 403）。このアカウントに設定変更の権限があるか確認してください。",
			"GoQSystem refused the request (%s, HTTP 403); check that the account may change settings.")
	case code == 409:
		return stepErrorf(step, keyrelay.ECONFLICT,
			"GoQSystem の設定が別の画面で更新されたため保存できませんでした（%s）。再試行します。",
			"GoQSystem settings were changed elsewhere meanwhile (%s); keyrelay will retry.")
	}
	return stepErrorf(step, keyrelay.EINVALID,
		"GoQSystem が入力内容を受け付けませんでした（%s、HTTP %d）。", "GoQSystem rejected the request (%s, HTTP %d).",
		code)
}

// errTransport classifies a failure to get any answer.
func errTransport(ctx context.Context, step step, err error) error {
	var kerr *keyrelay.Error
	var netErr net.Error
	switch {
	case errors.As(err, &kerr):
		return err // from CheckRedirect
	case ctx.Err() != nil:
		kerr = stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem との通信が中断されました（%s）。", "The GoQSystem request was cancelled or ran out of time (%s).")
	case certError(err):
		kerr = stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem のサーバー証明書を検証できませんでした（%s）。", "GoQSystem's TLS certificate could not be verified (%s).")
	case errors.As(err, &netErr) && netErr.Timeout():
		kerr = stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem から時間内に応答がありませんでした（%s）。", "GoQSystem did not answer in time (%s).")
	default:
		kerr = stepErrorf(step, keyrelay.EUNAVAILABLE,
			"GoQSystem に接続できませんでした（%s）。", "Could not connect to GoQSystem (%s).")
	}
	return fmt.Errorf("%w: %w", kerr, err)
}

// certError reports whether err is a failed certificate check: retrying
// within the call will not fix it.
func certError(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var tlsErr *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid) || errors.As(err, &tlsErr)
}

// stepErrorf is Errorf whose first verb is the step's name in each language.
func stepErrorf(s step, code, ja, en string, args ...any) *keyrelay.Error {
	sja, sen := s.names()
	return &keyrelay.Error{Code: code,
		Message:   fmt.Sprintf(ja, append([]any{sja}, args...)...),
		MessageEn: fmt.Sprintf(en, append([]any{sen}, args...)...)}
}

// step names a point in the flow, for error messages.
type step int

const (
	stepLogin step = iota
	stepLoginPost
	stepOpen
	stepSave
)

func (s step) names() (ja, en string) {
	switch s {
	case stepLogin:
		return "ログイン画面", "login page"
	case stepLoginPost:
		return "ログイン", "login"
	case stepOpen:
		return "WEBAPI設定画面", "WEBAPI settings page"
	}
	return "設定の保存", "saving the settings"
}

// scrub is the last line of defence: an error whose text contains a secret
// is replaced by one with the same code and a fixed message. Nothing should
// ever trigger it; it exists so that a future change cannot leak one.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	ja, en := keyrelay.ErrorMessage(err)
	for _, s := range secrets {
		if len(s) >= 4 && (strings.Contains(err.Error(), s) || strings.Contains(ja, s) || strings.Contains(en, s)) {
			kerr := keyrelay.Errorf(keyrelay.ErrorCode(err),
				"GoQSystem への配信に失敗しました（詳細は秘密情報を含むため省略しました）。",
				"Delivery to GoQSystem failed (details withheld because they contained a secret).")
			if errors.Is(err, ErrUnverifiable) {
				// The outbox's retry decision must survive the scrubbing.
				return fmt.Errorf("%w (%w)", kerr, ErrUnverifiable)
			}
			return kerr
		}
	}
	return err
}
