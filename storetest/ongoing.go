package storetest

import (
	"maps"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// testChannelOngoing: each operator's ongoing conversations in one channel are counted:
// not those of another channel, nor ended or queued ones, nor those whose last message
// and assignment are before since; a conversation offered to an operator counts for them.
func testChannelOngoing(t *testing.T, s parley.Store) {
	ctx := t.Context()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	web, sales := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Sales", 0)
	mustJoin(t, s, web.ID, alice.ID, bob.ID)
	mustJoin(t, s, sales.ID, alice.ID)
	start := func(ch *parley.Channel, choose parley.Chooser, at time.Time) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hello", Now: at}, choose)
		return c
	}
	start(web, pick(alice.ID), t0)
	quiet := start(web, pick(alice.ID), t0)
	start(sales, pick(alice.ID), t0)
	ended := start(web, pick(bob.ID), t0)
	start(web, queue, t0)
	if _, _, err := s.EndConversation(ctx, ended.ID, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(10 * time.Minute)
	if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: quiet.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "V"}, Body: "Still there?", Now: later}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		channel *parley.Channel
		since   time.Time
		want    map[int64]int
	}{
		{web, t0.Add(-time.Minute), map[int64]int{alice.ID: 2}},
		{sales, t0.Add(-time.Minute), map[int64]int{alice.ID: 1}},
		{web, t0.Add(5 * time.Minute), map[int64]int{alice.ID: 1}}, // only the one written in since
		{web, later, map[int64]int{}},
	} {
		got, err := s.ChannelOngoing(ctx, tc.channel.ID, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("ongoing in %s since %s: %v, want %v", tc.channel.Name, tc.since.Sub(t0), got, tc.want)
		}
	}

	offers := mustOfferChannel(t, s, "Offers", 0)
	mustJoin(t, s, offers.ID, bob.ID)
	offered := start(offers, online, t0)
	wantOffered(t, s, offered.ID, bob.ID)
	got, err := s.ChannelOngoing(ctx, offers.ID, t0.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int{bob.ID: 1}; !maps.Equal(got, want) {
		t.Errorf("ongoing with an offer standing: %v, want %v", got, want)
	}
}
