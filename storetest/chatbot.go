package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// chatbotTests are the contract of chatbot scripts and of the exchange a start stores
// (parley.ChatbotStore, NewConversation.Chatbot).
var chatbotTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"ChatbotScript", testChatbotScript},
	{"ChatbotStart", testChatbotStart},
}

// testChatbotScript: a channel starts without a script; a script keeps its steps, choices
// and routes; another channel is untouched; a delete forgets it; an unknown channel is
// ENOTFOUND everywhere.
func testChatbotScript(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 0)

	got, err := s.ChatbotScript(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || got.Steps == nil || len(got.Steps) != 0 || got.Active() {
		t.Fatalf("a new channel's script = %+v; want none, disabled", got)
	}
	script := &parley.ChatbotScript{Enabled: true, Steps: []parley.ScriptStep{
		{ID: "hello", Kind: parley.StepMessage, Text: "Hello! I am the bot.", Action: parley.ScriptNext},
		{ID: "topic", Kind: parley.StepChoice, Text: "What is it about?", Choices: []parley.ScriptChoice{
			{Label: "Sales", Action: parley.ScriptNext, Next: "email"},
			{Label: "Nothing", Action: parley.ScriptEnd, Closing: "Goodbye!"},
			{Label: "Support", Action: parley.ScriptHandOver},
		}},
		{ID: "email", Kind: parley.StepQuestion, Text: "Your email?", Answer: parley.AnswerEmail, Action: parley.ScriptHandOver, ChannelID: sales.ID},
	}}
	if err := s.SetChatbotScript(ctx, ch.ID, script); err != nil {
		t.Fatal(err)
	}
	if got, err = s.ChatbotScript(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, script) {
		t.Errorf("script = %+v, want %+v", got, script)
	}
	off := &parley.ChatbotScript{Enabled: false, Steps: script.Steps[:1]}
	if err := s.SetChatbotScript(ctx, ch.ID, off); err != nil {
		t.Fatal(err)
	}
	if got, err = s.ChatbotScript(ctx, ch.ID); err != nil || !reflect.DeepEqual(got, off) || got.Active() {
		t.Errorf("replaced script = %+v, %v; want %+v, not active", got, err, off)
	}
	if o, err := s.ChatbotScript(ctx, sales.ID); err != nil || o.Enabled || len(o.Steps) != 0 {
		t.Errorf("another channel's script = %+v, %v; want none", o, err)
	}
	if err := s.DeleteChatbotScript(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = s.ChatbotScript(ctx, ch.ID); err != nil || got.Enabled || len(got.Steps) != 0 {
		t.Errorf("after delete: %+v, %v; want none", got, err)
	}
	if err := s.DeleteChatbotScript(ctx, ch.ID); err != nil {
		t.Errorf("deleting no script: %v", err)
	}

	const unknown = 999_999
	if _, err := s.ChatbotScript(ctx, unknown); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ChatbotScript(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.SetChatbotScript(ctx, unknown, script); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("SetChatbotScript(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.DeleteChatbotScript(ctx, unknown); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("DeleteChatbotScript(unknown) = %v, want ENOTFOUND", err)
	}
	if _, err := s.ChatbotAnswers(ctx, unknown); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ChatbotAnswers(unknown) = %v, want ENOTFOUND", err)
	}
}

// testChatbotStart: a start with the bot's exchange stores it as the opening messages,
// the bot's named as given, then the first message; the answers list each question
// with its answer, the first message too when it answered; a start resent, with the
// visitor's token or without (a replay), finds the same conversation; the bot's words
// are searched like the others; a start without a bot has no answers.
func testChatbotStart(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "olga")
	mustJoin(t, s, ch.ID, op.ID)
	v := mustVisitor(t, s, "Vera")
	x := &parley.ChatbotExchange{BotName: "Website", Lines: []parley.ScriptLine{
		{Bot: true, Text: "Hello! I am the bot."},
		{Bot: true, Text: "What is it about?"},
		{Text: "Sales", Question: "What is it about?"},
		{Bot: true, Text: "Your email?"},
	}, BodyQuestion: "Your email?"}
	nc := parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "vera@example.com", ClientID: "bot-start-1", Chatbot: x, Now: t0}
	c, first, created, err := s.StartConversation(ctx, nc, pick(op.ID))
	if err != nil || !created {
		t.Fatalf("start: created %v, err %v", created, err)
	}
	if first.Seq != 5 || first.Author.Kind != parley.AuthorVisitor || first.Body != "vera@example.com" || c.LastSeq != 5 || c.OperatorID != op.ID {
		t.Fatalf("first message %+v, conversation last seq %d operator %d; want seq 5 by the visitor, assigned", first, c.LastSeq, c.OperatorID)
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		kind       parley.AuthorKind
		name, body string
	}
	var got []line
	for _, m := range msgs {
		got = append(got, line{m.Author.Kind, m.Author.Name, m.Body})
	}
	want := []line{
		{parley.AuthorBot, "Website", "Hello! I am the bot."},
		{parley.AuthorBot, "Website", "What is it about?"},
		{parley.AuthorVisitor, "Vera", "Sales"},
		{parley.AuthorBot, "Website", "Your email?"},
		{parley.AuthorVisitor, "Vera", "vera@example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("messages = %+v, want %+v", got, want)
	}
	answers, err := s.ChatbotAnswers(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantAnswers := []parley.ChatbotAnswer{
		{Seq: 3, Question: "What is it about?", Answer: "Sales"},
		{Seq: 5, Question: "Your email?", Answer: "vera@example.com"},
	}
	if !reflect.DeepEqual(answers, wantAnswers) {
		t.Errorf("answers = %+v, want %+v", answers, wantAnswers)
	}

	// The same start again (the answer was lost) finds it.
	again, firstAgain, created, err := s.StartConversation(ctx, nc, pick(op.ID))
	if err != nil || created || again.ID != c.ID || firstAgain.Seq != 5 {
		t.Fatalf("start resent: conversation %d (want %d), first %+v, created %v, err %v", again.ID, c.ID, firstAgain, created, err)
	}

	// Without a token, within the replay window: the same conversation, not a new visitor's.
	const key = "0123456789abcdef0123456789abcdef"
	tokenless := func(hash string, now time.Time) (*parley.Conversation, *parley.Message, bool) {
		t.Helper()
		c, m, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, NewVisitor: &parley.Visitor{CreatedAt: now},
			VisitorTokenHash: []byte(hash), Language: "en", Body: "Hi there", ClientID: key, Chatbot: x, Now: now,
			ReplaySince: now.Add(-2 * time.Minute)}, pick(op.ID))
		if err != nil {
			t.Fatalf("tokenless start %s: %v", hash, err)
		}
		return c, m, created
	}
	c1, m1, created := tokenless("bot-hash-1", t0)
	if !created || m1.Seq != 5 {
		t.Fatalf("tokenless start: created %v, first %+v", created, m1)
	}
	c2, m2, created := tokenless("bot-hash-2", t0.Add(time.Minute))
	if created || c2.ID != c1.ID || m2.Seq != 5 || m2.ClientID != key {
		t.Fatalf("replayed start: created %v, conversation %d (want %d), first %+v", created, c2.ID, c1.ID, m2)
	}

	// The bot's words are found by a search.
	found, err := s.SearchConversations(ctx, parley.SearchQuery{Words: words(t, "bot"), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 || found[0].Message == nil || found[0].Message.Author.Kind != parley.AuthorBot {
		t.Errorf("search for the bot's words found %+v", found)
	}

	plain, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "Hi", Now: t0}, pick(op.ID))
	if a, err := s.ChatbotAnswers(ctx, plain.ID); err != nil || a == nil || len(a) != 0 {
		t.Errorf("answers of a conversation without a bot = %+v, %v; want none", a, err)
	}
}
