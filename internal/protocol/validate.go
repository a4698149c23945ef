package protocol

import (
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"time"

	"keyrelay/internal/keyrelay"
)

// validate checks what the JSON shape cannot: presence, lengths, encodings.
// A capture's and an app list's fields are bounded by the domain's limits
// instead (keyrelay/limits.go): descriptive ones are clipped, not refused,
// so only the frame size bounds them here.
func validate(m Message, ref string) error {
	switch m.(type) {
	case *CaptureMsg, *AppList:
	default:
		if err := checkStrings(reflect.ValueOf(m).Elem(), ""); err != nil {
			err.Ref = ref
			return err
		}
	}
	missing := func(field string) error {
		return errorf(CodeBadMessage, ref, "必須の項目 %s がありません。", "Required field %s is missing.", field)
	}
	tooLong := func(field string, n int) error {
		return errorf(CodeBadMessage, ref, "項目 %s が長すぎます（%dバイトまで）。", "Field %s is too long (at most %d bytes).", field, n)
	}
	badB64 := func(field string, n int) error {
		return errorf(CodeBadMessage, ref, "項目 %s は%dバイトのbase64url（パディングなし）にしてください。",
			"Field %s must be %d bytes in unpadded base64url.", field, n)
	}
	switch m := m.(type) {
	case *GoQResult:
		return validateGoQResult(m, ref)
	case *GoQModeRequest:
		if m.CaptureID == "" || len(m.CaptureID) > MaxIDLen {
			return missing("capture_id")
		}
	case *GoQAccountRequest:
		if m.CaptureID == "" || len(m.CaptureID) > MaxIDLen {
			return missing("capture_id")
		}
		if m.Account == "" || len(m.Account) > MaxAccount {
			return missing("account")
		}
	case *PairRequest:
		if len(m.ClientName) > MaxNameLen {
			return tooLong("client_name", MaxNameLen)
		}
	case *PairClaim:
		switch {
		case m.ClientID == "":
			return missing("client_id")
		case len(m.ClientID) > MaxClientID:
			return tooLong("client_id", MaxClientID)
		case m.ClaimToken == "":
			return missing("claim_token")
		case len(m.ClaimToken) > MaxClaimLen:
			return tooLong("claim_token", MaxClaimLen)
		}
	case *AuthBegin:
		switch {
		case m.ClientID == "":
			return missing("client_id")
		case len(m.ClientID) > MaxClientID:
			return tooLong("client_id", MaxClientID)
		case m.ClientNonce == "":
			return missing("client_nonce")
		case !validB64(m.ClientNonce, NonceBytes):
			return badB64("client_nonce", NonceBytes)
		}
	case *Auth:
		switch {
		case m.ClientProof == "":
			return missing("client_proof")
		case !validB64(m.ClientProof, ProofBytes):
			return badB64("client_proof", ProofBytes)
		}
	case *CaptureMsg:
		c := m.Capture
		switch {
		case c == nil:
			return missing("capture")
		case c.CaptureID == "":
			return missing("capture.capture_id")
		case c.PageURL == "":
			return missing("capture.page_url")
		case c.AppName == "":
			return missing("capture.app_name")
		}
	case *AppList:
		l := m.Listing
		if l == nil {
			return missing("listing")
		}
		if len(l.Rows) > MaxAppRows {
			return errorf(CodeBadMessage, ref, "listing.rows が多すぎます（%d件まで）。", "listing.rows has too many entries (at most %d).", MaxAppRows)
		}
		if l.SeenAt != "" {
			if _, err := time.Parse(time.RFC3339, l.SeenAt); err != nil {
				return errorf(CodeBadMessage, ref, "listing.seen_at はRFC 3339の日時にしてください。", "listing.seen_at must be an RFC 3339 time.")
			}
		}
		// Rows are judged one by one (keyrelay.CleanListing): a row whose
		// key_last4 could be a whole key is dropped, never stored.
	}
	return nil
}

// checkStrings bounds every string reachable from v.
func checkStrings(v reflect.Value, path string) *Error {
	switch v.Kind() {
	case reflect.String:
		if v.Len() > MaxString {
			return errorf(CodeBadMessage, "", "項目 %s が長すぎます（%dバイトまで）。", "Field %s is too long (at most %d bytes).", where(path), MaxString)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return checkStrings(v.Elem(), path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkStrings(v.Index(i), path+"[]"); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := path
			if !f.Anonymous {
				name = joinPath(path, jsonName(f))
			}
			if err := checkStrings(v.Field(i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := range len(tag) {
		if tag[i] == ',' {
			tag = tag[:i]
			break
		}
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks a capture's content. It returns an *Error with
// invalid_capture or invalid_key; the key itself is never quoted.
func (c *Capture) Validate() error {
	invalid := func(ja, en string) error { return NewError(CodeInvalidCapture, "", ja, en) }
	if !uuidRE.MatchString(c.CaptureID) {
		return invalid("capture_id がUUIDの形式ではありません。", "capture_id is not a UUID.")
	}
	if u, err := url.Parse(c.PageURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("page_url がhttp(s)のURLではありません。", "page_url is not an http(s) URL.")
	}
	if c.CapturedAt != "" {
		if _, err := time.Parse(time.RFC3339, c.CapturedAt); err != nil {
			return invalid("captured_at がRFC 3339の日時ではありません。", "captured_at is not an RFC 3339 time.")
		}
	}
	if err := keyrelay.ValidateKey(c.Key); err != nil {
		var ke *keyrelay.Error
		if errors.As(err, &ke) {
			return NewError(CodeInvalidKey, "", ke.Message, ke.MessageEn)
		}
		return NewError(CodeInvalidKey, "", "ライセンスキーの形式が正しくありません。", "The license key is implausible.")
	}
	// The identity (shop, app name); descriptive fields are clipped in Domain.
	if err := keyrelay.CheckCapture(c.domain("", time.Time{})); err != nil {
		ja, en := keyrelay.ErrorMessage(err)
		return invalid(ja, en)
	}
	return nil
}

// Domain converts a validated capture for storage, its descriptive fields
// clipped to the domain's limits. CapturedAt falls back to receivedAt when
// the extension did not say.
func (c *Capture) Domain(clientID string, receivedAt time.Time) *keyrelay.Capture {
	d := c.domain(clientID, receivedAt)
	keyrelay.ClipCapture(d)
	return d
}

func (c *Capture) domain(clientID string, receivedAt time.Time) *keyrelay.Capture {
	captured := receivedAt
	if t, err := time.Parse(time.RFC3339, c.CapturedAt); err == nil {
		captured = t
	}
	return &keyrelay.Capture{
		UUID:          c.CaptureID,
		Shop:          c.Shop,
		AppName:       c.AppName,
		Developer:     c.Developer,
		AppURL:        c.AppURL,
		State:         c.State,
		Expiry:        c.Expiry,
		UpdatePending: c.UpdatePending,
		APIs:          c.APIs,
		PageURL:       c.PageURL,
		ClientID:      clientID,
		CapturedAt:    captured,
		ReceivedAt:    receivedAt,
		KeyLast4:      keyrelay.KeyLast4(c.Key),
		Key:           c.Key,
	}
}

// Domain converts a validated listing; SeenAt falls back to now.
func (l *AppListing) Domain(now time.Time) *keyrelay.AppListing {
	seen := now
	if t, err := time.Parse(time.RFC3339, l.SeenAt); err == nil {
		seen = t
	}
	return &keyrelay.AppListing{Shop: l.Shop, PageURL: l.PageURL, SeenAt: seen, Rows: l.Rows}
}
