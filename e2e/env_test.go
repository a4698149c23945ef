//go:build demo

package e2e_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// env is one fake RMS, one real helper and one Chromium with the extension.
type env struct {
	fake *rms.Running
	h    *helper
	b    *browser
}

type envOptions struct {
	RMS           *rms.Options // nil = rms.DefaultOptions()
	NoHelperStart bool         // leave the helper stopped
	Paired        bool         // pair the extension with the helper first
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	requireChromium(t)
	ext := requireExtension(t)
	opts := rms.DefaultOptions()
	if o.RMS != nil {
		opts = *o.RMS
	}
	e := &env{fake: startRMS(t, opts), h: newHelper(t)}
	if !o.NoHelperStart {
		e.h.start(t)
	} else {
		// The extension is told the port before any helper exists.
		e.h.reservePort(t)
	}
	e.b = startBrowser(t, browserOptions{Extension: ext, RMS: e.fake})
	if e.b.extID != keyrelay.ExtensionID {
		t.Fatalf("extension id %s, want %s (pinned by manifest.json's key)", e.b.extID, keyrelay.ExtensionID)
	}
	mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, e.h.port))
	if o.Paired {
		e.pair(t)
	}
	return e
}

// extState is keyrelayState() (docs/TESTING.md).
type extState struct {
	Connection  string            `json:"connection"`
	Paired      bool              `json:"paired"`
	PairingCode string            `json:"pairingCode"`
	Outbox      int               `json:"outbox"`
	Deliveries  map[string]string `json:"deliveries"`
	Alerts      []keyrelay.Alert  `json:"alerts"`
	LastError   string            `json:"lastError"`
	LastErrorEn string            `json:"lastErrorEn"`
}

func (e *env) state(t testing.TB) extState {
	t.Helper()
	return mustSW[extState](t, e.b, `keyrelayState()`)
}

var pairingCode = regexp.MustCompile(`^[0-9]{6}$`)

// pair does what the operator does: read the code the extension shows,
// approve it with `keyrelay pair approve CODE`, wait until authenticated.
func (e *env) pair(t testing.TB) {
	t.Helper()
	var code string
	eventually(t, 20*time.Second, "the extension shows a pairing code", func() (bool, string) {
		st := e.state(t)
		code = st.PairingCode
		return pairingCode.MatchString(code), fmt.Sprintf("%+v", st)
	})
	found := false
	for _, p := range e.h.pairings(t) {
		if p.Code == code && p.Status == keyrelay.PairingPending {
			found = true
			if p.Origin != "chrome-extension://"+keyrelay.ExtensionID {
				t.Errorf("pairing origin %q", p.Origin)
			}
		}
	}
	if !found {
		t.Fatalf("code %s not among the helper's pending pairings %+v", code, e.h.pairings(t))
	}
	e.h.cli(t, "pair", "approve", code)
	eventually(t, 30*time.Second, "the extension is paired and authenticated", func() (bool, string) {
		st := e.state(t)
		return st.Paired && st.Connection == "authenticated", fmt.Sprintf("%+v", st)
	})
}

// captureResult is keyrelayCapture(tabId).
type captureResult struct {
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	ReasonEn  string `json:"reasonEn"`
	CaptureID string `json:"captureId"`
	Kind      string `json:"kind"`
	KeyLast4  string `json:"keyLast4"`
}

func (e *env) capture(t testing.TB, tb *tab) captureResult {
	t.Helper()
	return mustSW[captureResult](t, e.b, fmt.Sprintf(`keyrelayCapture(%d)`, tb.id))
}

// detection is keyrelayDetect(tabId); raw keeps the JSON to prove it never
// carries the key.
type detection struct {
	Kind          string   `json:"kind"`
	Capturable    bool     `json:"capturable"`
	Reason        string   `json:"reason"`
	ReasonEn      string   `json:"reasonEn"`
	UpdatePending bool     `json:"updatePending"`
	RobotCheck    bool     `json:"robotCheck"`
	KeyLast4      string   `json:"keyLast4"`
	PageLast4     []string `json:"pageLast4"`
	PageURL       string   `json:"pageUrl"`
	ParseMs       float64  `json:"parseMs"`
	Fields        struct {
		Developer string           `json:"developer"`
		AppName   string           `json:"appName"`
		AppURL    string           `json:"appUrl"`
		Expiry    string           `json:"expiry"`
		State     string           `json:"state"`
		Shop      keyrelay.ShopRef `json:"shop"`
		APIs      []keyrelay.API   `json:"apis"`
	} `json:"fields"`
	Listing *struct {
		Rows []keyrelay.AppListRow `json:"rows"`
	} `json:"listing"`
	raw string
}

func (e *env) detect(t testing.TB, tb *tab) detection {
	t.Helper()
	raw := mustSW[json.RawMessage](t, e.b, fmt.Sprintf(`keyrelayDetect(%d)`, tb.id))
	var d detection
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("keyrelayDetect: %v (%d bytes)", err, len(raw))
	}
	d.raw = string(raw)
	return d
}
