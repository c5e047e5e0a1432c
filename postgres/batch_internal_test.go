package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

// TestBatchDecidesEachMessage stores one batch that holds every outcome a message can
// have, in an order that mixes them, as a burst of senders could: each message gets its
// own answer, the accepted ones take their conversation's next numbers in the batch's
// order, and the refused ones leave no trace. It runs with no webhook, then with one that
// wants messages (the accepted messages, and only they, go to its outbox).
func TestBatchDecidesEachMessage(t *testing.T) {
	for _, hooked := range []bool{false, true} {
		name := "no webhook"
		if hooked {
			name = "a webhook wants messages"
		}
		t.Run(name, func(t *testing.T) { testBatchOutcomes(t, hooked) })
	}
}

func testBatchOutcomes(t *testing.T, hooked bool) {
	ctx := t.Context()
	s := openStore(t)
	if hooked {
		if err := s.CreateWebhook(ctx, &parley.Webhook{URL: "https://hooks.example/parley", Events: []string{"message"}, Enabled: true, Secret: "s3cret-s3cret"}); err != nil {
			t.Fatal(err)
		}
	}
	ch := &parley.Channel{Name: "Website"}
	if err := s.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	op := &parley.User{Login: "op", Name: "Op", Role: parley.RoleOperator}
	if err := s.CreateUser(ctx, op, "x"); err != nil {
		t.Fatal(err)
	}
	queue := func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{} }
	start := func() *parley.Conversation {
		v := &parley.Visitor{}
		if err := s.CreateVisitor(ctx, v, []byte(time.Now().String())); err != nil {
			t.Fatal(err)
		}
		c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hi", Now: time.Now()}, queue)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, ended := start(), start(), start()
	if _, _, err := s.EndConversation(ctx, ended.ID, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	fileA, fileB := &parley.File{ConversationID: a.ID, Name: "a.txt"}, &parley.File{ConversationID: b.ID, Name: "b.txt"}
	for _, f := range []*parley.File{fileA, fileB} {
		if err := s.CreateFile(ctx, f, []byte("hello")); err != nil {
			t.Fatal(err)
		}
	}
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "V"}
	before, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "before", ClientID: "k-before", FileID: fileA.ID})
	if err != nil {
		t.Fatal(err)
	}
	var hooksBefore int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE event = 'message'`).Scan(&hooksBefore); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Op", ID: op.ID}
	cases := []struct {
		name    string
		ctx     context.Context
		nm      parley.NewMessage
		seq     int64  // the answer's seq (0: refused)
		created bool   // stored by this batch
		code    string // the refusal's code
	}{
		{"first in a", ctx, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "a1", ClientID: "k1"}, 3, true, ""},
		{"unknown conversation", ctx, parley.NewMessage{ConversationID: ended.ID + 100, Author: visitor, Body: "?"}, 0, false, parley.ENOTFOUND},
		{"first in b", ctx, parley.NewMessage{ConversationID: b.ID, Author: operator, Body: "b1", ClientID: "k1"}, 2, true, ""},
		{"sent again in the batch", ctx, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "a1", ClientID: "k1"}, 3, false, ""},
		{"stored before", ctx, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "before", ClientID: "k-before"}, before.Seq, false, ""},
		{"ended", ctx, parley.NewMessage{ConversationID: ended.ID, Author: visitor, Body: "late", ClientID: "k-late"}, 0, false, parley.ECONFLICT},
		{"ended, again", ctx, parley.NewMessage{ConversationID: ended.ID, Author: visitor, Body: "late", ClientID: "k-late"}, 0, false, parley.ECONFLICT},
		{"unknown author", ctx, parley.NewMessage{ConversationID: b.ID, Author: parley.Author{Kind: parley.AuthorOperator, Name: "G", ID: op.ID + 100}, Body: "boo"}, 0, false, parley.ENOTFOUND},
		{"another conversation's file", ctx, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "f", FileID: fileB.ID}, 0, false, parley.EINVALID},
		{"unknown author kind", ctx, parley.NewMessage{ConversationID: a.ID, Author: parley.Author{Kind: "robot"}, Body: "beep"}, 0, false, parley.EINVALID},
		{"sender gone", gone, parley.NewMessage{ConversationID: a.ID, Author: visitor, Body: "bye"}, 0, false, ""},
		{"second in a, with its file", ctx, parley.NewMessage{ConversationID: a.ID, Author: operator, Body: "a2", FileID: fileA.ID}, 4, true, ""},
		{"second in b", ctx, parley.NewMessage{ConversationID: b.ID, Author: visitor, Body: "b2", ClientID: "k1"}, 3, true, ""},
	}
	batch := make([]*groupcommit.Request, len(cases))
	for i, tc := range cases {
		tc.nm.Now = at.Add(time.Duration(i) * time.Millisecond)
		batch[i] = &groupcommit.Request{Ctx: tc.ctx, Message: tc.nm}
	}
	results := make([]groupcommit.Result, len(batch))
	s.addBatch(batch, results)

	for i, tc := range cases {
		r := results[i]
		switch {
		case tc.name == "sender gone":
			if r.Err == nil || r.Message != nil {
				t.Errorf("%s: %+v, want the sender's error", tc.name, r)
			}
		case tc.code != "":
			if parley.ErrorCode(r.Err) != tc.code || r.Message != nil {
				t.Errorf("%s: %+v, want %s", tc.name, r, tc.code)
			}
		case r.Err != nil:
			t.Errorf("%s: %v", tc.name, r.Err)
		case r.Message.Seq != tc.seq || r.Created != tc.created || r.Message.ConversationID != tc.nm.ConversationID || r.Message.Body != tc.nm.Body:
			t.Errorf("%s: seq %d in %d %q (created %v), want seq %d in %d %q (created %v)", tc.name,
				r.Message.Seq, r.Message.ConversationID, r.Message.Body, r.Created, tc.seq, tc.nm.ConversationID, tc.nm.Body, tc.created)
		}
	}
	if r := results[3]; r.Err == nil && r.Message != results[0].Message {
		t.Errorf("the message sent twice in a batch is answered with %+v, want the first's", r.Message)
	}
	if r := results[4]; r.Err == nil && (r.Message.Attachment == nil || r.Message.Attachment.ID != fileA.ID || !r.Message.CreatedAt.Equal(before.CreatedAt)) {
		t.Errorf("the resend of a stored message is answered with %+v, want it as stored (%+v)", r.Message, before)
	}
	if r := results[11]; r.Err == nil && (r.Message.Attachment == nil || r.Message.Attachment.Name != "a.txt" || r.Message.Attachment.Size != 5) {
		t.Errorf("the message with a file shows %+v", r.Message.Attachment)
	}

	// What is stored is what was answered, and nothing else.
	for _, c := range []struct {
		conv   *parley.Conversation
		bodies []string
		lastAt time.Time
	}{
		{a, []string{"Hi", "before", "a1", "a2"}, at.Add(11 * time.Millisecond)},
		{b, []string{"Hi", "b1", "b2"}, at.Add(12 * time.Millisecond)},
		{ended, []string{"Hi"}, time.Time{}},
	} {
		msgs, err := s.Messages(ctx, c.conv.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Errorf("conversation %d: message %d has seq %d", c.conv.ID, i, m.Seq)
			}
			bodies = append(bodies, m.Body)
		}
		if c.conv == ended {
			if len(msgs) != 1 {
				t.Errorf("the ended conversation holds %q, want its first message only", bodies)
			}
			continue
		}
		if len(bodies) != len(c.bodies) || bodies[len(bodies)-1] != c.bodies[len(c.bodies)-1] || bodies[len(bodies)-2] != c.bodies[len(c.bodies)-2] {
			t.Errorf("conversation %d holds %q, want %q", c.conv.ID, bodies, c.bodies)
		}
		got, err := s.Conversation(ctx, c.conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastSeq != int64(len(msgs)) || !got.LastMessageAt.Equal(c.lastAt) {
			t.Errorf("conversation %d: last seq %d at %v, want %d at %v", c.conv.ID, got.LastSeq, got.LastMessageAt, len(msgs), c.lastAt)
		}
	}
	var hooks int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE event = 'message'`).Scan(&hooks); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{false: 0, true: 4}[hooked]; hooks-hooksBefore != want {
		t.Errorf("%d messages put in the webhooks' outbox, want %d", hooks-hooksBefore, want)
	}
}
