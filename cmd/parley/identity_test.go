package main

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// identityToken signs claims as a website would: HS256 with the channel's secret, with
// exp an hour ahead, iat now and a fresh jti unless claims set them (nil deletes one).
func identityToken(tb testing.TB, method jwt.SigningMethod, secret any, claims jwt.MapClaims) string {
	tb.Helper()
	now := time.Now()
	all := jwt.MapClaims{"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": rand.Text()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	signed, err := jwt.NewWithClaims(method, all).SignedString(secret)
	if err != nil {
		tb.Fatal(err)
	}
	return signed
}

// mustIdentitySecret sets the channel's identity secret, as an admin does once.
func (s *testServer) mustIdentitySecret(tb testing.TB, admin string, ch int64) string {
	tb.Helper()
	out := s.must(tb, 201, "POST", fmt.Sprintf("/api/channels/%d/identity-secret", ch), admin, nil).object(tb)
	secret, _ := out["secret"].(string)
	if len(secret) < 32 {
		tb.Fatalf("identity secret = %q, want a long random one", secret)
	}
	return secret
}

type conversationItem struct {
	ID      int64 `json:"id"`
	Visitor struct {
		Name     string `json:"name"`
		Verified bool   `json:"verified"`
	} `json:"visitor"`
}

func (s *testServer) operatorConversation(tb testing.TB, token string, id int64) conversationItem {
	tb.Helper()
	var c conversationItem
	s.must(tb, 200, "GET", fmt.Sprintf("/api/conversations/%d", id), token, nil).decode(tb, &c)
	return c
}

// A website signs who its logged-in visitor is; Parley verifies it: an expired, forged
// (another secret), malformed, unsigned (alg none) or otherwise signed (HS512) token, one
// with no jti or expiring too far ahead, and a token used a second time are each refused
// with their own 4xx error, and the visitor stays anonymous, their chat going on. A valid
// one makes the operator see the visitor verified, under the verified name and email.
// Admins set, read and remove the secret, which the audit log records.
func TestIdentityTokens(t *testing.T) {
	onEveryStore(t, testIdentityTokens)
}

func testIdentityTokens(t *testing.T, s *testServer) {
	admin, alice, ch, _ := s.mustAliceOnline(t)
	visitor, conv := s.startChat(t, ch, "Hello")
	id := num(conv["id"])
	identifyURL := fmt.Sprintf("/livechat/channels/%d/identity", ch)
	ann := jwt.MapClaims{"user_id": "u-42", "name": "Ann Lee", "email": "ann@example.com"}

	s.wantRefused(t, "POST", identifyURL, "", map[string]any{"token": "x.y.z", "visitor_token": visitor}, 400, "EINVALID", "no identity tokens")
	secretURL := fmt.Sprintf("/api/channels/%d/identity-secret", ch)
	if out := s.must(t, 200, "GET", secretURL, admin, nil).object(t); out["set"] != false {
		t.Fatalf("secret before any: %v", out)
	}
	old := s.mustIdentitySecret(t, admin, ch)
	secret := s.mustIdentitySecret(t, admin, ch) // rotated: the first one no longer counts
	if out := s.must(t, 200, "GET", secretURL, admin, nil).object(t); out["set"] != true || out["secret"] != nil {
		t.Fatalf("secret status = %v; want set, the secret not shown again", out)
	}
	if log := s.auditLog(t, admin, "action=channel.identity_secret"); len(log) != 2 || log[0].TargetID != fmt.Sprint(ch) {
		t.Fatalf("audit log = %+v; want two rotations of channel %d", log, ch)
	}

	now := time.Now()
	key := []byte(secret)
	for _, tc := range []struct {
		name   string
		token  string
		status int
		code   string
		says   string
	}{
		{"expired", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"user_id": "u-42", "exp": now.Add(-2 * time.Hour).Unix(), "iat": now.Add(-3 * time.Hour).Unix()}), 401, "EUNAUTHORIZED", "expired"},
		{"wrong secret", identityToken(t, jwt.SigningMethodHS256, []byte("not-the-secret"), ann), 401, "EUNAUTHORIZED", "signature does not match"},
		{"rotated secret", identityToken(t, jwt.SigningMethodHS256, []byte(old), ann), 401, "EUNAUTHORIZED", "signature does not match"},
		{"alg none", identityToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, ann), 401, "EUNAUTHORIZED", `alg "none"`},
		{"HS512", identityToken(t, jwt.SigningMethodHS512, key, ann), 401, "EUNAUTHORIZED", `alg "HS512"`},
		{"malformed", "not-a-jwt", 400, "EINVALID", "malformed"},
		{"garbled claims", strings.Join([]string{"eyJhbGciOiJIUzI1NiJ9", "bm90IGpzb24", "c2ln"}, "."), 400, "EINVALID", "malformed"},
		{"no exp", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"user_id": "u-42", "exp": nil}), 400, "EINVALID", "no exp"},
		{"no jti", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"user_id": "u-42", "jti": nil}), 400, "EINVALID", "no jti"},
		{"no user", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"name": "Ann"}), 400, "EINVALID", "no user_id"},
		{"a week ahead", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"user_id": "u-42", "exp": now.Add(7 * 24 * time.Hour).Unix()}), 400, "EINVALID", "too far ahead"},
		{"issued in the future", identityToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"user_id": "u-42", "iat": now.Add(time.Hour).Unix()}), 401, "EUNAUTHORIZED", "not valid yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.wantRefused(t, "POST", identifyURL, "", map[string]any{"token": tc.token, "visitor_token": visitor}, tc.status, tc.code, tc.says)
			if c := s.operatorConversation(t, alice, id); c.Visitor.Verified || c.Visitor.Name == "Ann Lee" {
				t.Errorf("after a refused token the operator sees %+v; want the visitor anonymous", c.Visitor)
			}
		})
	}
	// The anonymous visitor's chat goes on.
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", id), visitor, map[string]any{"body": "Still here"})

	valid := identityToken(t, jwt.SigningMethodHS256, key, ann)
	out := s.must(t, 200, "POST", identifyURL, "", map[string]any{"token": valid, "visitor_token": visitor}).object(t)
	if out["visitor_token"] != visitor || num(out["conversation_id"]) != id || path(out, "identity", "name") != "Ann Lee" || path(out, "identity", "email") != "ann@example.com" {
		t.Fatalf("identify = %v; want the same token, conversation %d, Ann Lee", out, id)
	}
	s.wantRefused(t, "POST", identifyURL, "", map[string]any{"token": valid, "visitor_token": visitor}, 401, "EUNAUTHORIZED", "already used")

	if c := s.operatorConversation(t, alice, id); !c.Visitor.Verified || c.Visitor.Name != "Ann Lee" {
		t.Fatalf("operator sees %+v; want Ann Lee, verified", c.Visitor)
	}
	var info struct {
		Name     string `json:"name"`
		Identity *struct {
			UserID string `json:"user_id"`
			Email  string `json:"email"`
		} `json:"identity"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/visitor", id), alice, nil).decode(t, &info)
	if info.Identity == nil || info.Identity.UserID != "u-42" || info.Identity.Email != "ann@example.com" || info.Name != "Ann Lee" {
		t.Fatalf("visitor panel = %+v %+v", info, info.Identity)
	}
	// The visitor's next message carries the verified name.
	m := s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", id), visitor, map[string]any{"body": "It's me"}).object(t)
	if path(m, "author", "name") != "Ann Lee" {
		t.Errorf("message author = %v, want Ann Lee", m["author"])
	}

	// An admin's export of the visitor's data names the identity.
	var found struct {
		Visitors []struct {
			ID int64 `json:"id"`
		} `json:"visitors"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/data-requests/visitors?conversation_id=%d", id), admin, nil).decode(t, &found)
	if len(found.Visitors) != 1 {
		t.Fatalf("visitors of conversation %d: %+v", id, found)
	}
	export := s.must(t, 200, "GET", fmt.Sprintf("/api/data-requests/export?visitor_id=%d", found.Visitors[0].ID), admin, nil).object(t)
	if ids, _ := export["identities"].([]any); len(ids) != 1 || path(ids[0], "user_id") != "u-42" || path(ids[0], "email") != "ann@example.com" {
		t.Errorf("export identities = %v", export["identities"])
	}

	// Removed, the secret verifies nothing more; Ann stays verified.
	s.must(t, 204, "DELETE", secretURL, admin, nil)
	s.wantRefused(t, "POST", identifyURL, "", map[string]any{"token": identityToken(t, jwt.SigningMethodHS256, key, ann)}, 400, "EINVALID", "no identity tokens")
	if c := s.operatorConversation(t, alice, id); !c.Visitor.Verified {
		t.Error("the visitor is no longer verified after the secret was removed")
	}
}

// The same user on two devices is one visitor: the phone, anonymous with a chat of its
// own or with no token yet, is handed the visitor of the laptop, continues its
// conversation (the widget is told which), and the operator's visitor panel lists the
// laptop's conversation among the earlier ones of the phone's next chat. Another user
// logging in on the same browser is not given the first one's visitor.
func TestIdentityLinksDevices(t *testing.T) {
	onEveryStore(t, testIdentityLinksDevices)
}

func testIdentityLinksDevices(t *testing.T, s *testServer) {
	admin, alice, ch, _ := s.mustAliceOnline(t)
	secret := []byte(s.mustIdentitySecret(t, admin, ch))
	identifyURL := fmt.Sprintf("/livechat/channels/%d/identity", ch)
	ann := jwt.MapClaims{"user_id": "u-42", "name": "Ann Lee", "email": "ann@example.com"}
	identify := func(t *testing.T, visitor string, claims jwt.MapClaims) map[string]any {
		t.Helper()
		return s.must(t, 200, "POST", identifyURL, visitor, map[string]any{"token": identityToken(t, jwt.SigningMethodHS256, secret, claims)}).object(t)
	}

	laptop, conv := s.startChat(t, ch, "Hello from my laptop")
	first := num(conv["id"])
	if out := identify(t, laptop, ann); out["visitor_token"] != laptop {
		t.Fatalf("laptop identify = %v; want its own token back", out)
	}

	// A phone with no token yet.
	phone := identify(t, "", ann)
	phoneToken, _ := phone["visitor_token"].(string)
	if phoneToken == "" || phoneToken == laptop || num(phone["conversation_id"]) != first {
		t.Fatalf("phone identify = %v; want a token of its own and conversation %d", phone, first)
	}
	msgs := s.visitorMessages(t, first, phoneToken)
	if len(msgs) == 0 || msgs[0]["body"] != "Hello from my laptop" {
		t.Fatalf("the phone reads %v; want the laptop's conversation", msgs)
	}
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", first), phoneToken, map[string]any{"body": "And from my phone"})
	// Both devices keep working.
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", first), laptop, nil)

	// A tablet that chatted anonymously first is handed Ann's visitor too.
	tablet, _ := s.startChat(t, ch, "Anonymous on a tablet")
	out := identify(t, tablet, ann)
	tabletToken, _ := out["visitor_token"].(string)
	if tabletToken == tablet || num(out["conversation_id"]) != first {
		t.Fatalf("tablet identify = %v; want a new token and conversation %d", out, first)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", first), tabletToken, nil)

	// The laptop's chat ends; the phone starts the next, and the operator sees the first
	// among the visitor's earlier conversations, the visitor verified.
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", first), laptop, nil)
	next := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Me again", "visitor_token": phoneToken}).object(t)
	if next["visitor_token"] != phoneToken {
		t.Fatalf("start from the phone gave token %v, want the phone's", next["visitor_token"])
	}
	second := num(path(next, "conversation", "id"))
	info := s.visitorInfo(t, second, alice)
	if len(info.Conversations) != 1 || info.Conversations[0].ID != first {
		t.Fatalf("earlier conversations of the phone's chat = %+v; want %d", info.Conversations, first)
	}
	if c := s.operatorConversation(t, alice, second); !c.Visitor.Verified || c.Visitor.Name != "Ann Lee" {
		t.Fatalf("operator sees %+v; want Ann Lee, verified", c.Visitor)
	}

	// Bob logs in on Ann's laptop: a visitor of his own, not Ann's conversations.
	bob := identify(t, laptop, jwt.MapClaims{"user_id": "u-7", "name": "Bob"})
	bobToken, _ := bob["visitor_token"].(string)
	if bobToken == laptop || bob["conversation_id"] != nil {
		t.Fatalf("Bob on Ann's laptop = %v; want a new visitor without conversations", bob)
	}
	s.wantRefused(t, "GET", fmt.Sprintf("/livechat/conversations/%d", first), bobToken, nil, 404, "ENOTFOUND", "not found")
}
