package wsclient

import (
	"context"
	"fmt"
	"time"

	"keyrelay/internal/protocol"
)

// Pairing is a pending pairing request: show Code to the operator, then Wait.
type Pairing struct {
	ClientID   string
	Code       string
	ClaimToken string // keep it to claim the secret after a reconnect
	ExpiresAt  time.Time
	c          *Client
}

// Pair asks the helper to pair this install.
func (c *Client) Pair(ctx context.Context, clientName string) (*Pairing, error) {
	r, err := c.Request(ctx, &protocol.PairRequest{ClientName: clientName})
	if err != nil {
		return nil, err
	}
	pp, ok := r.(*protocol.PairPending)
	if !ok {
		return nil, unexpected(protocol.TypePairPending, r)
	}
	return c.pending(pp, pp.ClaimToken), nil
}

func (c *Client) pending(pp *protocol.PairPending, token string) *Pairing {
	exp, _ := time.Parse(time.RFC3339, pp.ExpiresAt)
	return &Pairing{ClientID: pp.ClientID, Code: pp.Code, ClaimToken: token, ExpiresAt: exp, c: c}
}

// Wait blocks until the operator approves (the helper pushes the secret),
// the pairing is rejected or expires, or ctx ends.
func (p *Pairing) Wait(ctx context.Context) (*Credentials, error) {
	for {
		select {
		case m := <-p.c.pairCh:
			switch m := m.(type) {
			case *protocol.PairApproved:
				if m.ClientID != p.ClientID {
					continue
				}
				return credentials(m)
			case *protocol.ErrorMsg:
				return nil, &ServerError{Code: m.Code, Message: m.Message, MessageEn: m.MessageEn}
			}
		case <-p.c.done:
			return nil, fmt.Errorf("%w while waiting for approval: %v", ErrClosed, p.c.readErr)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Claim asks for the secret of an earlier pairing after a reconnect. It
// returns the credentials, or (still waiting) a Pairing to Wait on.
func (c *Client) Claim(ctx context.Context, clientID, claimToken string) (*Credentials, *Pairing, error) {
	r, err := c.Request(ctx, &protocol.PairClaim{ClientID: clientID, ClaimToken: claimToken})
	if err != nil {
		return nil, nil, err
	}
	switch r := r.(type) {
	case *protocol.PairApproved:
		cr, err := credentials(r)
		return cr, nil, err
	case *protocol.PairPending:
		return nil, c.pending(r, claimToken), nil
	}
	return nil, nil, unexpected(protocol.TypePairApproved, r)
}

func credentials(m *protocol.PairApproved) (*Credentials, error) {
	secret, err := protocol.DecodeB64(m.Secret)
	if err != nil || len(secret) != protocol.SecretBytes {
		return nil, fmt.Errorf("wsclient: pair_approved carries a malformed secret")
	}
	return &Credentials{ClientID: m.ClientID, Secret: secret}, nil
}

// Auth runs the mutual authentication. The server must prove it holds the
// secret first; if it cannot, the socket is closed at once and ErrServerProof
// returned, so a squatter on the port learns only the client id and a nonce.
func (c *Client) Auth(ctx context.Context, clientID string, secret []byte) error {
	nonce := protocol.NewNonce()
	r, err := c.Request(ctx, &protocol.AuthBegin{ClientID: clientID, ClientNonce: nonce})
	if err != nil {
		return err
	}
	ch, ok := r.(*protocol.AuthChallenge)
	want := protocol.ServerProof(secret, clientID, nonce, c.hello.ServerNonce)
	if !ok || !protocol.ProofEqual(want, ch.ServerProof) {
		c.mu.Lock()
		c.dead = true
		c.mu.Unlock()
		c.ws.Close() // no close frame either: nothing more goes out
		return ErrServerProof
	}
	r, err = c.Request(ctx, &protocol.Auth{ClientProof: protocol.ClientProof(secret, clientID, c.hello.ServerNonce, nonce)})
	if err != nil {
		return err
	}
	if _, ok := r.(*protocol.AuthOK); !ok {
		return unexpected(protocol.TypeAuthOK, r)
	}
	c.mu.Lock()
	c.authed = true
	c.mu.Unlock()
	return nil
}

// Capture sends one capture and returns the helper's acknowledgement, which
// comes only after the capture is committed.
func (c *Client) Capture(ctx context.Context, capture *protocol.Capture) (*protocol.CaptureAck, error) {
	r, err := c.authedRequest(ctx, &protocol.CaptureMsg{Capture: capture})
	if err != nil {
		return nil, err
	}
	ack, ok := r.(*protocol.CaptureAck)
	if !ok {
		return nil, unexpected(protocol.TypeCaptureAck, r)
	}
	return ack, nil
}

// AppList reports an アプリ一覧 visit and returns the rows acknowledged.
func (c *Client) AppList(ctx context.Context, l *protocol.AppListing) (int, error) {
	r, err := c.authedRequest(ctx, &protocol.AppList{Listing: l})
	if err != nil {
		return 0, err
	}
	ack, ok := r.(*protocol.AppListAck)
	if !ok {
		return 0, unexpected(protocol.TypeAppListAck, r)
	}
	return ack.Rows, nil
}

// LoginURL asks for a one-time history page URL.
func (c *Client) LoginURL(ctx context.Context) (string, error) {
	r, err := c.authedRequest(ctx, &protocol.LoginURLRequest{})
	if err != nil {
		return "", err
	}
	u, ok := r.(*protocol.LoginURLReply)
	if !ok {
		return "", unexpected(protocol.TypeLoginURL, r)
	}
	return u.URL, nil
}

// Status asks for the current alerts.
func (c *Client) Status(ctx context.Context) (*protocol.StatusReply, error) {
	r, err := c.authedRequest(ctx, &protocol.StatusRequest{})
	if err != nil {
		return nil, err
	}
	st, ok := r.(*protocol.StatusReply)
	if !ok {
		return nil, unexpected(protocol.TypeStatus, r)
	}
	return st, nil
}
