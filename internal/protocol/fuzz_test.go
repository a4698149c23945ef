package protocol_test

import (
	"errors"
	"strings"
	"testing"

	"keyrelay/internal/protocol"
)

var knownCodes = map[string]bool{
	protocol.CodeBadJSON: true, protocol.CodeBadVersion: true, protocol.CodeUnknownType: true, protocol.CodeBadMessage: true,
}

// FuzzDecodeClient: no input panics; every refusal is an *Error with a
// decoder code and both messages; what decodes re-encodes and decodes again;
// a decoded capture validates without panicking.
func FuzzDecodeClient(f *testing.F) {
	f.Add([]byte(captureFrame(testKey)))
	f.Add([]byte(`{"v":1,"type":"auth_begin","id":"3","client_id":"c_1","client_nonce":"` + protocol.NewNonce() + `"}`))
	f.Add([]byte(`{"v":1,"type":"app_list","listing":{"rows":[{"key_last4":"IANT"}]}}`))
	f.Add([]byte(`{"v":1,"type":"ping","t":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.DecodeClient(data)
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *protocol.Error", err)
			}
			if !knownCodes[pe.Code] || pe.Message == "" || pe.MessageEn == "" {
				t.Fatalf("bad refusal %+v", pe)
			}
			return
		}
		if c, ok := m.(*protocol.CaptureMsg); ok {
			_ = c.Capture.Validate()
		}
		again, err := protocol.Encode(m)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if _, err := protocol.DecodeClient(again); err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
	})
}

// FuzzCaptureKey: whatever the key, validation never quotes it. The key is
// wrapped in markers so it cannot coincide with the fixed message text.
func FuzzCaptureKey(f *testing.F) {
	for _, k := range []string{testKey, "XXXXXXXX", "末尾4桁: IANT", "[Redacted]", "a b", "<x>", "", "SL12345_", "aaaaaaaaaaaaaaaa"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		key = "Qz7" + key + "Wv8"
		c := &protocol.Capture{CaptureID: "6f1c2a9e-1b2c-4d3e-8f40-123456789abc", PageURL: "https://x/", AppName: "a", Key: key}
		err := c.Validate()
		if err == nil {
			return
		}
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Code != protocol.CodeInvalidKey {
			t.Fatalf("err = %v, want invalid_key", err)
		}
		if strings.Contains(pe.Message+pe.MessageEn+pe.Error(), key) {
			t.Fatalf("error quotes the key")
		}
	})
}
