package protocol

import "keyrelay/internal/keyrelay"

// Browser-mode delivery (docs/PROTOCOL.md, "GoQ tasks"): the helper hands a
// key to the extension that captured it (goq_task), which fills it into the
// operator's own GoQ tab and answers with goq_result. goq_ready tells the
// helper that a GoQ tab which needed the operator (login) is usable again.
const (
	TypeGoQTask   = "goq_task"
	TypeGoQResult = "goq_result"
	TypeGoQReady  = "goq_ready"
	TypeGoQMode   = "goq_mode"
	// TypeGoQAccount: the operator confirms the GoQ account the tab shows
	// for a shop that has none yet (the popup's 「GoQアカウント X にこのショップ
	// のキーを反映しますか？」).
	TypeGoQAccount = "goq_account"
)

// Limits of the GoQ messages.
const (
	MaxTaskID  = 64
	MaxQuote   = keyrelay.MaxQuote * 2 // the extension's quote before CleanQuote
	MaxAccount = 200
)

// GoQTask is helper → client. Key is the plaintext key: it travels only
// over the authenticated connection and only to the capturing browser.
type GoQTask struct {
	Header
	TaskID       string `json:"task_id"`
	Shop         string `json:"shop"`      // ShopRef.Key()
	ShopName     string `json:"shop_name"` // for the popup
	Key          string `json:"key"`
	KeyLast4     string `json:"key_last4"`
	BaseURL      string `json:"base_url"`
	SettingsPath string `json:"settings_path,omitempty"`
	// Account is the shop's GoQ account (login ID): the extension fills
	// nothing unless the GoQ page shows it. Empty: none yet; the extension
	// asks the operator to confirm the account the page shows.
	Account   string `json:"account"`
	CaptureID string `json:"capture_id"` // the capture's UUID, for goq_account
}

func (t GoQTask) String() string {
	return "goq_task{task_id=" + t.TaskID + " shop=" + t.Shop + " key_last4=" + t.KeyLast4 + "}"
}
func (t GoQTask) GoString() string { return t.String() }

// GoQResult is client → helper: what the GoQ tab did with task TaskID.
type GoQResult struct {
	Header
	TaskID  string `json:"task_id"`
	Outcome string `json:"outcome"` // keyrelay.GoQVerified, …
	Account string `json:"account,omitempty"`
	Quote   string `json:"quote,omitempty"`
	Message string `json:"message,omitempty"`
	Posted  bool   `json:"posted,omitempty"`
}

// GoQReady is client → helper: a GoQ tab that needed the operator is
// usable again, so waiting tasks may be re-sent.
type GoQReady struct{ Header }

// GoQModeRequest is client → helper, from the popup: deliver the shop of
// this browser's capture CaptureID through this browser's GoQ tab. The
// helper agrees only for a capture this pairing made, of a shop without a
// GoQ login (so nothing stored is deleted); the reply is a GoQModeReply.
type GoQModeRequest struct {
	Header
	CaptureID string `json:"capture_id"`
}

type GoQModeReply struct {
	Header
	Shop string `json:"shop"`
	Mode string `json:"mode"`
}

// GoQAccountRequest is client → helper, from the popup: the operator
// confirms that Account (what the GoQ tab showed) is the GoQ account of the
// shop of this browser's capture CaptureID. The helper pins it only for a
// capture this pairing made, of a shop in browser mode without an account;
// the reply is a GoQAccountReply.
type GoQAccountRequest struct {
	Header
	CaptureID string `json:"capture_id"`
	Account   string `json:"account"`
}

type GoQAccountReply struct {
	Header
	Shop    string `json:"shop"`
	Account string `json:"account"`
}

func (*GoQAccountRequest) MsgType() string { return TypeGoQAccount }
func (*GoQAccountReply) MsgType() string   { return TypeGoQAccount }
func (*GoQModeRequest) MsgType() string    { return TypeGoQMode }
func (*GoQModeReply) MsgType() string      { return TypeGoQMode }
func (*GoQTask) MsgType() string           { return TypeGoQTask }
func (*GoQResult) MsgType() string         { return TypeGoQResult }
func (*GoQReady) MsgType() string          { return TypeGoQReady }

func init() {
	clientTypes[TypeGoQResult] = func() Message { return &GoQResult{} }
	clientTypes[TypeGoQReady] = func() Message { return &GoQReady{} }
	clientTypes[TypeGoQMode] = func() Message { return &GoQModeRequest{} }
	serverTypes[TypeGoQMode] = func() Message { return &GoQModeReply{} }
	serverTypes[TypeGoQTask] = func() Message { return &GoQTask{} }
	clientTypes[TypeGoQAccount] = func() Message { return &GoQAccountRequest{} }
	serverTypes[TypeGoQAccount] = func() Message { return &GoQAccountReply{} }
}

var goqOutcomes = map[string]bool{keyrelay.GoQVerified: true, keyrelay.GoQAlreadyCurrent: true, keyrelay.GoQRejected: true,
	keyrelay.GoQNeedsLogin: true, keyrelay.GoQNeedsPermission: true, keyrelay.GoQError: true,
	keyrelay.GoQWrongAccount: true, keyrelay.GoQNoAccount: true, keyrelay.GoQConfirmAccount: true}

// validateGoQResult checks a goq_result beyond its JSON shape.
func validateGoQResult(m *GoQResult, ref string) error {
	switch {
	case m.TaskID == "" || len(m.TaskID) > MaxTaskID:
		return errorf(CodeBadMessage, ref, "項目 task_id がないか長すぎます。", "Field task_id is missing or too long.")
	case !goqOutcomes[m.Outcome]:
		return errorf(CodeBadMessage, ref, "項目 outcome の値が不明です。", "Field outcome has an unknown value.")
	case len(m.Account) > MaxAccount:
		return errorf(CodeBadMessage, ref, "項目 account が長すぎます。", "Field account is too long.")
	case len(m.Quote) > MaxQuote || len(m.Message) > MaxQuote:
		return errorf(CodeBadMessage, ref, "項目 quote または message が長すぎます。", "Field quote or message is too long.")
	}
	return nil
}
