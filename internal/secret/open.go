package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"keyrelay/internal/keyrelay"
)

// Modes for Open; the helper takes them from KEYRELAY_KEYRING.
const (
	ModeAuto    = "auto"
	ModeKeyring = "keyring"
	ModeFile    = "file"
)

// Backends reported by Sealer.Backend.
const (
	BackendKeyring = "keyring"
	BackendFile    = "file"
)

const (
	// KeyringService is the keyring service name of every data key.
	KeyringService = "keyrelay"
	// KeyFile and MarkerFile are the names inside the data dir.
	KeyFile    = "data.key"
	MarkerFile = "data.key.keyring"
)

// KeyringTimeout bounds each keyring call: on a machine without D-Bus or
// with a locked keyring that wants a prompt, the call could block forever.
const KeyringTimeout = 2 * time.Second

// Open returns the Sealer for dataDir, creating the data key on first use.
// mode is ModeAuto ("" means auto), ModeKeyring or ModeFile.
func Open(dataDir, mode string) (*Sealer, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("secret: data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("secret: data dir: %w", err)
	}
	switch mode {
	case "", ModeAuto:
		return openAuto(abs)
	case ModeKeyring:
		return openKeyring(abs)
	case ModeFile:
		return openFile(abs)
	}
	return nil, keyrelay.Errorf(keyrelay.EINVALID,
		"KEYRELAY_KEYRING の値「%s」が不正です。auto、keyring、file のいずれかを指定してください。",
		"Invalid KEYRELAY_KEYRING value %q: use auto, keyring or file.", mode)
}

func openAuto(dir string) (*Sealer, error) {
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		s, err := openFile(dir)
		if s != nil {
			s.FallbackReason = "the data dir already has " + KeyFile + "; keeping it so stored rows stay readable"
		}
		return s, err
	}
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err == nil {
		// The key is known to be in the keyring: no silent second key.
		return openKeyring(dir)
	}
	s, err := openKeyring(dir)
	if err == nil {
		return s, nil
	}
	s, ferr := openFile(dir)
	if ferr != nil {
		return nil, ferr
	}
	s.FallbackReason = "OS keyring unavailable: " + err.Error()
	return s, nil
}

func openFile(dir string) (*Sealer, error) {
	key, err := loadOrCreateKeyFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, err
	}
	return New(key, BackendFile)
}

// loadOrCreateKeyFile creates the key atomically (write a temp file, then
// link it into place) so two processes starting at once agree on one key.
func loadOrCreateKeyFile(path string) ([]byte, error) {
	if key, err := readKeyFile(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return key, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".data.key.*")
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return readKeyFile(path) // another process won the race
	} else if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o600 {
		// Tighten rather than refuse: the operator may have copied the dir.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("secret: key file: %w", err)
		}
	}
	return decodeKey(strings.TrimSpace(string(b)))
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != KeySize {
		return nil, keyrelay.Errorf(keyrelay.EINTERNAL,
			"データキーが壊れています。", "The data key is corrupt (not %d base64-encoded bytes).", KeySize)
	}
	return key, nil
}

// KeyringUser is the keyring user name of dir's data key.
func KeyringUser(dir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return "datakey-" + hex.EncodeToString(sum[:8])
}

func openKeyring(dir string) (*Sealer, error) {
	user := KeyringUser(dir)
	marker := filepath.Join(dir, MarkerFile)
	val, err := withTimeout(func() (string, error) { return keyring.Get(KeyringService, user) })
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		if _, serr := os.Stat(marker); serr == nil {
			return nil, keyrelay.Errorf(keyrelay.EINTERNAL,
				"OSキーリングにデータキーが見つかりません（%s）。保存済みのキーは復号できません。",
				"The data key is missing from the OS keyring (%s): stored secrets cannot be decrypted.", user)
		}
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		val = base64.StdEncoding.EncodeToString(key)
		if _, err := withTimeout(func() (string, error) { return "", keyring.Set(KeyringService, user, val) }); err != nil {
			return nil, fmt.Errorf("secret: keyring set: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("secret: keyring: %w", err)
	}
	key, err := decodeKey(val)
	if err != nil {
		return nil, err
	}
	if err := checkMarker(marker, key); err != nil {
		return nil, err
	}
	return New(key, BackendKeyring)
}

// checkMarker records (or checks) which keyring key this data dir uses. It
// holds a key check value, not the key.
func checkMarker(path string, key []byte) error {
	kcv := hex.EncodeToString(derive(key, "keyrelay key check v1")[:8])
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(path, []byte(kcv+"\n"), 0o600); err != nil {
			return fmt.Errorf("secret: marker: %w", err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("secret: marker: %w", err)
	}
	if !hmac.Equal([]byte(strings.TrimSpace(string(b))), []byte(kcv)) {
		return keyrelay.Errorf(keyrelay.EINTERNAL,
			"OSキーリングのデータキーがこのデータフォルダのものと一致しません。",
			"The data key in the OS keyring does not match this data dir.")
	}
	return nil
}

// withTimeout runs a keyring call in a goroutine. On timeout the goroutine
// is abandoned: there is no way to cancel a blocked D-Bus call.
func withTimeout(fn func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := fn()
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(KeyringTimeout):
		return "", fmt.Errorf("secret: keyring did not answer within %s", KeyringTimeout)
	}
}
