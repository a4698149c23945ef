package protocol

import (
	"fmt"
	"log/slog"

	"keyrelay/internal/keyrelay"
)

// Version is the only protocol version this package speaks.
const Version = keyrelay.ProtocolVersion

// App is what hello.app must say; anything else is not keyrelay.
const App = "keyrelay"

// Limits of a client message.
const (
	MaxFrame     = 64 << 10 // bytes in one text frame
	MaxString    = 4 << 10  // bytes in any string field
	MaxIDLen     = 64       // bytes in "id" and "ref"
	MaxAPIs      = 500      // entries in capture.apis
	MaxAppRows   = 500      // rows in app_list.listing.rows
	MaxNameLen   = 200      // bytes in pair_request.client_name
	MaxClientID  = 64       // bytes in a client id
	MaxClaimLen  = 128      // bytes in a claim token
	NonceBytes   = 32       // decoded nonce length
	SecretBytes  = 32       // decoded pairing secret length
	ProofBytes   = 32       // decoded HMAC-SHA256 length
	MaxLast4Len  = 4        // characters in app_list key_last4
	ModeFull     = "full"   // hello.mode
	ModePairOnly = "pairing_only"
)

// Message types.
const (
	TypeHello         = "hello"
	TypePairRequest   = "pair_request"
	TypePairPending   = "pair_pending"
	TypePairApproved  = "pair_approved"
	TypePairClaim     = "pair_claim"
	TypeAuthBegin     = "auth_begin"
	TypeAuthChallenge = "auth_challenge"
	TypeAuth          = "auth"
	TypeAuthOK        = "auth_ok"
	TypeCapture       = "capture"
	TypeCaptureAck    = "capture_ack"
	TypeAppList       = "app_list"
	TypeAppListAck    = "app_list_ack"
	TypeLoginURL      = "login_url"
	TypeStatus        = "status"
	TypeDelivery      = "delivery"
	TypePing          = "ping"
	TypePong          = "pong"
	TypeError         = "error"
)

// Header is the part every message shares. ID is set by the sender of a
// request; Ref echoes it in the reply.
type Header struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Ref  string `json:"ref,omitempty"`
}

// Head gives access to the header of any message embedding it.
func (h *Header) Head() *Header { return h }

// Message is any protocol message.
type Message interface {
	Head() *Header
	// MsgType is the "type" this Go type is sent as.
	MsgType() string
}

// ---- client → helper ----

type PairRequest struct {
	Header
	ClientName string `json:"client_name"`
}

type PairClaim struct {
	Header
	ClientID   string `json:"client_id"`
	ClaimToken string `json:"claim_token"`
}

type AuthBegin struct {
	Header
	ClientID    string `json:"client_id"`
	ClientNonce string `json:"client_nonce"`
}

type Auth struct {
	Header
	ClientProof string `json:"client_proof"`
}

type CaptureMsg struct {
	Header
	Capture *Capture `json:"capture"`
}

// Capture is a capture as the extension sends it.
type Capture struct {
	CaptureID     string           `json:"capture_id"`
	CapturedAt    string           `json:"captured_at,omitempty"`
	PageURL       string           `json:"page_url"`
	Shop          keyrelay.ShopRef `json:"shop"`
	AppName       string           `json:"app_name"`
	Developer     string           `json:"developer"`
	AppURL        string           `json:"app_url"`
	State         string           `json:"state"`
	Expiry        string           `json:"expiry"`
	UpdatePending bool             `json:"update_pending"`
	APIs          []keyrelay.API   `json:"apis"`
	Key           string           `json:"key"`
}

// String and the other formatters hide the key, so printing a capture by
// mistake cannot leak it.
func (c Capture) String() string {
	return fmt.Sprintf("capture{id=%s app=%q shop=%q key_last4=%s}", c.CaptureID, c.AppName, c.Shop.Key(), keyrelay.KeyLast4(c.Key))
}

func (c Capture) GoString() string { return c.String() }

func (c Capture) LogValue() slog.Value {
	return slog.GroupValue(slog.String("capture_id", c.CaptureID), slog.String("app", c.AppName),
		slog.String("shop", c.Shop.Key()), slog.String("key_last4", keyrelay.KeyLast4(c.Key)))
}

type AppList struct {
	Header
	Listing *AppListing `json:"listing"`
}

// AppListing is an アプリ一覧 visit as the extension sends it.
type AppListing struct {
	Shop    keyrelay.ShopRef      `json:"shop"`
	PageURL string                `json:"page_url"`
	SeenAt  string                `json:"seen_at,omitempty"`
	Rows    []keyrelay.AppListRow `json:"rows"`
}

type LoginURLRequest struct{ Header }

type StatusRequest struct{ Header }

// Ping and Pong travel both ways.
type Ping struct {
	Header
	T int64 `json:"t"`
}

type Pong struct {
	Header
	T int64 `json:"t"`
}

// ---- helper → client ----

type Hello struct {
	Header
	App         string `json:"app"`
	Version     string `json:"version"`
	ServerNonce string `json:"server_nonce"`
	Mode        string `json:"mode"`
}

type PairPending struct {
	Header
	ClientID   string `json:"client_id"`
	Code       string `json:"code"`
	ClaimToken string `json:"claim_token,omitempty"`
	ExpiresAt  string `json:"expires_at"`
}

type PairApproved struct {
	Header
	ClientID string `json:"client_id"`
	Secret   string `json:"secret"`
}

func (p PairApproved) String() string   { return "pair_approved{client_id=" + p.ClientID + "}" }
func (p PairApproved) GoString() string { return p.String() }

type AuthChallenge struct {
	Header
	ServerProof string `json:"server_proof"`
}

type AuthOK struct {
	Header
	ClientID       string `json:"client_id"`
	PingIntervalMS int64  `json:"ping_interval_ms"`
}

type CaptureAck struct {
	Header
	CaptureID string `json:"capture_id"`
	StoredID  int64  `json:"stored_id"`
	Duplicate bool   `json:"duplicate"`
	KeyLast4  string `json:"key_last4"`
}

type AppListAck struct {
	Header
	Rows int `json:"rows"`
}

type LoginURLReply struct {
	Header
	URL string `json:"url"`
}

type StatusReply struct {
	Header
	Paused bool             `json:"paused"`
	Alerts []keyrelay.Alert `json:"alerts"`
}

type Delivery struct {
	Header
	CaptureID   string `json:"capture_id"`
	Destination string `json:"destination"`
	Status      string `json:"status"`
	Detail      string `json:"detail"`
	DetailEn    string `json:"detail_en"`
	// Quote is GoQ's own words, verbatim, when a delivery needs attention
	// (the popup shows it); empty otherwise.
	Quote string `json:"quote,omitempty"`
	At    string `json:"at"`
}

type ErrorMsg struct {
	Header
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
}

func (*PairRequest) MsgType() string     { return TypePairRequest }
func (*PairClaim) MsgType() string       { return TypePairClaim }
func (*AuthBegin) MsgType() string       { return TypeAuthBegin }
func (*Auth) MsgType() string            { return TypeAuth }
func (*CaptureMsg) MsgType() string      { return TypeCapture }
func (*AppList) MsgType() string         { return TypeAppList }
func (*LoginURLRequest) MsgType() string { return TypeLoginURL }
func (*StatusRequest) MsgType() string   { return TypeStatus }
func (*Ping) MsgType() string            { return TypePing }
func (*Pong) MsgType() string            { return TypePong }
func (*Hello) MsgType() string           { return TypeHello }
func (*PairPending) MsgType() string     { return TypePairPending }
func (*PairApproved) MsgType() string    { return TypePairApproved }
func (*AuthChallenge) MsgType() string   { return TypeAuthChallenge }
func (*AuthOK) MsgType() string          { return TypeAuthOK }
func (*CaptureAck) MsgType() string      { return TypeCaptureAck }
func (*AppListAck) MsgType() string      { return TypeAppListAck }
func (*LoginURLReply) MsgType() string   { return TypeLoginURL }
func (*StatusReply) MsgType() string     { return TypeStatus }
func (*Delivery) MsgType() string        { return TypeDelivery }
func (*ErrorMsg) MsgType() string        { return TypeError }
