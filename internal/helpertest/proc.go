package helpertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Options say how to start the helper. The zero value (plus a DataDir) is
// `keyrelay run --no-tray --addr 127.0.0.1:0 --log-level debug` with the
// file keyring.
type Options struct {
	Bin     string   // default Binary(t)
	DataDir string   // "" leaves --data-dir out: the platform default (the Wine smoke test)
	Addr    string   // default 127.0.0.1:0; a fixed one only to restart on a port the extension knows
	Args    []string // the command and its own flags; default run --no-tray
	// Prefix goes before Args here and before every CLI command: the .exe
	// when Bin is wine64.
	Prefix []string
	Env    []string // added to the environment (later entries win)
	// NoEnvDefaults leaves out KEYRELAY_KEYRING=file.
	NoEnvDefaults bool
	// StartTimeout bounds the wait for the "keyrelay listening" line (20 s).
	StartTimeout time.Duration
	// StopSignal is what Stop sends (SIGTERM). Under Wine, SIGINT is what
	// reaches a console program as Ctrl+C.
	StopSignal os.Signal
}

// Proc is a running keyrelay subprocess.
type Proc struct {
	Bin     string
	DataDir string
	// Addr is the address the helper logged it listens on (host:port).
	Addr string
	Env  []string
	// prefix goes before a CLI command's own args: the .exe under Wine.
	prefix []string

	cmd    *exec.Cmd
	sig    os.Signal
	killed atomic.Bool // Kill was called: a non-zero exit is expected
	out    *Output
	done   chan struct{}
	err    error // cmd.Wait's, valid after done
}

// listening matches the line runHelper logs once the listener is bound.
var listening = regexp.MustCompile(`msg="keyrelay listening".* addr=(\S+)`)

// Start runs the helper and returns once it has logged its listen address.
// The process is killed at the end of the test if still running.
func Start(t testing.TB, o Options) *Proc {
	t.Helper()
	p, err := start(t, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func start(t testing.TB, o Options) (*Proc, error) {
	if o.Bin == "" {
		o.Bin = Binary(t)
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Args == nil {
		o.Args = []string{"run", "--no-tray"}
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 20 * time.Second
	}
	if o.StopSignal == nil {
		o.StopSignal = defaultStop
	}
	env := os.Environ()
	if !o.NoEnvDefaults {
		env = append(env, "KEYRELAY_KEYRING=file")
	}
	env = append(env, o.Env...)
	p := &Proc{Bin: o.Bin, DataDir: o.DataDir, Env: env, sig: o.StopSignal, prefix: o.Prefix, out: NewOutput(), done: make(chan struct{})}
	args := append(append(append([]string{}, o.Prefix...), o.Args...), "--addr", o.Addr, "--log-level", "debug")
	if o.DataDir != "" {
		args = append(args, "--data-dir", o.DataDir)
	}
	p.cmd = exec.Command(o.Bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start keyrelay: %w", err)
	}
	go func() { p.err = p.cmd.Wait(); p.out.Close(); close(p.done) }()
	// A helper still running when the test ends is stopped the clean way,
	// and a helper that then fails to exit cleanly fails the test. (Test
	// cleanups run last-registered first, so this runs before any cleanup
	// the caller registered earlier; Stop afterwards reports the same result.)
	t.Cleanup(func() {
		if err := p.StopErr(); err != nil {
			t.Errorf("%v; output:\n%s", err, p.Output())
		}
	})
	line, err := p.out.WaitMatch(listening, o.StartTimeout, p.done)
	if err != nil {
		return nil, fmt.Errorf("keyrelay %s did not log its address: %w; output:\n%s", strings.Join(o.Args, " "), err, p.Output())
	}
	p.Addr = listening.FindStringSubmatch(line)[1]
	return p, nil
}

// Output is everything the process wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// Log is the process's output, to wait on.
func (p *Proc) Log() *Output { return p.out }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM (the clean shutdown; Options.StopSignal) and fails the test unless the
// helper exits with status 0 within 15 s. A no-op once it has exited cleanly.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	if err := p.StopErr(); err != nil {
		t.Fatalf("%v; output:\n%s", err, p.Output())
	}
}

// StopErr is Stop returning what went wrong instead of failing.
func (p *Proc) StopErr() error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	resume(p.cmd.Process) // a paused helper cannot exit
	p.cmd.Process.Signal(p.sig)
	select {
	case <-p.done:
		return p.exitErr()
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("keyrelay ignored %v for 15 s", p.sig)
	}
}

func (p *Proc) exitErr() error {
	if p.err != nil && !p.killed.Load() {
		return fmt.Errorf("keyrelay exited with %v", p.err)
	}
	return nil
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Proc) Kill() {
	p.killed.Store(true)
	p.cmd.Process.Kill()
	<-p.done
}

// CLI runs a keyrelay subcommand against the same data dir and address and
// returns its stdout; a non-zero exit fails the test with stderr.
func (p *Proc) CLI(t testing.TB, args ...string) string {
	t.Helper()
	args = append(args[:len(args):len(args)], "--addr", p.Addr)
	if p.DataDir != "" {
		args = append(args, "--data-dir", p.DataDir)
	}
	out, errOut, err := Run(p.Bin, p.Env, append(p.prefix, args...)...)
	if err != nil {
		t.Fatalf("keyrelay %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// Run runs bin with args (30 s at most) and returns stdout and stderr.
func Run(bin string, env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}
