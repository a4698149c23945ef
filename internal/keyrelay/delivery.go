package keyrelay

import (
	"context"
	"time"
)

// Delivery statuses. A delivery moves pending → in_progress → one of the
// final states, or back to pending (retry) with NextAttemptAt in the future.
const (
	DeliveryWaitingLogin   = "waiting_login"   // no GoQ credentials for the shop yet
	DeliveryPending        = "pending"         // due at NextAttemptAt
	DeliveryInProgress     = "in_progress"     // claimed by a worker (lease until LeaseUntil)
	DeliveryDelivered      = "delivered"       // posted and verified
	DeliveryAlreadyCurrent = "already_current" // the destination already held this key
	DeliverySuperseded     = "superseded"      // a newer key for the same shop and app came first
	DeliveryNeedsAttention = "needs_attention" // gave up; LastError says why
)

// DeliveryFinal reports whether status will not change without the operator.
func DeliveryFinal(status string) bool {
	switch status {
	case DeliveryDelivered, DeliveryAlreadyCurrent, DeliverySuperseded, DeliveryNeedsAttention:
		return true
	}
	return false
}

// Delivery is the outbox row for one capture and one destination.
type Delivery struct {
	ID            int64     `json:"id"`
	CaptureID     int64     `json:"capture_id"`
	CaptureUUID   string    `json:"capture_uuid"`
	ShopID        int64     `json:"shop_id"`
	AppName       string    `json:"app_name"`
	Destination   string    `json:"destination"` // Destination.Name(), e.g. "goq"
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LeaseUntil    time.Time `json:"lease_until"`
	LastError     string    `json:"last_error"` // operator-facing, Japanese; never a secret
	LastErrorEn   string    `json:"last_error_en"`
	// Quote is the destination's own words about the last attempt, verbatim
	// (GoQ's validation message when it refused the key; Error.Quote), with
	// the key masked. Shown to the operator as GoQ's, never as ours.
	Quote string `json:"quote,omitempty"`
	// CredentialsID and LoginID name the destination login the last attempt
	// used (the GoQ account that received, or refused, the key); 0 and ""
	// when no attempt reached the destination.
	CredentialsID int64     `json:"credentials_id,omitempty"`
	LoginID       string    `json:"login_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	FinishedAt    time.Time `json:"finished_at"`
}

// DeliveryAttempt records one try, for the history page.
type DeliveryAttempt struct {
	ID         int64     `json:"id"`
	DeliveryID int64     `json:"delivery_id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Result     string    `json:"result"` // the status it led to
	Error      string    `json:"error"`
	ErrorEn    string    `json:"error_en"`
	// Quote, CredentialsID and LoginID: as in Delivery, for this attempt.
	Quote         string `json:"quote,omitempty"`
	CredentialsID int64  `json:"credentials_id,omitempty"`
	LoginID       string `json:"login_id,omitempty"`
}

type DeliveryFilter struct {
	CaptureID int64
	// CaptureIDs selects the deliveries of several captures at once (a page
	// of the history), in one query.
	CaptureIDs []int64
	ShopID     *int64
	Status     string
	Limit      int
}

// DeliveryService is the durable outbox.
type DeliveryService interface {
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	FindDeliveryByID(ctx context.Context, id int64) (*Delivery, error)
	FindAttempts(ctx context.Context, deliveryID int64) ([]*DeliveryAttempt, error)
	// ClaimDue leases up to limit due deliveries (status pending and
	// NextAttemptAt <= now, or in_progress with an expired lease: a crashed
	// helper's work), at most one per shop and none for a shop that already
	// has a live lease, and marks them in_progress until now+lease.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// NextDue returns the earliest time at which a delivery becomes
	// claimable by the clock alone, with no other write: the smallest
	// NextAttemptAt of a pending delivery (a retry's backoff) and LeaseUntil
	// of an in_progress one (a lease that may expire). It may lie in the
	// past (a due delivery that another's lease holds back). Zero when no
	// delivery waits on the clock.
	NextDue(ctx context.Context) (time.Time, error)
	// RecordAttempt appends an attempt and moves the delivery to its result:
	// a final status, or pending again at next (retry). It fails with
	// ECONFLICT if the delivery is no longer leased (superseded meanwhile).
	RecordAttempt(ctx context.Context, deliveryID int64, a *DeliveryAttempt, next time.Time) (*Delivery, error)
	// RetryNow makes a needs_attention or pending delivery due now.
	RetryNow(ctx context.Context, deliveryID int64) error
	// ReleaseLeases returns this process's in-progress deliveries to pending,
	// for a clean shutdown.
	ReleaseLeases(ctx context.Context) error
	// WakeWaitingLogin moves waiting_login deliveries to pending once
	// credentials exist.
	WakeWaitingLogin(ctx context.Context) (int, error)
}

// Credentials are a login to a destination, used for the shops it is bound
// to (Shops) and never for another. ShopKey (a ShopRef.Key()) is the shop it
// was set for, which it is bound to; "" is the default login ("one shop
// only"), which becomes bound to the first shop that uses it. Moving a login
// to another shop, or binding it to one more, is an explicit operator action
// (AssignCredentials).
type Credentials struct {
	ID          int64  `json:"id"`
	ShopKey     string `json:"shop_key"`
	Destination string `json:"destination"`
	BaseURL     string `json:"base_url"`
	LoginID     string `json:"login_id"`
	// SettingsPath, when set, is the shortcut to GoQ's WEBAPI設定 page below
	// BaseURL; it is used only when the page it opens has the key's label.
	SettingsPath string    `json:"settings_path,omitempty"`
	Password     string    `json:"-"` // sealed at rest
	UpdatedAt    time.Time `json:"updated_at"`
	// Shops are the shop keys this login delivers for (filled by Find and
	// List).
	Shops []string `json:"shops"`
	// Unclaimed marks the default login before any shop used it: it will be
	// bound to the first shop whose delivery needs a login.
	Unclaimed bool `json:"unclaimed,omitempty"`
}

type CredentialService interface {
	// SetCredentials creates or updates the login of (Destination,
	// ShopKey); a login set for a named shop is bound to that shop.
	SetCredentials(ctx context.Context, c *Credentials) error
	// FindCredentials returns the login bound to shopKey, with its
	// password; ENOTFOUND when none is. There is no fallback: a shop's key
	// is never posted with a login bound to other shops.
	FindCredentials(ctx context.Context, destination, shopKey string) (*Credentials, error)
	// FindCredentialsByID returns one login with its password.
	FindCredentialsByID(ctx context.Context, id int64) (*Credentials, error)
	ListCredentials(ctx context.Context, destination string) ([]*Credentials, error)
	DeleteCredentials(ctx context.Context, id int64) error
	// AssignCredentials binds shopKey to login id, taking it from the login
	// it was bound to; with move, id's other shops are unbound. Deliveries of
	// shopKey waiting for a login become due; it returns how many.
	AssignCredentials(ctx context.Context, id int64, shopKey string, move bool) (int, error)
	// UnassignCredentials unbinds shopKey from login id; the shop's next
	// deliveries wait for a login.
	UnassignCredentials(ctx context.Context, id int64, shopKey string) error
}

// DeliveryRequest is what a destination needs to post one key.
type DeliveryRequest struct {
	Shop    *Shop
	Capture *Capture
	Key     string // plaintext, in memory only
	Creds   *Credentials
	DryRun  bool
}

// DeliveryResult says what a destination did.
type DeliveryResult struct {
	Status  string   // DeliveryDelivered or DeliveryAlreadyCurrent
	Detail  string   // operator-facing summary, no secrets
	Changes []string // field names it changed (only the key field, or none)
}

// Destination is somewhere a key is pasted. GoQSystem is the first; another
// system is one more implementation of this interface.
type Destination interface {
	Name() string
	// Deliver posts req.Key and verifies it was saved. A transient failure
	// returns an *Error with EUNAVAILABLE; a login or form problem returns
	// EUNAUTHORIZED or EINVALID.
	Deliver(ctx context.Context, req DeliveryRequest) (DeliveryResult, error)
	// TestConnection logs in and finds the form without changing anything.
	TestConnection(ctx context.Context, creds *Credentials) error
}

// DeliveryEvent is pushed to connected extensions and the tray when a
// delivery changes.
type DeliveryEvent struct {
	CaptureUUID string `json:"capture_id"`
	Destination string `json:"destination"`
	Status      string `json:"status"`
	Detail      string `json:"detail"`
	DetailEn    string `json:"detail_en"`
	// Quote is the destination's own words (Delivery.Quote); LoginID the
	// login used.
	Quote   string `json:"quote,omitempty"`
	LoginID string `json:"login_id,omitempty"`
	At      time.Time
}
