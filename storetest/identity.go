package storetest

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// identityTests are the contract of trusted visitor identity (identity.go), run by Run.
var identityTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"IdentitySecret", testIdentitySecret},
	{"IdentifyVisitor", testIdentifyVisitor},
	{"IdentityReplay", testIdentityReplay},
	{"IdentityErased", testIdentityErased},
}

// testIdentitySecret: a channel's secret is set, replaced and removed; an unknown
// channel has none to set.
func testIdentitySecret(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	if got, at, err := s.IdentitySecret(ctx, ch.ID); err != nil || got != "" || !at.IsZero() {
		t.Fatalf("IdentitySecret of a new channel = %q, %v, %v; want none", got, at, err)
	}
	for i, secret := range []string{"first", "second"} {
		now := t0.Add(time.Duration(i) * time.Hour)
		if err := s.SetIdentitySecret(ctx, ch.ID, secret, now); err != nil {
			t.Fatal(err)
		}
		got, at, err := s.IdentitySecret(ctx, ch.ID)
		if err != nil || got != secret || !at.Equal(now) {
			t.Fatalf("IdentitySecret = %q, %v, %v; want %q, %v", got, at, err, secret, now)
		}
	}
	if err := s.SetIdentitySecret(ctx, ch.ID, "", t0); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.IdentitySecret(ctx, ch.ID); err != nil || got != "" {
		t.Fatalf("IdentitySecret after removal = %q, %v; want none", got, err)
	}
	if err := s.SetIdentitySecret(ctx, ch.ID+1000, "x", t0); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("SetIdentitySecret of an unknown channel: %v, want ENOTFOUND", err)
	}
}

func identify(t *testing.T, s parley.Store, id parley.Identify) *parley.Identified {
	t.Helper()
	if id.JTI == "" {
		id.JTI = rand.Text()
	}
	if id.Expires.IsZero() {
		id.Expires = t0.Add(time.Hour)
	}
	if id.Now.IsZero() {
		id.Now = t0
	}
	if id.TokenHash == nil {
		id.TokenHash = []byte(rand.Text())
	}
	res, err := s.IdentifyVisitor(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// testIdentifyVisitor: a user is one visitor per channel, whatever the device: the first
// browser's visitor becomes theirs, another device is handed that visitor with a token
// of its own (both tokens work), conversations show the visitor verified under the
// verified name; a visitor already another user's is not taken over.
func testIdentifyVisitor(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	other := mustChannel(t, s, "Sales", 0)
	laptop := mustVisitor(t, s, "")
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: laptop.ID, Body: "Hi", Now: t0}, queue)
	if c.VisitorVerified {
		t.Fatal("an anonymous visitor's conversation is verified")
	}

	// The laptop's anonymous visitor becomes Ann's: no new token.
	res := identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann Lee", Email: "ann@example.com", VisitorID: laptop.ID})
	if res.TokenUsed || res.Identity.VisitorID != laptop.ID {
		t.Fatalf("first identification = %+v %+v; want the laptop's visitor %d, no new token", res, res.Identity, laptop.ID)
	}
	got := mustConversation(t, s, c.ID)
	if !got.VisitorVerified || got.VisitorName != "Ann Lee" {
		t.Fatalf("conversation after identification: verified %v, name %q; want verified Ann Lee", got.VisitorVerified, got.VisitorName)
	}
	list, err := s.VisitorIdentities(ctx, laptop.ID)
	if err != nil || len(list) != 1 || list[0].UserID != "u-1" || list[0].Email != "ann@example.com" || list[0].ChannelID != ch.ID || !list[0].VerifiedAt.Equal(t0) {
		t.Fatalf("VisitorIdentities = %+v, %v", list, err)
	}

	// Her phone, with no visitor yet, is handed the same visitor under a new token.
	phoneToken := []byte(rand.Text())
	res = identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann Lee", TokenHash: phoneToken, Now: t0.Add(time.Minute)})
	if !res.TokenUsed || res.Identity.VisitorID != laptop.ID {
		t.Fatalf("second device = %+v %+v; want visitor %d with the new token", res, res.Identity, laptop.ID)
	}
	v, err := s.VisitorByDeviceToken(ctx, phoneToken)
	if err != nil || v.ID != laptop.ID || v.Name != "Ann Lee" {
		t.Fatalf("VisitorByDeviceToken = %+v, %v; want visitor %d", v, err, laptop.ID)
	}
	if _, err := s.VisitorByDeviceToken(ctx, []byte("unknown")); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("VisitorByDeviceToken of an unknown token: %v, want ENOTFOUND", err)
	}
	// The phone's conversation is the same visitor's, verified.
	c2, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "From my phone", Now: t0.Add(2 * time.Minute)}, queue)
	if !c2.VisitorVerified || c2.VisitorID != laptop.ID {
		t.Fatalf("phone's conversation: verified %v, visitor %d", c2.VisitorVerified, c2.VisitorID)
	}
	earlier, err := s.VisitorConversations(ctx, laptop.ID, c2.ID, 10)
	if err != nil || len(earlier) != 1 || earlier[0].ID != c.ID {
		t.Fatalf("VisitorConversations = %v, %v; want the laptop's conversation", earlier, err)
	}
	// The same visitor, again on the laptop: nothing to hand.
	res = identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann B. Lee", VisitorID: laptop.ID})
	if res.TokenUsed || res.Identity.VisitorID != laptop.ID {
		t.Fatalf("identified again = %+v", res)
	}
	if got := mustConversation(t, s, c.ID); got.VisitorName != "Ann B. Lee" {
		t.Fatalf("name after a new token = %q, want Ann B. Lee", got.VisitorName)
	}

	// Bob logs in on Ann's laptop: he is not given Ann's visitor but one of his own.
	res = identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-2", Name: "Bob", VisitorID: laptop.ID})
	if !res.TokenUsed || res.Identity.VisitorID == laptop.ID || res.Identity.VisitorID == 0 {
		t.Fatalf("another user on the same browser = %+v %+v; want a new visitor", res, res.Identity)
	}
	// In another channel the same user id is another namespace: Ann's visitor may be
	// linked there too, and her conversation in the first channel stays verified.
	res = identify(t, s, parley.Identify{ChannelID: other.ID, UserID: "u-2", Name: "Ann Lee", VisitorID: laptop.ID})
	if res.TokenUsed || res.Identity.VisitorID != laptop.ID {
		t.Fatalf("another channel = %+v %+v", res, res.Identity)
	}
	if list, err := s.VisitorIdentities(ctx, laptop.ID); err != nil || len(list) != 2 {
		t.Fatalf("VisitorIdentities = %v, %v; want two channels", list, err)
	}
	if err := func() error {
		_, err := s.IdentifyVisitor(ctx, parley.Identify{ChannelID: other.ID + 1000, UserID: "u-1", JTI: "x", Expires: t0.Add(time.Hour), Now: t0, TokenHash: []byte("h")})
		return err
	}(); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("unknown channel: %v, want ENOTFOUND", err)
	}
}

// testIdentityReplay: a token id is used once per channel until it expires, and a
// replayed one changes nothing.
func testIdentityReplay(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	other := mustChannel(t, s, "Sales", 0)
	identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann", JTI: "token-1", Expires: t0.Add(time.Hour)})
	_, err := s.IdentifyVisitor(ctx, parley.Identify{ChannelID: ch.ID, UserID: "u-9", Name: "Mallory", JTI: "token-1",
		Expires: t0.Add(time.Hour), Now: t0.Add(time.Minute), TokenHash: []byte(rand.Text())})
	if parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("replay: %v, want EUNAUTHORIZED", err)
	}
	// Nothing of the replay was kept: u-9 is a new user when a fresh token names them.
	res := identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-9", Name: "Mallory", Now: t0.Add(time.Minute)})
	if !res.TokenUsed {
		t.Fatalf("after a refused replay, u-9 = %+v; want a new visitor", res)
	}
	// The same id in another channel is another token.
	identify(t, s, parley.Identify{ChannelID: other.ID, UserID: "u-1", JTI: "token-1"})
	// Once expired, the id is forgotten (the token itself is refused by its exp).
	identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", JTI: "token-1", Expires: t0.Add(3 * time.Hour), Now: t0.Add(2 * time.Hour)})
}

// testIdentityErased: erasing an identified visitor removes their identities and the
// tokens handed to their devices.
func testIdentityErased(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	v := mustVisitor(t, s, "")
	identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann", VisitorID: v.ID})
	phone := []byte(rand.Text())
	identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann", TokenHash: phone})
	if _, err := s.EraseData(ctx, parley.DataSubject{VisitorID: v.ID}, t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VisitorByDeviceToken(ctx, phone); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("device token after erasure: %v, want ENOTFOUND", err)
	}
	if list, err := s.VisitorIdentities(ctx, v.ID); err != nil || len(list) != 0 {
		t.Fatalf("identities after erasure = %v, %v", list, err)
	}
	// The user may come back: a new visitor (SQLite may give it the erased one's id).
	if res := identify(t, s, parley.Identify{ChannelID: ch.ID, UserID: "u-1", Name: "Ann"}); !res.TokenUsed {
		t.Fatalf("after erasure = %+v %+v; want a new visitor", res, res.Identity)
	}
}
