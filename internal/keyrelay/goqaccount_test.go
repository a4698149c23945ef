package keyrelay_test

import (
	"encoding/json"
	"os"
	"testing"

	"keyrelay/internal/keyrelay"
)

// goqAccountVectors is testdata/goq_account.json; the extension's
// lib/goqrules.js is checked against the same file.
type goqAccountVectors struct {
	Check []struct {
		ID string `json:"id"`
		OK bool   `json:"ok"`
	} `json:"check"`
	Same []struct {
		Want  string `json:"want"`
		Shown string `json:"shown"`
		Same  bool   `json:"same"`
	} `json:"same"`
}

func TestGoQAccountVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/goq_account.json")
	if err != nil {
		t.Fatal(err)
	}
	var v goqAccountVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Check) == 0 || len(v.Same) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range v.Check {
		if err := keyrelay.CheckGoQAccount(c.ID); (err == nil) != c.OK {
			t.Errorf("CheckGoQAccount(%q) = %v, want ok %v", c.ID, err, c.OK)
		} else if err != nil && keyrelay.ErrorCode(err) != keyrelay.EINVALID {
			t.Errorf("CheckGoQAccount(%q) code %s", c.ID, keyrelay.ErrorCode(err))
		}
	}
	for _, c := range v.Same {
		if got := keyrelay.SameGoQAccount(c.Want, c.Shown); got != c.Same {
			t.Errorf("SameGoQAccount(%q, %q) = %v, want %v", c.Want, c.Shown, got, c.Same)
		}
	}
}
