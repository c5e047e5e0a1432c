package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parleychat/parley"
)

// Trusted visitor identity: a website whose visitors log in signs who they are with the
// channel's identity secret, as a JWT (HS256 only, with exp, iat and a jti used once),
// and the widget hands the token to Identify.
const (
	// MaxIdentityLifetime bounds how far ahead an identity token may expire: a token is
	// a credential, signed for a page view, not for a session.
	MaxIdentityLifetime = 24 * time.Hour
	// IdentityLeeway is the clock skew allowed between the website and Parley, on exp,
	// iat and nbf.
	IdentityLeeway  = time.Minute
	maxUserIDLength = 200
	maxJTILength    = 200
	maxEmailLength  = 254
)

// IdentityClaims are what a website signs: who the visitor is, and the token's own
// registered claims (exp, iat, jti; sub is taken for user_id when that is missing).
type IdentityClaims struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	jwt.RegisteredClaims
}

// VerifyIdentityToken checks a token against the channel's secret at now and returns
// its claims; the error says what is wrong, for the website's developer.
func VerifyIdentityToken(token, secret string, now time.Time) (*IdentityClaims, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, parley.Errorf(parley.EINVALID, "An identity token is required.")
	}
	if len(token) > 8192 {
		return nil, parley.Errorf(parley.EINVALID, "The identity token is malformed: longer than 8,192 bytes.")
	}
	// The algorithm is checked before anything else, by name, so that "none" and the
	// others get their own answer rather than a signature mismatch.
	unverified, _, err := jwt.NewParser().ParseUnverified(token, &IdentityClaims{})
	if errors.Is(err, jwt.ErrTokenUnverifiable) && unverified != nil {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token is signed with alg %q: only HS256 is accepted.", fmt.Sprint(unverified.Header["alg"]))
	}
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "The identity token is malformed: it must be a JWT (three base64url parts, a JSON header and claims).")
	}
	if alg := unverified.Method.Alg(); alg != jwt.SigningMethodHS256.Alg() {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token is signed with alg %q: only HS256 is accepted.", alg)
	}
	claims := &IdentityClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(IdentityLeeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	_, err = parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token's signature does not match the channel's identity secret.")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, parley.Errorf(parley.EINVALID, "The identity token has no exp (expiry) claim.")
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token has expired.")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token is not valid yet (iat or nbf is in the future: check the website's clock).")
	case errors.Is(err, jwt.ErrTokenMalformed), errors.Is(err, jwt.ErrTokenInvalidClaims):
		return nil, parley.Errorf(parley.EINVALID, "The identity token is malformed: its claims are not valid (exp, iat and nbf are numbers).")
	default:
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "The identity token is not valid.")
	}
	if claims.ExpiresAt.Time.After(now.Add(MaxIdentityLifetime + IdentityLeeway)) {
		return nil, parley.Errorf(parley.EINVALID, "The identity token expires too far ahead: at most 24 hours after it is signed.")
	}
	if claims.UserID == "" {
		claims.UserID = claims.Subject
	}
	switch {
	case claims.UserID == "":
		return nil, parley.Errorf(parley.EINVALID, "The identity token has no user_id.")
	case len(claims.UserID) > maxUserIDLength:
		return nil, parley.Errorf(parley.EINVALID, "The identity token's user_id is longer than %d bytes.", maxUserIDLength)
	case claims.ID == "":
		return nil, parley.Errorf(parley.EINVALID, "The identity token has no jti: each token needs a unique id, so that it is used once.")
	case len(claims.ID) > maxJTILength:
		return nil, parley.Errorf(parley.EINVALID, "The identity token's jti is longer than %d bytes.", maxJTILength)
	}
	claims.Name = strings.TrimSpace(claims.Name)
	if err := parley.ValidateName("The identity token's name", claims.Name, parley.MaxNameLength, false); err != nil {
		return nil, err
	}
	claims.Email = strings.TrimSpace(claims.Email)
	if claims.Email != "" {
		if a, err := mail.ParseAddress(claims.Email); err != nil || a.Address != claims.Email || len(claims.Email) > maxEmailLength {
			return nil, parley.Errorf(parley.EINVALID, "The identity token's email is not an email address.")
		}
	}
	return claims, nil
}

// IdentifyRequest is a visitor's browser presenting an identity token.
type IdentifyRequest struct {
	ChannelID    int64  `json:"-"`
	Token        string `json:"token"`
	VisitorToken string `json:"visitor_token"`
}

// IdentityRef is who the visitor was verified to be.
type IdentityRef struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// Identified is Identify's answer: the token the browser now uses (a new one when it
// became another device of a known user, or had none), who they are, and their latest
// conversation in the channel, which the widget continues (0: none).
type Identified struct {
	VisitorToken   string      `json:"visitor_token"`
	Identity       IdentityRef `json:"identity"`
	ConversationID int64       `json:"conversation_id,omitempty"`
}

// Identify verifies an identity token and links the visitor to the user it names. A
// refused token changes nothing: the visitor stays as they were (anonymous or not).
func (s *Service) Identify(ctx context.Context, req IdentifyRequest) (*Identified, error) {
	secret, _, err := s.store.IdentitySecret(ctx, req.ChannelID)
	if err != nil {
		return nil, err
	}
	if secret == "" {
		if _, err := s.store.Channel(ctx, req.ChannelID); err != nil {
			return nil, err
		}
		return nil, parley.Errorf(parley.EINVALID, "Channel %d takes no identity tokens: an admin has not set its identity secret.", req.ChannelID)
	}
	now := s.now()
	claims, err := VerifyIdentityToken(req.Token, secret, now)
	if err != nil {
		return nil, err
	}
	id := parley.Identify{ChannelID: req.ChannelID, UserID: claims.UserID, Name: claims.Name, Email: claims.Email,
		JTI: claims.ID, Expires: claims.ExpiresAt.Time.Add(IdentityLeeway), Now: now}
	if req.VisitorToken != "" {
		v, err := s.visitorByToken(ctx, req.VisitorToken)
		if err == nil {
			id.VisitorID = v.ID
		} else if parley.ErrorCode(err) != parley.ENOTFOUND {
			return nil, err
		}
	}
	token, hash := NewToken()
	id.TokenHash = hash
	res, err := s.store.IdentifyVisitor(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &Identified{VisitorToken: req.VisitorToken,
		Identity: IdentityRef{UserID: claims.UserID, Name: claims.Name, Email: claims.Email}}
	if res.TokenUsed {
		out.VisitorToken = token
	}
	vid := res.Identity.VisitorID
	convs, err := s.store.VisitorConversations(ctx, vid, math.MaxInt64, MaxEarlierConversations)
	if err != nil {
		return nil, err
	}
	// The visitor's name may have changed: every server forgets what it kept of them and
	// of their conversations going on, and their operators see the new name and badge.
	notice := parley.CacheNotice{Visitor: vid}
	for _, c := range convs {
		if c.ChannelID == req.ChannelID && out.ConversationID == 0 {
			out.ConversationID = c.ID
		}
		if c.Status != parley.StatusEnded {
			notice.Moved = append(notice.Moved, c.ID)
		}
	}
	s.invalidate(ctx, notice)
	for _, c := range convs {
		if c.Status != parley.StatusEnded {
			s.publishConversation(ctx, c)
		}
	}
	return out, nil
}

// conversationIdentity is who the website vouched the visitor of c is, nil for none.
func (s *Service) conversationIdentity(ctx context.Context, c *parley.Conversation) (*parley.VisitorIdentity, error) {
	if !c.VisitorVerified {
		return nil, nil
	}
	list, err := s.store.VisitorIdentities(ctx, c.VisitorID)
	if err != nil {
		return nil, err
	}
	for _, vi := range list {
		if vi.ChannelID == c.ChannelID {
			return vi, nil
		}
	}
	return nil, nil
}

// IdentitySecretStatus tells whether a channel has an identity secret (admin); the
// secret itself is shown once, when set.
type IdentitySecretStatus struct {
	Set    bool       `json:"set"`
	SetAt  *time.Time `json:"set_at"`
	Secret string     `json:"secret,omitempty"`
}

// IdentitySecret tells whether the channel has an identity secret (admin).
func (s *Service) IdentitySecret(ctx context.Context, actor *parley.User, channelID int64) (*IdentitySecretStatus, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can manage identity secrets.")
	}
	if _, err := s.store.Channel(ctx, channelID); err != nil {
		return nil, err
	}
	secret, at, err := s.store.IdentitySecret(ctx, channelID)
	if err != nil {
		return nil, err
	}
	st := &IdentitySecretStatus{Set: secret != ""}
	if st.Set {
		st.SetAt = &at
	}
	return st, nil
}

// RotateIdentitySecret gives the channel a new random identity secret (admin) and returns
// it, this once. Tokens signed with the old one are refused from now on.
func (s *Service) RotateIdentitySecret(ctx context.Context, actor *parley.User, channelID int64) (*IdentitySecretStatus, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can manage identity secrets.")
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret := base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC().Truncate(time.Microsecond)
	if err := s.store.SetIdentitySecret(ctx, channelID, secret, now); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditIdentitySecret, "channel", channelID, map[string]string{"secret": "rotated"})
	return &IdentitySecretStatus{Set: true, SetAt: &now, Secret: secret}, nil
}

// RemoveIdentitySecret takes the channel's identity secret away (admin): identity tokens
// are refused; visitors already verified stay so.
func (s *Service) RemoveIdentitySecret(ctx context.Context, actor *parley.User, channelID int64) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can manage identity secrets.")
	}
	if err := s.store.SetIdentitySecret(ctx, channelID, "", s.now()); err != nil {
		return err
	}
	s.audit(ctx, actor, parley.AuditIdentitySecret, "channel", channelID, map[string]string{"secret": "removed"})
	return nil
}
