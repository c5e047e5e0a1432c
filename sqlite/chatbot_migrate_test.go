package sqlite_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/sqlite"
)

// TestMigrateChatbot checks migration 29 on a database written by version 27: the
// messages table made again keeps every message, its first messages' keys (a start
// resent is still recognized) and its search triggers (a message stored before is found,
// and found by its new words once changed); a bot's message can then be stored; and going
// back down keeps the bot's words as system notices.
func TestMigrateChatbot(t *testing.T) {
	ctx := t.Context()
	path, db, p := mustDatabaseAt(t, 27)
	t0 := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, login, password_hash, name, role) VALUES (1, 'op', 'x', 'Olga', 'operator')`,
		`INSERT INTO channels (id, name, created_at) VALUES (1, 'Website', 0)`,
		`INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES (1, 1, 0)`,
		`INSERT INTO visitors (id, token_hash, name, created_at) VALUES (1, x'01', 'Vi', 0)`,
		`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at)
			VALUES (1, 1, 1, 1, 'active', 0, 0)`,
		`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id) VALUES
			(1, 1, 'visitor', NULL, 'Vi', 'Do you sell decaf?', 0, 'start-key'), (1, 2, 'operator', 1, 'Olga', 'We do', 0, NULL)`,
		// Stored by the store, which puts each message on the search index's pending list.
		`INSERT INTO message_search_pending (rowid) VALUES ((1 << 32) + 1), ((1 << 32) + 2)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, 1, 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Body != "Do you sell decaf?" || msgs[0].ClientID != "start-key" || msgs[1].Author.ID != 1 {
		t.Fatalf("messages after migrating: %+v, %v", msgs, err)
	}
	search := func(word string) int {
		t.Helper()
		w, err := parley.SearchWords(word)
		if err != nil {
			t.Fatal(err)
		}
		found, err := s.SearchConversations(ctx, parley.SearchQuery{Words: w, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(found)
	}
	if n := search("decaf"); n != 1 {
		t.Errorf("search for a message stored before migrating found %d conversations, want 1", n)
	}
	if _, err := db.ExecContext(ctx, `UPDATE messages SET body = 'Do you sell espresso?' WHERE conversation_id = 1 AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	if a, b := search("decaf"), search("espresso"); a != 0 || b != 1 {
		t.Errorf("after a change of its words, the search finds the old ones %d times and the new ones %d times; want 0 and 1", a, b)
	}
	again, first, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: 1, VisitorID: 1, Language: "en",
		Body: "Do you sell decaf?", ClientID: "start-key", Now: t0}, func(parley.AssignRequest, []parley.Candidate) parley.Routing {
		return parley.Routing{OperatorID: 1}
	})
	if err != nil || created || again.ID != 1 || first.Seq != 1 {
		t.Fatalf("a start resent after migrating: conversation %+v, first %+v, created %v, %v; want conversation 1", again, first, created, err)
	}
	bot := &parley.ChatbotExchange{BotName: "Website", Lines: []parley.ScriptLine{{Bot: true, Text: "Hello, I am the bot."}}}
	c, m, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: 1, VisitorID: 1, Language: "en",
		Body: "Hi", Chatbot: bot, Now: t0}, func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{OperatorID: 1} })
	if err != nil || !created || m.Seq != 2 {
		t.Fatalf("a start with the bot: %+v, %v, %v", m, created, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := p.DownTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	var kind, body string
	if err := db.QueryRowContext(ctx, `SELECT author_kind, body FROM messages WHERE conversation_id = ? AND seq = 1`, c.ID).Scan(&kind, &body); err != nil {
		t.Fatal(err)
	}
	if kind != "system" || body != "Hello, I am the bot." {
		t.Errorf("the bot's message after going back: %s %q; want a system notice with its words", kind, body)
	}
}
