//go:build demo

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/fakes/tlsfake"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// goqHost is GoQSystem's real host name; the demo's GoQ client sends it to
// the local fake, the way Chromium's --host-resolver-rules sends RMS's names
// to the fake RMS.
const goqHost = "order.goqsystem.com"

// The demo exists only in a build with -tags demo (make demo): the fakes and
// the certificate minter stay out of the binary operators run.
func init() {
	commands = append(commands, &command{name: "demo",
		summary:  "偽の RMS・GoQ で一連の流れを試す / the whole flow on local fakes (demo builds only)",
		usage:    []string{"keyrelay demo [--no-browser] [--browser chromium] [--extension DIR]"},
		examples: []string{"make demo", "keyrelay demo --no-browser"},
		run:      cmdDemo})
}

// cmdDemo runs the whole flow on this machine with no Rakuten or GoQ
// account: a fake RMS, a fake GoQSystem, the real helper on a fresh data dir,
// and a Chromium window with the real extension where a display exists.
func cmdDemo(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c.register(fs)
	extDir := fs.String("extension", ".", "the folder with manifest.json (the repo root)")
	browser := fs.String("browser", "chromium", "Chromium or Chrome binary for the demo window")
	noBrowser := fs.Bool("no-browser", false, "do not start a browser; print the steps")
	c.DataDir = ""
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.DataDir == "" || c.DataDir == defaultDataDir() {
		dir, err := os.MkdirTemp("", "keyrelay-demo-")
		if err != nil {
			return err
		}
		c.DataDir = dir
	}
	// The demo's throwaway data key stays out of the OS keyring.
	c.Keyring = "file"
	log, err := c.logger()
	if err != nil {
		return err
	}

	fakeRMS, err := rms.Start(rms.DefaultOptions())
	if err != nil {
		return fmt.Errorf("fake RMS: %w", err)
	}
	defer fakeRMS.Close()
	fake := fakegoq.New(fakegoq.Options{})
	goqAddr, goqTransport, stopGoQ, err := serveFakeGoQ(fake)
	if err != nil {
		return fmt.Errorf("fake GoQ: %w", err)
	}
	defer stopGoQ()

	st, err := openStore(&c, nil)
	if err != nil {
		return err
	}
	err = st.credentials.SetCredentials(ctx, &keyrelay.Credentials{
		Destination: goq.Name, BaseURL: goq.DefaultBaseURL,
		LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword,
	})
	st.Close()
	if err != nil {
		return err
	}

	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		done <- runHelper(ctx, &c, log, runOptions{noTray: true, goqOptions: []goq.Option{goq.WithTransport(goqTransport)},
			listening: func(addr string) { ready <- addr }})
	}()
	select {
	case c.Addr = <-ready: // the real port when --addr asked for :0
	case err := <-done:
		if err == nil {
			err = errors.New("helper stopped")
		}
		return err
	case <-ctx.Done():
		return <-done
	}
	login, err := loginURL(ctx, &c)
	if err != nil {
		return err
	}
	// Chromium is started on the opener file: its command line is readable
	// by every user of the computer, the login token must not be on it.
	opener, err := writeOpenerFile(c.DataDir, login)
	if err != nil {
		return err
	}

	flags := fakeRMS.ChromiumFlags()
	fmt.Printf(`
keyrelay demo / デモ
  helper:      http://%s/  (data: %s)
  fake RMS:    %s  (served at %s)
  fake GoQ:    https://%s/goq21/  (served at %s, login %s)
  history:     %s open%s --data-dir %s   (a fresh one-time link each time)
`, c.Addr, c.DataDir, rms.MainMenuURL(), fakeRMS.Addr, goqHost, goqAddr, fakegoq.DefaultLoginID, self(), addrFlag(&c), c.DataDir)

	started := false
	if !*noBrowser && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "") {
		if path, err := exec.LookPath(*browser); err == nil {
			if err := startDemoBrowser(path, *extDir, flags, []string{rms.MainMenuURL(), opener}); err != nil {
				fmt.Println("Chromium could not be started:", err)
			} else {
				started = true
			}
		}
	}
	printDemoSteps(&c, flags, started)
	go announcePairings(ctx, &c, log)

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return <-done
	}
}

// serveFakeGoQ serves the fake over HTTPS on a loopback port under GoQ's real
// name, and returns a transport that reaches it and trusts only its CA.
func serveFakeGoQ(fake *fakegoq.Server) (addr string, rt http.RoundTripper, stop func(), err error) {
	certs, err := tlsfake.New(goqHost)
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(tls.NewListener(ln, certs.Server))
	addr = ln.Addr().String()
	return addr, certs.Client(addr).Transport, func() { srv.Close() }, nil
}

func startDemoBrowser(path, extDir string, flags map[string]string, urls []string) error {
	ext, err := filepath.Abs(extDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(ext, "manifest.json")); err != nil {
		return fmt.Errorf("no manifest.json in %s: run the demo from the repo root or pass --extension", ext)
	}
	profile, err := os.MkdirTemp("", "keyrelay-demo-browser-")
	if err != nil {
		return err
	}
	args := []string{"--user-data-dir=" + profile, "--no-first-run", "--load-extension=" + ext,
		"--disable-extensions-except=" + ext, "--disable-background-networking"}
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root without this; a demo run as
		// root (a container, a CI box) should still show the window.
		args = append(args, "--no-sandbox")
	}
	args = append(args, chromiumFlagArgs(flags)...)
	args = append(args, urls...)
	logFile, err := os.Create(filepath.Join(profile, "chromium.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	// A browser that dies at once (no usable display, a bad flag) would
	// leave the demo saying it started one.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		return fmt.Errorf("chromium exited at once (%v); see %s", err, logFile.Name())
	case <-time.After(2 * time.Second):
		return nil
	}
}

func chromiumFlagArgs(flags map[string]string) []string {
	var out []string
	for k, v := range flags {
		out = append(out, "--"+k+"="+v)
	}
	sort.Strings(out)
	return out
}

// shellQuote makes a flag safe to paste into a shell (the resolver rules
// contain spaces and commas).
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// self is how the operator should call this binary in the printed steps.
func self() string {
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "keyrelay"
}

func printDemoSteps(c *config, flags map[string]string, browserStarted bool) {
	if browserStarted {
		fmt.Println("\nChromium を拡張機能付きで起動しました / Chromium started with the extension loaded.")
	} else {
		args := chromiumFlagArgs(flags)
		for i := range args {
			args[i] = shellQuote(args[i])
		}
		fmt.Printf("\nNo display here: start Chromium yourself with the extension and the fake's names:\n  chromium --user-data-dir=$(mktemp -d) --load-extension=$PWD --disable-extensions-except=$PWD \\\n    %s\n", strings.Join(args, " "))
		fmt.Println("Or watch the same flow in headless Chromium: go test ./e2e -run TestCaptureEachMarkup -v")
	}
	if port := addrPort(c.Addr); port != keyrelay.DefaultPort {
		fmt.Printf(`
 0. このヘルパーはポート %[1]d で動いています。拡張機能のオプション（設定）でポートを %[1]d にしてください。
    This helper listens on port %[1]d, not the default: set the port to %[1]d in the extension's options.
`, port)
	}
	fmt.Printf(`
手順 / steps:
 0. 拡張機能のボタンをピン留めしてください（ツールバーのパズル型アイコン → keyrelay の📌）。
    Pin the extension's button (puzzle-piece icon in the toolbar → keyrelay's pin).
 1. 拡張機能に6桁のコードが表示されます。下に同じコードが表示されたら承認します:
    The extension shows a 6-digit code; when the same code appears below, approve it:
      %s pair approve CODE --data-dir %s
    （またはトレイの「ペアリングを承認…」 / or the tray's ペアリングを承認…）
 2. RMS (fake) → 店舗様向け 情報・サービス → 各種申請・設定変更 → WEB APIサービスアクセス許可設定 → アプリ一覧 → GoQSystem の 詳細
 3. 「ロボットによる操作ではありません」にチェック → 確認する (you do this; keyrelay never does)
 4. 拡張機能のボタン → 取得して送信 / click the keyrelay button → capture
 5. 履歴ページで GoQ への送信結果を確認 / see the delivery on the history page (%s open%s --data-dir %s)
Ctrl+C で終了 / Ctrl+C stops the demo.
`, self(), c.DataDir, self(), addrFlag(c), c.DataDir)
}

// addrFlag is " --addr HOST:PORT" when the demo does not use the default
// address, so printed commands reach this helper.
func addrFlag(c *config) string {
	if addrPort(c.Addr) == keyrelay.DefaultPort {
		return ""
	}
	return " --addr " + c.Addr
}

func addrPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// announcePairings prints each new pairing request's code, so the demo user
// can compare it with the extension's and approve it.
func announcePairings(ctx context.Context, c *config, log *slog.Logger) {
	// One handle for the demo's life: opening the store runs the sealer and
	// migrations, too much to repeat every second.
	st, err := openStore(c, nil)
	if err != nil {
		log.Warn("demo: reading pairings", "err", err)
		return
	}
	defer st.Close()
	seen := map[string]bool{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ps, err := st.pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending})
		if err != nil {
			continue
		}
		for _, p := range ps {
			if !seen[p.ClientID] {
				seen[p.ClientID] = true
				fmt.Printf("\nペアリング要求 / pairing request: code %s from %q\n  → %s pair approve %s --data-dir %s\n", p.Code, p.Name, self(), p.Code, c.DataDir)
			}
		}
	}
}
