package chat_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// A conversation transferred on one server changes hands on the other too: the operator
// who handed it over can no longer write in it there, and the visitor's next message,
// sent through the other server, reaches the new operator, not the old one.
func TestTransferReachesTheOtherServers(t *testing.T) {
	ctx := context.Background()
	s := mustServers(t)
	ch := s.mustChannel(t)
	alice, bob := s.mustOperator(t, "alice"), s.mustOperator(t, "bob")
	for _, op := range []*parley.User{alice, bob} {
		if _, err := s.a.JoinChannel(ctx, op, ch); err != nil {
			t.Fatal(err)
		}
		s.a.ConsoleOpened(ctx, op.ID)
	}
	var mu sync.Mutex
	got := map[int64][]string{} // operator → bodies of the messages they were sent
	for _, op := range []*parley.User{alice, bob} {
		cancel, err := s.bus.Subscribe(parley.UserTopic(op.ID), func(b []byte) {
			var ev parley.Event
			json.Unmarshal(b, &ev)
			if ev.Type == parley.EventMessage {
				mu.Lock()
				got[op.ID] = append(got[op.ID], ev.Message.Body)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cancel)
	}

	st, err := s.a.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	id := st.Conversation.ID
	if st.Conversation.Operator == nil || st.Conversation.Operator.Name != "alice" {
		t.Fatalf("started: %+v, want alice's", st.Conversation)
	}
	// Server B learns the conversation's parties: Alice writes there, the visitor too.
	if _, _, err := s.b.SendOperatorMessage(ctx, alice, id, "Hi, Alice here", ""); err != nil {
		t.Fatal(err)
	}
	v, err := s.b.AuthenticateVisitor(ctx, st.VisitorToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.b.SendVisitorMessage(ctx, v, id, "Before", ""); err != nil {
		t.Fatal(err)
	}

	moved, err := s.a.Transfer(ctx, alice, id, chat.TransferTo{OperatorID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	if moved.Operator == nil || moved.Operator.ID != bob.ID {
		t.Fatalf("transferred: %+v, want bob's", moved)
	}
	if _, _, err := s.b.SendOperatorMessage(ctx, alice, id, "Still me?", ""); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("Alice writes on the other server after the transfer: %v, want EFORBIDDEN", err)
	}
	if _, _, err := s.b.SendVisitorMessage(ctx, v, id, "After", ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"Hello", "Hi, Alice here", "Before"}; !slices.Equal(got[alice.ID], want) {
		t.Errorf("Alice was sent %q, want %q", got[alice.ID], want)
	}
	if want := []string{"bob joined the conversation.", "After"}; !slices.Equal(got[bob.ID], want) {
		t.Errorf("Bob was sent %q, want %q", got[bob.ID], want)
	}
}
