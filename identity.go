package parley

import (
	"context"
	"time"
)

// Trusted visitor identity. A website whose visitors log in signs who they are
// ({user_id, name, email}) with the channel's identity secret (a JWT, HS256: chat/identity.go
// verifies it); Parley then shows the visitor as verified, names them so, and keeps one
// visitor record per user of the channel, so that the same user on another device (another
// visitor token) continues the same visitor: their conversations, their operator.

// VisitorIdentity is who a website vouched that a visitor is, in one channel.
type VisitorIdentity struct {
	ChannelID  int64     `json:"channel_id"`
	UserID     string    `json:"user_id"`
	VisitorID  int64     `json:"-"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Identify is a verified identity token presented by a visitor's browser.
type Identify struct {
	ChannelID int64
	UserID    string
	Name      string
	Email     string
	// JTI and Expires are the token's id and expiry: a token is used once. The store
	// records the id until Expires, in the transaction that links the visitor, and
	// refuses one already recorded with ErrIdentityReplayed.
	JTI     string
	Expires time.Time
	// VisitorID is the visitor whose browser presented the token (0: none yet).
	VisitorID int64
	// TokenHash is the hash of a new visitor token, used when the browser must become
	// another visitor (see IdentityStore.IdentifyVisitor).
	TokenHash []byte
	Now       time.Time
}

// Identified is the outcome of IdentifyVisitor.
type Identified struct {
	Identity *VisitorIdentity
	// TokenUsed: the browser is now the visitor Identity.VisitorID, known by the token of
	// Identify.TokenHash (a new visitor, or another device of a known user).
	TokenUsed bool
}

// ErrIdentityReplayed refuses an identity token whose id was used before.
var ErrIdentityReplayed = Errorf(EUNAUTHORIZED, "The identity token was already used (its jti was seen before): sign a new token for each page.")

// AuditIdentitySecret is an admin setting, rotating or removing a channel's identity secret.
const AuditIdentitySecret = "channel.identity_secret"

// IdentityStore keeps channels' identity secrets, the identities of visitors and the ids
// of identity tokens used.
type IdentityStore interface {
	// SetIdentitySecret sets the channel's secret, or removes it when secret is empty.
	// An unknown channel is ENOTFOUND.
	SetIdentitySecret(ctx context.Context, channelID int64, secret string, now time.Time) error
	// IdentitySecret returns the channel's secret and when it was set ("" when none).
	IdentitySecret(ctx context.Context, channelID int64) (secret string, setAt time.Time, err error)
	// IdentifyVisitor links a browser to the identity in one transaction, after
	// recording id.JTI (ErrIdentityReplayed when already recorded; ids past their expiry
	// are forgotten). The user's known visitor in the channel stays theirs: a browser of
	// another visitor is handed it (a second token, id.TokenHash, TokenUsed). A user not
	// yet known takes the browser's visitor, unless that visitor is already another
	// user's in the channel or there is none: then a new visitor is created with the
	// token id.TokenHash. The visitor's name becomes id.Name (when not empty), and the
	// identity's name and email are updated.
	IdentifyVisitor(ctx context.Context, id Identify) (*Identified, error)
	// VisitorIdentities lists the identities of a visitor, newest verified first.
	VisitorIdentities(ctx context.Context, visitorID int64) ([]*VisitorIdentity, error)
	// VisitorByDeviceToken finds the visitor of a token handed by IdentifyVisitor.
	VisitorByDeviceToken(ctx context.Context, tokenHash []byte) (*Visitor, error)
}
