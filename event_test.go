package parley_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// FuzzEncodeEvent checks that EncodeEvent writes every kind of event exactly as
// encoding/json does (the clients read what API.md describes, whichever encoder wrote
// it): the same bytes, or an error from both, whatever the strings, numbers and times.
func FuzzEncodeEvent(f *testing.F) {
	for _, s := range []string{"", "Bonjour !", "<script>alert('&')</script>", "\u2028\u2029", "é😀",
		"\x00\x1f\"\\/\t\n", "\xff\xfe", "a\u007fb", "\ufeff"} {
		f.Add(s, int64(1764115200123456), false)
	}
	f.Add("x", int64(-62135596800000000), true) // year 1
	f.Add("x", int64(253402300799999999), true) // the last microsecond of 9999
	// Times come from the server's clock. Outside the years 1 to 9999 encoding/json
	// refuses a time and segmentio/encoding writes it: the fuzzed times are kept within.
	const firstMicro, lastMicro = -62135596800000000, 253402300799999999
	f.Fuzz(func(t *testing.T, s string, n int64, alt bool) {
		if n < firstMicro || n > lastMicro {
			n = firstMicro + int64(uint64(n)%uint64(lastMicro-firstMicro+1))
		}
		at := time.UnixMicro(n).UTC()
		if alt {
			at = at.In(time.FixedZone("", -(3*3600 + 30*60)))
		}
		msg := &parley.Message{ConversationID: n, Seq: n / 3, Author: parley.Author{Kind: parley.AuthorVisitor, Name: s, ID: n},
			Body: s, CreatedAt: at, ClientID: s}
		var endedAt *time.Time
		var rating *parley.Rating
		var last *parley.Message
		var operator *parley.OperatorRef
		var origins []string
		var ops []parley.ChannelOperator
		if alt {
			endedAt, rating, last = &at, &parley.Rating{Score: int(n % 6), Comment: s}, msg
			operator = &parley.OperatorRef{ID: n, ChatName: s}
			origins = []string{s, "https://example.com"}
			ops = []parley.ChannelOperator{{ID: n, ChatName: s, Name: s, Status: parley.StatusAway}}
		}
		events := []*parley.Event{
			{Type: parley.EventMessage, ConversationID: n, Message: msg},
			{Type: parley.EventConversation, Conversation: &parley.OperatorConversation{ID: n, ChannelID: n, Status: parley.StatusActive,
				Language: s, Visitor: parley.VisitorRef{Name: s}, Operator: operator, Unread: int(n % 7), LastMessage: last,
				QueuePosition: int(n % 3), PageURL: s, CreatedAt: at, EndedAt: endedAt, Rating: rating}},
			{Type: parley.EventConversation, Conversation: &parley.VisitorConversation{ID: n, Status: parley.StatusQueued,
				QueuePosition: int(n % 3), Language: s, Operator: &parley.VisitorOperator{Name: s}, CreatedAt: at, EndedAt: endedAt, Rating: rating}},
			{Type: parley.EventChannel, Channel: &parley.ChannelView{Channel: parley.Channel{ID: n, Name: s, ButtonText: s,
				WelcomeMessage: s, MaxOngoingPerOperator: int(n % 5), ButtonColor: s, AllowedOrigins: origins, CreatedAt: at},
				Joined: alt, Operators: ops}},
			{Type: parley.EventTyping, ConversationID: n, Name: s},
		}
		for _, ev := range events {
			want, wantErr := json.Marshal(ev)
			got, err := parley.EncodeEvent(ev)
			if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("%s event: EncodeEvent gave\n%s (%v)\nencoding/json gave\n%s (%v)", ev.Type, got, err, want, wantErr)
			}
		}
		// The operators' copy of an operator's message event.
		opMsg := *msg
		opMsg.Author.Kind = parley.AuthorOperator
		want, wantErr := json.Marshal(struct {
			Type           string                  `json:"type"`
			ConversationID int64                   `json:"conversation_id,omitempty"`
			Message        *parley.OperatorMessage `json:"message,omitempty"`
		}{parley.EventMessage, n, opMsg.ForOperator()})
		got, err := parley.EncodeOperatorEvent(&parley.Event{Type: parley.EventMessage, ConversationID: n, Message: &opMsg})
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("operator's message event: EncodeOperatorEvent gave\n%s (%v)\nencoding/json gave\n%s (%v)", got, err, want, wantErr)
		}
	})
}

// BenchmarkEncodeEvent encodes a message event, as every message stored is, with
// encoding/json and with EncodeEvent.
func BenchmarkEncodeEvent(b *testing.B) {
	ev := &parley.Event{Type: parley.EventMessage, ConversationID: 1234, Message: &parley.Message{ConversationID: 1234, Seq: 57,
		Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Visitor 12"}, Body: strings.Repeat("x", 64),
		CreatedAt: time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC), ClientID: "1tfs6ci.14.123456"}}
	for _, enc := range []struct {
		name string
		f    func(*parley.Event) ([]byte, error)
	}{{"encoding/json", func(ev *parley.Event) ([]byte, error) { return json.Marshal(ev) }}, {"EncodeEvent", parley.EncodeEvent}} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc.f(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An operator's message names its author's id to operators only: the visitor's bytes
// (EncodeEvent) have none, the operators' (EncodeOperatorEvent) have it, and every other
// event is the same bytes for both.
func TestEncodeOperatorEvent(t *testing.T) {
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	op := &parley.Message{ConversationID: 4, Seq: 2, Author: parley.Author{Kind: parley.AuthorOperator, Name: "Alex", ID: 7}, Body: "Hi", CreatedAt: at, ClientID: "k"}
	ev := &parley.Event{Type: parley.EventMessage, ConversationID: 4, Message: op}
	decode := func(b []byte) map[string]any {
		t.Helper()
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v["message"].(map[string]any)
	}
	forVisitor, _ := parley.EncodeEvent(ev)
	forOperator, _ := parley.EncodeOperatorEvent(ev)
	if a := decode(forVisitor)["author"].(map[string]any); a["id"] != nil || a["name"] != "Alex" {
		t.Errorf("the visitor's author: %v; want the name and no id", a)
	}
	m := decode(forOperator)
	if a := m["author"].(map[string]any); a["id"] != float64(7) || a["name"] != "Alex" || a["kind"] != "operator" {
		t.Errorf("the operators' author: %v; want id 7", a)
	}
	if m["seq"] != float64(2) || m["body"] != "Hi" || m["client_id"] != "k" || m["conversation_id"] != float64(4) || m["created_at"] != "2026-12-06T09:00:00Z" {
		t.Errorf("the operators' message: %v", m)
	}
	for _, kind := range []parley.AuthorKind{parley.AuthorVisitor, parley.AuthorSystem} {
		other := &parley.Event{Type: parley.EventMessage, ConversationID: 4, Message: &parley.Message{ConversationID: 4, Seq: 3, Author: parley.Author{Kind: kind, Name: "V"}, Body: "x", CreatedAt: at}}
		a, _ := parley.EncodeEvent(other)
		b, _ := parley.EncodeOperatorEvent(other)
		if !bytes.Equal(a, b) {
			t.Errorf("a %s message: operators get %s, visitors %s; want the same bytes", kind, b, a)
		}
	}
}
