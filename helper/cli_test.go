package main_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/helpertest"
)

// run runs the production binary (no demo) with args in a fresh data dir and
// returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	env := append(os.Environ(), "KEYRELAY_KEYRING=file", "KEYRELAY_DATA_DIR="+t.TempDir())
	out, errOut, err := helpertest.Run(helpertest.ProductionBinary(t), env, args...)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out, errOut, code
}

func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // all in stdout
	}{
		{[]string{"--help"}, []string{"コマンド / commands:", "history", "autostart", "例 / examples:", "--data-dir"}},
		{[]string{"-h"}, []string{"コマンド / commands:"}},
		{[]string{"help"}, []string{"コマンド / commands:", "keyrelay help history"}},
		{[]string{"help", "history"}, []string{"keyrelay history — ", "-n N", "keyrelay history -n 5 -q GoQ"}},
		{[]string{"history", "--help"}, []string{"keyrelay history — ", "例 / examples:"}},
		{[]string{"pair", "approve", "-h"}, []string{"keyrelay pair approve CODE"}},
		{[]string{"goq", "--help"}, []string{"keyrelay goq set-login"}},
		{[]string{"--version"}, []string{"keyrelay ", "protocol v1", "commit "}},
		{[]string{"version"}, []string{"protocol v1"}},
	} {
		out, errOut, code := run(t, tc.args...)
		if code != 0 {
			t.Errorf("keyrelay %v: exit %d, stderr %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("keyrelay %v: stdout lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	// The production binary has no demo, and says how to get one.
	if out, _, _ := run(t, "--help"); strings.Contains(out, "demo ") {
		t.Errorf("--help of the production build lists the demo:\n%s", out)
	}
}

func TestCLIRefusesWithTheNearestName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"histroy"}, `did you mean "history"`},
		{[]string{"hist"}, `did you mean "history"`},
		{[]string{"help", "opne"}, `did you mean "open"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"history", "--jsn"}, "did you mean --json"},
		{[]string{"history", "--dta-dir", "x"}, "did you mean --data-dir"},
		{[]string{"pair", "aprove", "123456"}, `did you mean "approve"`},
		{[]string{"goq", "set-logn"}, `did you mean "set-login"`},
		{[]string{"autostart", "enabel"}, `did you mean "enable"`},
		{[]string{"history", "-n", "0"}, "-n 0: must be from 1 to 1000"},
		{[]string{"history", "-n", "-1"}, "-n -1: must be from 1 to 1000"},
		{[]string{"history", "-n", "many"}, `invalid value "many"`},
		{[]string{"run", "--tray-wait", "-5s"}, "--tray-wait -5s"},
		{[]string{"pair", "revoke", "0"}, "positive number"},
		{[]string{"demo"}, "make demo"},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
	} {
		_, errOut, code := run(t, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("keyrelay %v: exit %d, stderr %q; want exit 1 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestDoubleDashEndsFlags: after "--" an argument that looks like a flag is an
// argument. history takes none, so it is refused as one, not as a flag.
func TestDoubleDashEndsFlags(t *testing.T) {
	_, errOut, code := run(t, "history", "--", "--json")
	if code != 1 || !strings.Contains(errOut, `unexpected argument "--json"`) {
		t.Fatalf("history -- --json: exit %d, %q; want the argument refused as an argument", code, errOut)
	}
	// And "--help" after "--" is not a request for help.
	out, _, _ := run(t, "history", "--", "--help")
	if strings.Contains(out, "例 / examples:") {
		t.Fatal("--help after -- printed the help")
	}
}

// TestLoginLinkUsesTheListenAddress: `keyrelay open --print` links to the
// address the helper really listens on, [::1] included, and the link works.
func TestLoginLinkUsesTheListenAddress(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		t.Run(addr, func(t *testing.T) {
			if strings.HasPrefix(addr, "[::1]") {
				ln, err := net.Listen("tcp", "[::1]:0")
				if err != nil {
					t.Skipf("no IPv6 loopback here: %v", err)
				}
				ln.Close()
			}
			h := wrap(helpertest.Start(t, helpertest.Options{DataDir: t.TempDir(), Addr: addr}))
			// The CLI is given the address as the operator typed it (port 0):
			// the link must come from what the helper recorded.
			out, errOut, err := helpertest.Run(h.Bin, h.Env, "open", "--print", "--data-dir", h.dataDir, "--addr", addr)
			if err != nil {
				t.Fatalf("open --print: %v\n%s", err, errOut)
			}
			u := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
			want := regexp.MustCompile(`^http://` + regexp.QuoteMeta(h.addr) + `/login\?token=[^&]+$`)
			if !want.MatchString(u) {
				t.Fatalf("login URL %q does not point at the listen address %s", u, h.addr)
			}
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 400 {
				t.Fatalf("GET %s = %s", u, resp.Status)
			}
			// The extension's 履歴を開く link (login_url over the WebSocket) too.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			wc := pairAndAuth(ctx, t, h)
			defer wc.Close()
			wsURL, err := wc.LoginURL(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !want.MatchString(wsURL) {
				t.Fatalf("login_url %q does not point at the listen address %s", wsURL, h.addr)
			}
			wc.Close()
			h.stop(t)
		})
	}
}

// TestProductionBinaryHasNoFakes: the binary operators run carries no fake
// RMS, fake GoQ or certificate minter; only a -tags demo build does.
func TestProductionBinaryHasNoFakes(t *testing.T) {
	fakes := regexp.MustCompile(`keyrelay/internal/fakes/|main\.cmdDemo|main\.serveFakeGoQ`)
	count := func(bin string) int {
		out, err := exec.Command("go", "tool", "nm", bin).Output()
		if err != nil {
			t.Fatalf("go tool nm %s: %v", bin, err)
		}
		return len(fakes.FindAll(out, -1))
	}
	if n := count(helpertest.ProductionBinary(t)); n != 0 {
		t.Fatalf("the production binary has %d fake symbols", n)
	}
	// The check can fail: the demo build does have them.
	if n := count(helpertest.Binary(t)); n == 0 {
		t.Fatal("the demo build has no fake symbols: the pattern matches nothing")
	}
}
