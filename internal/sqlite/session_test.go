package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ss := sqlite.NewSessionService(e.db)

	t.Run("TokenWorksOnce", func(t *testing.T) {
		token, err := ss.CreateLoginToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 {
			t.Fatalf("token length: got %d, want 43 (32 bytes base64url)", len(token))
		}
		sess, cookie, err := ss.RedeemLoginToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if cookie == "" || cookie == token || sess.CSRFToken == "" || sess.CSRFToken == cookie {
			t.Fatalf("cookie %q, csrf %q", cookie, sess.CSRFToken)
		}
		if !sess.ExpiresAt.Equal(t0.Add(keyrelay.SessionTTL)) {
			t.Fatalf("expires: got %v", sess.ExpiresAt)
		}
		_, _, err = ss.RedeemLoginToken(ctx, token)
		wantCode(t, err, keyrelay.EUNAUTHORIZED)

		found, err := ss.FindSession(ctx, cookie)
		if err != nil {
			t.Fatal(err)
		}
		if found.ID != sess.ID || found.CSRFToken != sess.CSRFToken {
			t.Fatalf("got %+v, want %+v", found, sess)
		}
		if err := ss.DeleteSession(ctx, cookie); err != nil {
			t.Fatal(err)
		}
		_, err = ss.FindSession(ctx, cookie)
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
		if err := ss.DeleteSession(ctx, cookie); err != nil {
			t.Fatalf("second logout: %v", err)
		}
	})

	t.Run("UnknownAndEmpty", func(t *testing.T) {
		_, _, err := ss.RedeemLoginToken(ctx, "made-up")
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
		_, _, err = ss.RedeemLoginToken(ctx, "")
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
		_, err = ss.FindSession(ctx, "")
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
		_, err = ss.FindSession(ctx, "made-up")
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
	})

	t.Run("TokenExpires", func(t *testing.T) {
		token, err := ss.CreateLoginToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Add(keyrelay.LoginTokenTTL)
		_, _, err = ss.RedeemLoginToken(ctx, token)
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
	})

	t.Run("SessionExpires", func(t *testing.T) {
		token, _ := ss.CreateLoginToken(ctx)
		_, cookie, err := ss.RedeemLoginToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		// In use every 20 minutes, it lasts until its absolute expiry, no longer.
		left := keyrelay.SessionTTL
		for left > 20*time.Minute {
			e.clock.Add(20 * time.Minute)
			left -= 20 * time.Minute
			if _, err := ss.FindSession(ctx, cookie); err != nil {
				t.Fatalf("in use, %v before expiry: %v", left, err)
			}
		}
		e.clock.Add(left - time.Second)
		if _, err := ss.FindSession(ctx, cookie); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		e.clock.Add(time.Second)
		_, err = ss.FindSession(ctx, cookie)
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
	})

	t.Run("SessionIdles", func(t *testing.T) {
		token, _ := ss.CreateLoginToken(ctx)
		_, cookie, err := ss.RedeemLoginToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Add(keyrelay.SessionIdleTimeout - time.Second)
		if _, err := ss.FindSession(ctx, cookie); err != nil {
			t.Fatalf("used just before the idle timeout: %v", err)
		}
		// The request above restarted the idle clock.
		e.clock.Add(keyrelay.SessionIdleTimeout - time.Second)
		if _, err := ss.FindSession(ctx, cookie); err != nil {
			t.Fatalf("used again within the idle timeout: %v", err)
		}
		e.clock.Add(keyrelay.SessionIdleTimeout)
		_, err = ss.FindSession(ctx, cookie)
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
	})

	// `keyrelay open` is another process writing the token into the same file.
	t.Run("TokenFromAnotherProcess", func(t *testing.T) {
		sealer, err := secret.Open(e.dir, secret.ModeFile)
		if err != nil {
			t.Fatal(err)
		}
		cli, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), sealer)
		if err != nil {
			t.Fatal(err)
		}
		cli.Now = e.clock.Now
		token, err := sqlite.NewSessionService(cli).CreateLoginToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := cli.Close(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ss.RedeemLoginToken(ctx, token); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	as := sqlite.NewAuditService(e.db)
	for i, kind := range []string{keyrelay.AuditHostRefused, keyrelay.AuditOriginRefused, keyrelay.AuditAuthFailed, keyrelay.AuditAuthOK, keyrelay.AuditLogin} {
		e.clock.Add(time.Second)
		ev := &keyrelay.AuditEvent{Kind: kind, Remote: "127.0.0.1:5000", Origin: "https://evil.example", Reason: "test " + kind}
		if err := as.RecordAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if ev.ID != int64(i+1) || !ev.At.Equal(t0.Add(time.Duration(i+1)*time.Second)) {
			t.Fatalf("got %+v", ev)
		}
	}
	page, err := as.FindAuditEvents(ctx, keyrelay.AuditFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Kind != keyrelay.AuditLogin || page[1].Kind != keyrelay.AuditAuthOK {
		t.Fatalf("page 1: %+v", page)
	}
	page, err = as.FindAuditEvents(ctx, keyrelay.AuditFilter{Limit: 10, BeforeID: page[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].Kind != keyrelay.AuditAuthFailed || page[2].Origin != "https://evil.example" {
		t.Fatalf("page 2: %+v", page)
	}
	wantCode(t, as.RecordAudit(ctx, &keyrelay.AuditEvent{}), keyrelay.EINVALID)
}

func TestCredentials(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCredentialService(e.db)
	c := &keyrelay.Credentials{ShopKey: "id:111111", Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "shop1", Password: "s3cret-pass"}
	if err := cs.SetCredentials(ctx, c); err != nil {
		t.Fatal(err)
	}

	t.Run("FindDecrypts", func(t *testing.T) {
		got, err := cs.FindCredentials(ctx, "goq", "id:111111")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != c.ID || got.Password != "s3cret-pass" || got.LoginID != "shop1" || !got.UpdatedAt.Equal(t0) {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("NamedShopNeverFallsBack", func(t *testing.T) {
		// Credentials saved for shop 111111 are not another shop's.
		_, err := cs.FindCredentials(ctx, "goq", "id:999999")
		wantCode(t, err, keyrelay.ENOTFOUND)
		_, err = cs.FindCredentials(ctx, "other", "id:111111")
		wantCode(t, err, keyrelay.ENOTFOUND)
	})

	t.Run("DefaultIsNoFallback", func(t *testing.T) {
		// The default login is bound to the first shop that uses it (a
		// delivery; see binding_test.go), never found for any shop by itself.
		e := newEnv(t)
		cs := sqlite.NewCredentialService(e.db)
		d := &keyrelay.Credentials{Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "only", Password: "pw"}
		if err := cs.SetCredentials(ctx, d); err != nil {
			t.Fatal(err)
		}
		_, err := cs.FindCredentials(ctx, "goq", "id:999999")
		wantCode(t, err, keyrelay.ENOTFOUND)
		got, err := cs.FindCredentialsByID(ctx, d.ID)
		if err != nil || got.Password != "pw" || len(got.Shops) != 0 {
			t.Fatalf("by id: %+v (%v)", got, err)
		}
	})

	t.Run("UpdateKeepsPassword", func(t *testing.T) {
		e.clock.Add(time.Minute)
		if err := cs.SetCredentials(ctx, &keyrelay.Credentials{ShopKey: "id:111111", Destination: "goq", LoginID: "shop1-new"}); err != nil {
			t.Fatal(err)
		}
		got, err := cs.FindCredentials(ctx, "goq", "id:111111")
		if err != nil || got.Password != "s3cret-pass" || got.LoginID != "shop1-new" || got.ID != c.ID {
			t.Fatalf("got %+v (%v)", got, err)
		}
		if err := cs.SetCredentials(ctx, &keyrelay.Credentials{ShopKey: "id:111111", Destination: "goq", LoginID: "shop1-new", Password: "changed"}); err != nil {
			t.Fatal(err)
		}
		got, _ = cs.FindCredentials(ctx, "goq", "id:111111")
		if got.Password != "changed" {
			t.Fatalf("password not replaced")
		}
	})

	t.Run("SeveralNoGuess", func(t *testing.T) {
		if err := cs.SetCredentials(ctx, &keyrelay.Credentials{ShopKey: "id:222222", Destination: "goq", LoginID: "shop2", Password: "p2"}); err != nil {
			t.Fatal(err)
		}
		_, err := cs.FindCredentials(ctx, "goq", "id:999999")
		wantCode(t, err, keyrelay.ENOTFOUND)
		got, err := cs.FindCredentials(ctx, "goq", "id:222222")
		if err != nil || got.Password != "p2" {
			t.Fatalf("got %+v (%v)", got, err)
		}
	})

	t.Run("ListHasNoPasswords", func(t *testing.T) {
		list, err := cs.ListCredentials(ctx, "goq")
		if err != nil || len(list) != 2 {
			t.Fatalf("got %v (%v)", list, err)
		}
		for _, l := range list {
			if l.Password != "" {
				t.Fatalf("list returned a password for %s", l.ShopKey)
			}
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for name, bad := range map[string]*keyrelay.Credentials{
			"NoLogin":       {Destination: "goq", Password: "x"},
			"NoDestination": {LoginID: "a", Password: "x"},
			"NewNoPassword": {Destination: "goq", ShopKey: "id:333333", LoginID: "a"},
			"BadURL":        {Destination: "goq", LoginID: "a", Password: "x", BaseURL: "javascript:alert(1)"},
		} {
			t.Run(name, func(t *testing.T) {
				wantCode(t, cs.SetCredentials(ctx, bad), keyrelay.EINVALID)
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		if err := cs.DeleteCredentials(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cs.DeleteCredentials(ctx, c.ID), keyrelay.ENOTFOUND)
		_, err := cs.FindCredentials(ctx, "goq", "id:111111")
		wantCode(t, err, keyrelay.ENOTFOUND)
		got, err := cs.FindCredentials(ctx, "goq", "id:222222")
		if err != nil || got.ShopKey != "id:222222" {
			t.Fatalf("the other shop's login: %+v (%v)", got, err)
		}
	})
}
