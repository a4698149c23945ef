package keyrelay

import (
	"context"
	"errors"
	"time"
)

// Delivery modes of a shop's destination (GoQSystem): how its key gets in.
const (
	// DeliveryModeHelper: the helper logs in with a stored login ID and
	// password (「ヘルパーがログイン」). The default.
	DeliveryModeHelper = "helper"
	// DeliveryModeBrowser: the paired extension that captured the key fills
	// it into the operator's own logged-in GoQ tab (「ブラウザのGoQタブで反映」).
	// No GoQ password is stored for the shop.
	DeliveryModeBrowser = "browser"
)

// DeliveryWaitingBrowser is the status of a browser-mode delivery whose
// extension is not connected, or whose GoQ tab needs the operator (login,
// permission): ブラウザ待ち. Not final; the helper wakes it when that
// extension connects or says its GoQ tab is ready again.
const DeliveryWaitingBrowser = "waiting_browser"

// DeliveryWaitingAccount is the status of a browser-mode delivery that the
// extension did not fill because of the GoQ account (GoQアカウント待ち): the
// GoQ tab is logged in to another account than the shop's, shows no
// account at all, or the shop has no expected account yet and the operator
// is asked to confirm the one the tab shows. Nothing was posted. Not final:
// the operator logging in to the right account (goq_ready), or setting or
// confirming the shop's account, makes it due.
const DeliveryWaitingAccount = "waiting_account"

// BrowserLoginID is recorded as the GoQ login of a browser-mode attempt when
// the GoQ page did not show which account was logged in.
const BrowserLoginID = "ブラウザ"

// DeliveryModeLabel is the operator-facing name of a mode, Japanese first.
func DeliveryModeLabel(mode string) (ja, en string) {
	if mode == DeliveryModeBrowser {
		return "ブラウザのGoQタブで反映", "Fill in the browser's GoQ tab"
	}
	return "ヘルパーがログイン", "The helper logs in"
}

// CheckDeliveryMode validates a mode the operator chose.
func CheckDeliveryMode(mode string) error {
	switch mode {
	case DeliveryModeHelper, DeliveryModeBrowser:
		return nil
	}
	return Errorf(EINVALID, "配信方法「%s」は使えません。helper（ヘルパーがログイン）か browser（ブラウザのGoQタブで反映）を指定してください。",
		"Delivery mode %q is not known: use helper or browser.", mode)
}

// DeliveryModeSetting is one shop's chosen mode for a destination.
type DeliveryModeSetting struct {
	Destination string `json:"destination"`
	ShopKey     string `json:"shop_key"` // ShopRef.Key()
	Mode        string `json:"mode"`
	// Account is the GoQ account (login ID) the shop's keys go into in
	// browser mode; "" none yet (the operator confirms the one the GoQ tab
	// shows on first use).
	Account   string    `json:"account,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DeliveryModeService stores each shop's delivery mode. A shop without a row
// is in DeliveryModeHelper.
type DeliveryModeService interface {
	// SetDeliveryMode records the mode of (destination, shopKey). Choosing
	// browser mode deletes the shop's own stored login (and its sealed
	// password) and unbinds the shop from any shared login, so no GoQ
	// password for it stays in keyrelay's data; the login ID of that login
	// is kept as the shop's expected GoQ account when it has none yet.
	// Deliveries of the shop waiting for a login become due; it returns how
	// many.
	SetDeliveryMode(ctx context.Context, destination, shopKey, mode string) (int, error)
	// DeliveryMode returns the mode of (destination, shopKey).
	DeliveryMode(ctx context.Context, destination, shopKey string) (string, error)
	ListDeliveryModes(ctx context.Context, destination string) ([]*DeliveryModeSetting, error)
	// WakeWaitingBrowser makes the waiting_browser and waiting_account
	// deliveries of the captures clientID sent due now; it returns how many.
	WakeWaitingBrowser(ctx context.Context, clientID string) (int, error)
	// BrowserAccount is the shop's expected GoQ account in browser mode, ""
	// when none is set.
	BrowserAccount(ctx context.Context, destination, shopKey string) (string, error)
	// SetBrowserAccount sets the shop's expected GoQ account (checked with
	// CheckGoQAccount) and makes its waiting deliveries due; it returns how
	// many. The shop must be in browser mode (else EINVALID). With
	// onlyIfUnset (the operator confirming the account the GoQ tab shows)
	// it refuses (ECONFLICT) when the shop already has one: a confirmation
	// never replaces an account set on purpose.
	SetBrowserAccount(ctx context.Context, destination, shopKey, account string, onlyIfUnset bool) (int, error)
}

// GoQTask is one browser-mode delivery handed to an extension: put Key into
// the shop's GoQ WEBAPI設定 page in the operator's own tab. ID is stable for
// the delivery, so a re-sent task is the same task.
type GoQTask struct {
	ID       string
	ShopKey  string
	ShopName string
	Key      string // plaintext, in memory only
	KeyLast4 string
	BaseURL  string // GoQ's base URL, e.g. https://order.goqsystem.com/goq21/
	// SettingsPath is the shortcut to WEBAPI設定 below BaseURL ("" none).
	SettingsPath string
	// Account is the shop's expected GoQ account ("" none yet: the
	// extension then asks the operator to confirm the one the tab shows).
	Account string
	// CaptureUUID names the capture, for the operator's confirmation.
	CaptureUUID string
}

// Outcomes an extension reports for a GoQTask.
const (
	GoQVerified        = "verified"         // saved, and the saved value read back equals the key
	GoQAlreadyCurrent  = "already_current"  // the field already held the key; nothing was posted
	GoQRejected        = "rejected"         // GoQ showed a validation message (Quote), after one save
	GoQNeedsLogin      = "needs_login"      // the tab shows GoQ's login, a code prompt or an unknown page
	GoQNeedsPermission = "needs_permission" // the extension may not open GoQ pages (optional permission not granted)
	GoQError           = "error"            // anything else; Message says what
	// The GoQ account (Account is what the page shows). Nothing was filled,
	// unless Posted (the result page after the save showed another account).
	GoQWrongAccount   = "wrong_account"   // the page shows another account than the task's
	GoQNoAccount      = "no_account"      // the page shows no account (or several): it cannot be checked
	GoQConfirmAccount = "confirm_account" // the task has no account: the operator is asked to confirm Account
)

// GoQTaskResult is the extension's report.
type GoQTaskResult struct {
	Outcome string
	Account string // the GoQ account shown on the page, "" when not readable
	Quote   string // GoQ's own words, verbatim (rejected)
	Message string // the extension's own explanation (error), Japanese
	// Posted says whether the extension pressed the save button in this
	// task (false for already_current, needs_login, and errors before the save).
	Posted bool
}

// ErrBrowserGone: the extension that was given a task disconnected before
// reporting. Whether it saved is unknown; the re-sent task reads first.
var ErrBrowserGone = errors.New("keyrelay: the browser disconnected during the task")

// ErrBrowserNotConnected: no connection of that extension is open.
var ErrBrowserNotConnected = errors.New("keyrelay: the browser is not connected")

// BrowserRelay hands GoQ tasks to a paired extension (the WebSocket server).
type BrowserRelay interface {
	// BrowserConnected reports whether clientID has an authenticated
	// connection now.
	BrowserConnected(clientID string) bool
	// RunGoQTask sends t to clientID and waits for its result, ctx's end, or
	// the connection's end (ErrBrowserGone).
	RunGoQTask(ctx context.Context, clientID string, t GoQTask) (GoQTaskResult, error)
}
