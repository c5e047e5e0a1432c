package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// TestLiveConversationsFollowTheDatabase checks the writer's memory of conversations
// against what was committed: a message of a rolled-back transaction leaves no gap in
// the seqs, and an ended conversation refuses messages even right after one was stored.
// It is written inside the package because a write transaction that fails half-way
// cannot be caused through the store's API.
func TestLiveConversationsFollowTheDatabase(t *testing.T) {
	ctx := t.Context()
	s, c := openWithConversation(t, filepath.Join(t.TempDir(), "parley.db"))
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}
	add := func(body string) (*parley.Message, error) {
		m, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: visitor, Body: body})
		return m, err
	}
	if m, err := add("2"); err != nil || m.Seq != 2 {
		t.Fatalf("second message: %+v, %v; want seq 2", m, err)
	}

	failed := errors.New("something went wrong")
	err := s.writeTracked(ctx, func(tx *wtx) error {
		m, _, err := addMessage(ctx, tx, parley.NewMessage{ConversationID: c.ID, Author: visitor, Body: "lost"})
		if err != nil || m.Seq != 3 {
			t.Errorf("message in the failing transaction: %+v, %v; want seq 3", m, err)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("failing transaction: %v", err)
	}
	if m, err := add("3"); err != nil || m.Seq != 3 {
		t.Fatalf("message after the rollback: %+v, %v; want seq 3", m, err)
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, m.Body)
	}
	if len(bodies) != 3 || bodies[2] != "3" {
		t.Errorf("stored messages %q, want 1, 2, 3", bodies)
	}

	if _, _, err := s.EndConversation(ctx, c.ID, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, err = add("after the end")
	if parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("message after the end: %v, want a conflict", err)
	}
}

// TestResendsKnownFromMemory checks how the writer tells a resend from a new message
// without an index of keys: a key is recognized however many messages came after it and
// after the store was reopened (the keys are read back from the messages); a key whose
// hash the writer holds but that no message has (another key with the same hash) is a
// new message; the count that bounds the writer's memory matches what it holds.
func TestResendsKnownFromMemory(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	s, c := openWithConversation(t, path)
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}
	send := func(s *Store, key string) (*parley.Message, bool) {
		t.Helper()
		m, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: visitor, Body: "body of " + key, ClientID: key})
		if err != nil {
			t.Fatalf("send %s: %v", key, err)
		}
		return m, created
	}
	first, _ := send(s, "k1")
	for i := range 300 {
		send(s, fmt.Sprint("other-", i))
	}
	if m, created := send(s, "k1"); created || m.Seq != first.Seq || m.Body != "body of k1" {
		t.Errorf("resend after 300 messages: seq %d, created %v; want the stored seq %d", m.Seq, created, first.Seq)
	}

	s.wmu.Lock()
	lc, ok := s.live.get(c.ID)
	if ok && lc.sent != nil {
		s.live.addSent(lc, sentKey(parley.AuthorVisitor, "fresh")) // as if another key had its hash
	}
	s.wmu.Unlock()
	if !ok || lc.sent == nil {
		t.Fatal("the writer does not remember the conversation's keys")
	}
	if m, created := send(s, "fresh"); !created || m.Seq != first.Seq+301 {
		t.Errorf("new key whose hash is held: seq %d, created %v; want a new message at seq %d", m.Seq, created, first.Seq+301)
	}
	s.wmu.Lock()
	held := 0
	for _, lc := range s.live.m {
		held += len(lc.sent)
	}
	if s.live.keys != held || held != 302 {
		t.Errorf("the writer counts %d keys, holds %d; want 302", s.live.keys, held)
	}
	s.wmu.Unlock()

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if m, created := send(s2, "k1"); created || m.Seq != first.Seq {
		t.Errorf("resend after reopening: seq %d, created %v; want the stored seq %d", m.Seq, created, first.Seq)
	}
	if m, created := send(s2, "k2"); !created || m.Seq != first.Seq+302 {
		t.Errorf("new key after reopening: seq %d, created %v; want seq %d", m.Seq, created, first.Seq+302)
	}
}

// openWithConversation opens a store at path with one queued conversation, its first
// message at seq 1, and closes the store when the test ends.
func openWithConversation(t *testing.T, path string) (*Store, *parley.Conversation) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ch := &parley.Channel{Name: "Website"}
	if err := s.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	v := &parley.Visitor{Name: "Vi"}
	if err := s.CreateVisitor(ctx, v, []byte("token")); err != nil {
		t.Fatal(err)
	}
	c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "1"},
		func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{} })
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}
