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
)

// Error is an error meant for the operator: Message is Japanese, MessageEn
// English. Neither may contain a secret.
type Error struct {
	Code      string
	Message   string
	MessageEn string
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
