package protocol_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

const testKey = "SL123456_Ab3dE5fG7hJ9kL1m"

func captureFrame(key string) string {
	return `{"v":1,"type":"capture","id":"5","capture":{"capture_id":"6f1c2a9e-1b2c-4d3e-8f40-123456789abc",` +
		`"captured_at":"2026-11-27T02:00:00Z","page_url":"https://webservice.rms.rakuten.co.jp/x",` +
		`"shop":{"id":"123456","url":"https://www.rakuten.co.jp/example/","name":"サンプル店"},` +
		`"app_name":"GoQ System (ごくシステム)","developer":"株式会社GoQ System","app_url":"http://goqsystem.com/",` +
		`"state":"利用中","expiry":"2026/02/25","update_pending":false,"apis":[{"name":"cabinet.file.delete","description":"x"}],` +
		`"key":"` + key + `"}}`
}

func TestDecodeClientAccepts(t *testing.T) {
	nonce := protocol.NewNonce()
	tests := []struct {
		name, frame, wantType string
	}{
		{"pair_request", `{"v":1,"type":"pair_request","id":"1","client_name":"Chrome 131 / Linux"}`, protocol.TypePairRequest},
		{"pair_claim", `{"v":1,"type":"pair_claim","id":"2","client_id":"c_1","claim_token":"abc"}`, protocol.TypePairClaim},
		{"auth_begin", `{"v":1,"type":"auth_begin","id":"3","client_id":"c_1","client_nonce":"` + nonce + `"}`, protocol.TypeAuthBegin},
		{"auth", `{"v":1,"type":"auth","id":"4","client_proof":"` + nonce + `"}`, protocol.TypeAuth},
		{"capture", captureFrame(testKey), protocol.TypeCapture},
		{"app_list", `{"v":1,"type":"app_list","id":"6","listing":{"shop":{"name":"x"},"page_url":"https://x/","seen_at":"2026-11-27T02:00:00Z",` +
			`"rows":[{"developer":"d","app_name":"a","key_last4":"IANT","expiry":"-","state":"利用中 更新あり","update_pending":true}]}}`, protocol.TypeAppList},
		{"login_url", `{"v":1,"type":"login_url","id":"7"}`, protocol.TypeLoginURL},
		{"status", `{"v":1,"type":"status","id":"8"}`, protocol.TypeStatus},
		{"ping", `{"v":1,"type":"ping","id":"9","t":1732672800000}`, protocol.TypePing},
		{"pong", `{"v":1,"type":"pong","ref":"s1","t":1}`, protocol.TypePong},
		{"whitespace", " \n{ \"v\" : 1 , \"type\" : \"status\" }\n", protocol.TypeStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := protocol.DecodeClient([]byte(tt.frame))
			if err != nil {
				t.Fatalf("DecodeClient: %v", err)
			}
			if got, want := m.MsgType(), tt.wantType; got != want {
				t.Errorf("type = %q, want %q", got, want)
			}
		})
	}
}

func TestDecodeClientRefuses(t *testing.T) {
	tests := []struct {
		name, frame, wantCode, wantRef string
	}{
		{"not json", `{"v":1,`, protocol.CodeBadJSON, ""},
		{"array", `[1,2]`, protocol.CodeBadJSON, ""},
		{"null", `null`, protocol.CodeBadJSON, ""},
		{"string", `"hello"`, protocol.CodeBadJSON, ""},
		{"trailing data", `{"v":1,"type":"status"}{}`, protocol.CodeBadJSON, ""},
		{"invalid utf8", "{\"v\":1,\"type\":\"status\",\"id\":\"\xff\"}", protocol.CodeBadJSON, ""},
		{"empty", ``, protocol.CodeBadJSON, ""},
		{"no version", `{"type":"status","id":"a"}`, protocol.CodeBadVersion, "a"},
		{"version 2", `{"v":2,"type":"status","id":"a"}`, protocol.CodeBadVersion, "a"},
		{"version string", `{"v":"1","type":"status"}`, protocol.CodeBadVersion, ""},
		{"version float", `{"v":1.0,"type":"status"}`, protocol.CodeBadVersion, ""},
		{"unknown type", `{"v":1,"type":"launch","id":"b"}`, protocol.CodeUnknownType, "b"},
		{"missing type", `{"v":1,"id":"b"}`, protocol.CodeUnknownType, "b"},
		{"server type", `{"v":1,"type":"auth_ok"}`, protocol.CodeUnknownType, ""},
		{"type not string", `{"v":1,"type":7}`, protocol.CodeUnknownType, ""},
		{"id too long", `{"v":1,"type":"status","id":"` + strings.Repeat("x", 65) + `"}`, protocol.CodeBadMessage, ""},
		{"id not string", `{"v":1,"type":"status","id":5}`, protocol.CodeBadMessage, ""},
		{"unknown field", `{"v":1,"type":"status","id":"c","extra":1}`, protocol.CodeBadMessage, "c"},
		{"case variant field", `{"v":1,"type":"pair_request","CLIENT_NAME":"x"}`, protocol.CodeBadMessage, ""},
		{"duplicate field", `{"v":1,"type":"pair_request","client_name":"a","client_name":"b"}`, protocol.CodeBadMessage, ""},
		{"nested unknown field", strings.Replace(captureFrame(testKey), `"state"`, `"State"`, 1), protocol.CodeBadMessage, "5"},
		{"wrong field type", `{"v":1,"type":"pair_request","client_name":5}`, protocol.CodeBadMessage, ""},
		{"capture missing", `{"v":1,"type":"capture","id":"5"}`, protocol.CodeBadMessage, "5"},
		{"capture null", `{"v":1,"type":"capture","capture":null}`, protocol.CodeBadMessage, ""},
		{"capture id missing", strings.Replace(captureFrame(testKey), `"capture_id":"6f1c2a9e-1b2c-4d3e-8f40-123456789abc",`, "", 1), protocol.CodeBadMessage, "5"},
		{"string too long", `{"v":1,"type":"pair_claim","id":"5","client_id":"c","claim_token":"` + strings.Repeat("a", protocol.MaxString+1) + `"}`, protocol.CodeBadMessage, "5"},
		{"frame too long for a capture", strings.Replace(captureFrame(testKey), `"state":"利用中"`, `"state":"`+strings.Repeat("a", keyrelay.MaxMessageBytes)+`"`, 1), "", ""},
		{"key wrong type", strings.Replace(captureFrame(testKey), `"key":"`+testKey+`"`, `"key":123`, 1), protocol.CodeBadMessage, "5"},
		{"nonce not base64url", `{"v":1,"type":"auth_begin","client_id":"c","client_nonce":"abc+/="}`, protocol.CodeBadMessage, ""},
		{"nonce too short", `{"v":1,"type":"auth_begin","client_id":"c","client_nonce":"AAAA"}`, protocol.CodeBadMessage, ""},
		{"proof missing", `{"v":1,"type":"auth"}`, protocol.CodeBadMessage, ""},
		{"claim without token", `{"v":1,"type":"pair_claim","client_id":"c"}`, protocol.CodeBadMessage, ""},
		{"seen_at not a time", `{"v":1,"type":"app_list","listing":{"seen_at":"yesterday","rows":[]}}`, protocol.CodeBadMessage, ""},
		{"too many rows", `{"v":1,"type":"app_list","listing":{"rows":[` + strings.TrimSuffix(strings.Repeat(`{"app_name":"a"},`, keyrelay.MaxAppRows+1), ",") + `]}}`, protocol.CodeBadMessage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantCode == "" {
				// Bigger than a frame: the socket's read limit refuses it
				// before DecodeClient runs (internal/ws); this pins that a
				// capture still cannot grow past one frame.
				if len(tt.frame) <= protocol.MaxFrame {
					t.Fatalf("frame of %d bytes fits in %d", len(tt.frame), protocol.MaxFrame)
				}
				return
			}
			_, err := protocol.DecodeClient([]byte(tt.frame))
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *protocol.Error", err)
			}
			if got, want := pe.Code, tt.wantCode; got != want {
				t.Errorf("code = %q, want %q (%s)", got, want, pe.MessageEn)
			}
			if got, want := pe.Ref, tt.wantRef; got != want {
				t.Errorf("ref = %q, want %q", got, want)
			}
			if pe.Message == "" || pe.MessageEn == "" {
				t.Errorf("messages = %q / %q, want both", pe.Message, pe.MessageEn)
			}
			if strings.Contains(pe.Message+pe.MessageEn, testKey) {
				t.Errorf("error quotes the key: %s", pe.MessageEn)
			}
		})
	}
}

func TestCaptureValidate(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(c *protocol.Capture)
		wantCode string
	}{
		{"valid", func(c *protocol.Capture) {}, ""},
		{"masked XXXXXXXX", func(c *protocol.Capture) { c.Key = "XXXXXXXXXXXXXXXX" }, protocol.CodeInvalidKey},
		{"masked last4", func(c *protocol.Capture) { c.Key = "末尾4桁: IANT" }, protocol.CodeInvalidKey},
		{"redacted", func(c *protocol.Capture) { c.Key = "[Redacted]" }, protocol.CodeInvalidKey},
		{"whitespace", func(c *protocol.Capture) { c.Key = "SL123456_Ab3dE5fG 7hJ9kL1m" }, protocol.CodeInvalidKey},
		{"markup", func(c *protocol.Capture) { c.Key = "<b>SL123456_Ab3dE5fG7hJ9kL1m</b>" }, protocol.CodeInvalidKey},
		{"lost last character", func(c *protocol.Capture) { c.Key = testKey[:len(testKey)-1] }, protocol.CodeInvalidKey},
		{"absurd length", func(c *protocol.Capture) { c.Key = strings.Repeat("Ab3dE5fG7h", 30) }, protocol.CodeInvalidKey},
		{"empty key", func(c *protocol.Capture) { c.Key = "" }, protocol.CodeInvalidKey},
		{"capture id not uuid", func(c *protocol.Capture) { c.CaptureID = "1; drop table" }, protocol.CodeInvalidCapture},
		{"page url not http", func(c *protocol.Capture) { c.PageURL = "javascript:alert(1)" }, protocol.CodeInvalidCapture},
		{"captured_at not a time", func(c *protocol.Capture) { c.CapturedAt = "now" }, protocol.CodeInvalidCapture},
		{"app name too long", func(c *protocol.Capture) { c.AppName = strings.Repeat("a", keyrelay.MaxAppNameLen+1) }, protocol.CodeInvalidCapture},
		{"shop id too long", func(c *protocol.Capture) { c.Shop.ID = strings.Repeat("1", keyrelay.MaxShopIDLen+1) }, protocol.CodeInvalidCapture},
		{"blank app name", func(c *protocol.Capture) { c.AppName = " \u3000" }, protocol.CodeInvalidCapture},
		{"long description is not invalid", func(c *protocol.Capture) { c.APIs[0].Description = strings.Repeat("x", 10<<10) }, ""},
		{"long developer is not invalid", func(c *protocol.Capture) { c.Developer = strings.Repeat("x", 10<<10) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := protocol.DecodeClient([]byte(captureFrame(testKey)))
			if err != nil {
				t.Fatal(err)
			}
			c := m.(*protocol.CaptureMsg).Capture
			tt.edit(c)
			err = c.Validate()
			var pe *protocol.Error
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *protocol.Error", err)
			}
			if got, want := pe.Code, tt.wantCode; got != want {
				t.Errorf("code = %q, want %q", got, want)
			}
			if c.Key != "" && strings.Contains(pe.Message+pe.MessageEn, c.Key) {
				t.Errorf("error quotes the key")
			}
		})
	}
}

func TestCaptureFormattingHidesKey(t *testing.T) {
	m, err := protocol.DecodeClient([]byte(captureFrame(testKey)))
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*protocol.CaptureMsg).Capture
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("formatted capture %q contains the key", s)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	data, err := protocol.Encode(&protocol.CaptureAck{Header: protocol.Header{Ref: "5"}, CaptureID: "x", StoredID: 42})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), `{"v":1,"type":"capture_ack","ref":"5","capture_id":"x","stored_id":42,"duplicate":false,"key_last4":""}`; got != want {
		t.Errorf("Encode = %s, want %s", got, want)
	}
	m, err := protocol.DecodeServer(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.(*protocol.CaptureAck).StoredID, int64(42); got != want {
		t.Errorf("stored_id = %d, want %d", got, want)
	}
}

// A long description, too many APIs, a long developer name: the capture is
// valid and its key kept; Domain cuts the fields to the domain's limits.
func TestCaptureDescriptiveFieldsClipped(t *testing.T) {
	desc := strings.Repeat("説明", 10<<10/6+1) // > 10 KB
	apis := `{"name":"cabinet.file.delete","description":"` + desc + `"}` + strings.Repeat(`,{"name":"a.b","description":"c"}`, keyrelay.MaxAPIs+5)
	frame := strings.Replace(captureFrame(testKey), `{"name":"cabinet.file.delete","description":"x"}`, apis, 1)
	frame = strings.Replace(frame, `"developer":"株式会社GoQ System"`, `"developer":"`+strings.Repeat("開", 2000)+`"`, 1)
	if len(frame) > protocol.MaxFrame {
		t.Fatalf("test frame %d bytes, over a frame", len(frame))
	}
	m, err := protocol.DecodeClient([]byte(frame))
	if err != nil {
		t.Fatalf("DecodeClient: %v", err)
	}
	c := m.(*protocol.CaptureMsg).Capture
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	d := c.Domain("c_1", time.Now())
	if d.Key != testKey {
		t.Fatal("key changed")
	}
	if got := d.APIs[0].Description; len(got) > keyrelay.MaxAPIDescLen || !strings.HasSuffix(got, keyrelay.TruncMarker) {
		t.Errorf("description %d bytes, want ≤ %d ending in the marker", len(got), keyrelay.MaxAPIDescLen)
	}
	if len(d.APIs) != keyrelay.MaxAPIs {
		t.Errorf("%d APIs, want %d", len(d.APIs), keyrelay.MaxAPIs)
	}
	if len(d.Developer) > keyrelay.MaxDeveloperLen {
		t.Errorf("developer %d bytes", len(d.Developer))
	}
	if c.APIs[0].Description != desc {
		t.Error("Domain changed the wire capture")
	}
}

// An app list with a row whose key_last4 could be a whole key decodes; the
// row is dropped by keyrelay.CleanListing and the others are kept.
func TestAppListRowsJudgedOneByOne(t *testing.T) {
	frame := `{"v":1,"type":"app_list","listing":{"rows":[{"app_name":"A","key_last4":"` + testKey + `","expiry":"-"},` +
		`{"app_name":"B","key_last4":"IANT","expiry":"来月"},{"app_name":"C","key_last4":"A9FR","expiry":"2025/05/26"}]}}`
	m, err := protocol.DecodeClient([]byte(frame))
	if err != nil {
		t.Fatalf("DecodeClient: %v", err)
	}
	l := m.(*protocol.AppList).Listing.Domain(time.Now())
	problems, err := keyrelay.CleanListing(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Rows) != 2 || l.Rows[0].AppName != "B" || l.Rows[0].Expiry != "-" || l.Rows[1].Expiry != "2025/05/26" {
		t.Errorf("rows %+v, want B without expiry and C", l.Rows)
	}
	if len(problems) != 2 || !problems[0].Dropped || problems[0].Row != 1 || problems[1].Dropped {
		t.Errorf("problems %+v", problems)
	}
	for _, p := range problems {
		if strings.Contains(p.Message+p.MessageEn, testKey) {
			t.Error("a row problem quotes the key")
		}
	}
}
