package instance_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"keyrelay/internal/instance"
	"keyrelay/internal/keyrelay"
)

// TestMain doubles as the "second process": with KEYRELAY_TEST_LOCK_DIR set,
// the test binary only tries the lock and reports the outcome.
func TestMain(m *testing.M) {
	if dir := os.Getenv("KEYRELAY_TEST_LOCK_DIR"); dir != "" {
		_, err := instance.Lock(dir, "127.0.0.1:1")
		if err != nil {
			ja, _ := keyrelay.ErrorMessage(err)
			fmt.Println("refused:", keyrelay.ErrorCode(err), ja)
			os.Exit(3)
		}
		fmt.Println("locked")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLock(t *testing.T) {
	t.Run("second lock on the same dir is refused and names the holder", func(t *testing.T) {
		dir := t.TempDir()
		release, err := instance.Lock(dir, "127.0.0.1:27415")
		if err != nil {
			t.Fatal(err)
		}
		defer release()

		_, err = instance.Lock(dir, "127.0.0.1:9999")
		if err == nil {
			t.Fatal("second Lock succeeded; want refusal")
		}
		var kerr *keyrelay.Error
		if !errors.As(err, &kerr) {
			t.Fatalf("err = %T %v, want *keyrelay.Error", err, err)
		}
		if got, want := kerr.Code, keyrelay.ECONFLICT; got != want {
			t.Errorf("code = %q, want %q", got, want)
		}
		wantWho := fmt.Sprintf("(pid %d, 127.0.0.1:27415)", os.Getpid())
		if got := kerr.Message; !strings.Contains(got, "keyrelay はすでに起動しています "+wantWho) {
			t.Errorf("Message = %q, want it to contain %q", got, wantWho)
		}
		if got := kerr.MessageEn; !strings.Contains(got, "already running "+wantWho) {
			t.Errorf("MessageEn = %q, want it to contain %q", got, wantWho)
		}

		// The refused attempt must not have clobbered the holder's record.
		o, err := instance.ReadOwner(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := o, (instance.Owner{PID: os.Getpid(), Addr: "127.0.0.1:27415"}); got != want {
			t.Errorf("owner = %+v, want %+v", got, want)
		}
	})

	t.Run("lock file is 0600", func(t *testing.T) {
		dir := t.TempDir()
		release, err := instance.Lock(dir, "127.0.0.1:27415")
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		fi, err := os.Stat(filepath.Join(dir, instance.FileName))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("mode = %v, want %v", got, want)
		}
	})

	t.Run("released lock can be taken again", func(t *testing.T) {
		dir := t.TempDir()
		release, err := instance.Lock(dir, "a")
		if err != nil {
			t.Fatal(err)
		}
		release()
		release() // idempotent
		release2, err := instance.Lock(dir, "b")
		if err != nil {
			t.Fatalf("Lock after release: %v", err)
		}
		release2()
	})

	t.Run("different dirs do not interfere", func(t *testing.T) {
		r1, err := instance.Lock(t.TempDir(), "a")
		if err != nil {
			t.Fatal(err)
		}
		defer r1()
		r2, err := instance.Lock(t.TempDir(), "b")
		if err != nil {
			t.Fatal(err)
		}
		r2()
	})

	t.Run("another process is refused while held and admitted after", func(t *testing.T) {
		dir := t.TempDir()
		release, err := instance.Lock(dir, "127.0.0.1:27415")
		if err != nil {
			t.Fatal(err)
		}
		out, code := runSecond(t, dir)
		if code != 3 || !strings.Contains(out, "refused: conflict keyrelay はすでに起動しています (pid "+strconv.Itoa(os.Getpid())+", 127.0.0.1:27415)") {
			t.Errorf("second process: exit %d, output %q; want exit 3 and a refusal naming this pid", code, out)
		}
		release()
		if out, code := runSecond(t, dir); code != 0 || !strings.Contains(out, "locked") {
			t.Errorf("after release: exit %d, output %q; want the lock", code, out)
		}
	})
}

func runSecond(t *testing.T, dir string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KEYRELAY_TEST_LOCK_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}
