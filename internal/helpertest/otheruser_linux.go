package helpertest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// Nobody is the second OS account that the same-user tests act as.
const Nobody = 65534

// AsOtherUser runs a bash script as uid/gid Nobody, the way another account
// on a shared office PC would, and returns its combined output. Switching
// users needs root (CI runs as root); without it the test is skipped, saying
// why.
func AsOtherUser(t testing.TB, script string) (string, error) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client under a second uid (CI runs as root)")
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
