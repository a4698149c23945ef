package keyrelay

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP and WebSocket edges map them to statuses and wire codes;
// only EINTERNAL is logged as a failure of keyrelay itself.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	// EUNAVAILABLE marks a transient failure of an outside service (GoQ down,
	// maintenance, timeout): the outbox retries it.
	EUNAVAILABLE = "unavailable"
	// EREJECTED marks an outside service that answered a save with its own
	// validation message (GoQ: 「ライセンスキーが正しくありません」). The
	// message is kept verbatim in Error.Quote. It is never retried: posting
	// the same refused key again helps nobody.
	EREJECTED = "rejected"
)

// ErrUnverifiable marks a delivery whose save keyrelay cannot check because
// the destination does not show the stored key (masked, blank, a password
// field). It is permanent: the outbox stops at it after one attempt and the
// operator checks the destination by hand.
var ErrUnverifiable = errors.New("the destination does not show the saved license key")

// Error is an error meant for the operator: Message is Japanese, MessageEn
// English. Neither may contain a secret.
type Error struct {
	Code      string
	Message   string
	MessageEn string
	// Quote is the outside service's own words, verbatim (GoQ's validation
	// message), shown to the operator as-is next to Message. Never a secret.
	Quote string
}

func (e *Error) Error() string {
	return fmt.Sprintf("keyrelay: code=%s message=%s", e.Code, e.MessageEn)
}

// Errorf returns an *Error with a Japanese and an English message.
func Errorf(code, ja, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(ja, args...), MessageEn: fmt.Sprintf(en, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the operator-facing messages of err. Errors that are not
// *Error become a generic internal-error message so no detail leaks.
func ErrorMessage(err error) (ja, en string) {
	var e *Error
	if err == nil {
		return "", ""
	} else if errors.As(err, &e) {
		return e.Message, e.MessageEn
	}
	return "内部エラーが発生しました。ログを確認してください。", "Internal error. See the helper's log."
}
