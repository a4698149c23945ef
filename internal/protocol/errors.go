package protocol

import "fmt"

// Error codes sent in an error message (docs/PROTOCOL.md §5).
const (
	CodeBadJSON          = "bad_json"
	CodeBadVersion       = "bad_version"
	CodeUnknownType      = "unknown_type"
	CodeBadMessage       = "bad_message"
	CodeNotAuthenticated = "not_authenticated"
	CodePairingOnly      = "pairing_only"
	CodeUnknownClient    = "unknown_client"
	CodePairingPending   = "pairing_pending"
	CodePairingRejected  = "pairing_rejected"
	CodeAuthFailed       = "auth_failed"
	CodeNonceReused      = "nonce_reused"
	CodeInvalidCapture   = "invalid_capture"
	CodeInvalidKey       = "invalid_key"
	CodeRateLimited      = "rate_limited"
	CodeInternal         = "internal"
)

// Error is a refusal of a client message. Message is Japanese, MessageEn
// English; neither ever quotes a value the client sent, only field names, so a
// key can never leak through an error.
type Error struct {
	Code      string
	Ref       string // the refused message's id, when it had a valid one
	Message   string
	MessageEn string
}

func (e *Error) Error() string {
	return fmt.Sprintf("protocol: %s: %s", e.Code, e.MessageEn)
}

func errorf(code, ref, ja, en string, args ...any) *Error {
	return &Error{Code: code, Ref: ref, Message: fmt.Sprintf(ja, args...), MessageEn: fmt.Sprintf(en, args...)}
}

// NewError builds an *Error for the server's own refusals.
func NewError(code, ref, ja, en string) *Error {
	return &Error{Code: code, Ref: ref, Message: ja, MessageEn: en}
}

// Reply turns e into the error message sent to the client.
func (e *Error) Reply() *ErrorMsg {
	return &ErrorMsg{Header: Header{Ref: e.Ref}, Code: e.Code, Message: e.Message, MessageEn: e.MessageEn}
}
