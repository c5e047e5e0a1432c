package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// JSON that encoding/json would read one way and a proxy, a log reader or another
// service another is refused: a name given twice (at any depth), a name in another case,
// an escaped lone surrogate. Each refusal is a 400 EINVALID naming the problem, and
// changes nothing.
func TestAmbiguousJSONIsRefused(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello"}).object(t)
	visitor, _ := started["visitor_token"].(string)
	conv := num(path(started, "conversation", "id"))
	messages := fmt.Sprintf("/api/conversations/%d/messages", conv)

	tests := []struct {
		name, method, path, token, body string
		message                         string // the error message
	}{
		{"duplicate role: a checker reads the first, encoding/json the last", "POST", "/api/users", admin,
			`{"login":"eve","password":"password-eve","name":"Eve","role":"operator","role":"admin"}`, `Field "role" appears more than once.`},
		{"duplicate chat name", "PATCH", "/api/me/preferences", alice, `{"chat_name":"Alice","chat_name":"Admin"}`, `Field "chat_name" appears more than once.`},
		{"duplicate body", "POST", messages, alice, `{"body":"Hello","body":"Goodbye"}`, `Field "body" appears more than once.`},
		{"duplicate name deep in a value", "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin,
			`{"allowed_origins":[{"o":{"x":1,"x":2}}]}`, `Field "allowed_origins.0.o.x" appears more than once.`},
		{"duplicate in a visitor's start", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "",
			`{"body":"Hi","visitor_name":"Ann","visitor_name":"Support team"}`, `Field "visitor_name" appears more than once.`},
		{"role in upper case", "POST", "/api/users", admin,
			`{"login":"eve","password":"password-eve","name":"Eve","ROLE":"admin"}`, `Unknown field "ROLE".`},
		{"chat name in upper case after the exact one", "PATCH", "/api/me/preferences", alice, `{"chat_name":"Alice","CHAT_NAME":"Admin"}`, `Unknown field "CHAT_NAME".`},
		{"body in mixed case", "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, `{"Body":"Hi"}`, `Unknown field "Body".`},
		{"lone high surrogate", "POST", messages, alice, `{"body":"\ud800"}`, `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"lone low surrogate in a name", "PATCH", "/api/me/preferences", alice, `{"chat_name":"Al\udfffice"}`, `Field "chat_name" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"surrogates in the wrong order", "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, `{"body":"\ude00\ud83d"}`, `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
	}
	before := s.snapshot(t, admin, alice, visitor, conv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != 400 || r.errorCode(t) != "EINVALID" || errorMessage(t, r) != tc.message {
				t.Fatalf("status %d %s, want 400 EINVALID %q", r.Status, r.Body, tc.message)
			}
		})
	}
	if after := s.snapshot(t, admin, alice, visitor, conv); after != before {
		t.Fatalf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}

	// The same JSON, unambiguous, is accepted: an escaped surrogate pair is one character.
	s.must(t, 201, "POST", messages, alice, `{"body":"\ud83d\ude00"}`)
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "😀" })
	if got := s.must(t, 200, "PATCH", "/api/me/preferences", alice, `{"chat_name":"Alice B."}`).object(t)["chat_name"]; got != "Alice B." {
		t.Fatalf("chat name = %v", got)
	}

	// WebSocket frames follow the same rules; the refusal is an error frame, and nothing
	// is stored.
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	for _, f := range []struct{ frame, message string }{
		{fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"Hi","body":"Bye","client_id":"v-1"}`, conv), `Field "body" appears more than once.`},
		{fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"Hi","client_id":"v-2","Body":"Bye"}`, conv), `Unknown field "Body".`},
		{fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"\udbff","client_id":"v-3"}`, conv), `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{fmt.Sprintf(`{"type":"typing","conversation_id":%d,"conversation_id":%d}`, conv, conv+1), `Field "conversation_id" appears more than once.`},
	} {
		visitorWS.sendRaw(t, f.frame)
		if ev := visitorWS.expect(t, "error", nil); path(ev, "error", "code") != "EINVALID" || path(ev, "error", "message") != f.message {
			t.Fatalf("frame %s answered %v, want EINVALID %q", f.frame, ev, f.message)
		}
	}
	aliceWS.quiet(t, "message", 200*time.Millisecond)
	var msgs []map[string]any
	s.must(t, 200, "GET", messages, alice, nil).decode(t, &msgs)
	if len(msgs) != 2 || msgs[1]["body"] != "😀" {
		t.Fatalf("stored messages = %v", msgs)
	}
}

// Message bodies need a visible character, and names and texts refuse the characters
// that a terminal, a log reader or the bidirectional algorithm would obey: control
// characters (NUL, ESC starting ANSI escape sequences, C1 controls) and bidirectional
// overrides and isolates everywhere; line breaks, tabs and bidirectional marks in
// one-line names too. Texts that may span lines keep their line breaks and tabs.
func TestInvisibleAndControlCharactersAreRefused(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	start := func() (string, int64) {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello"}).object(t)
		return out["visitor_token"].(string), num(path(out, "conversation", "id"))
	}
	visitor, conv := start()
	endedVisitor, ended := start()
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", ended), alice, nil)
	messages := fmt.Sprintf("/api/conversations/%d/messages", conv)
	visitorMessages := fmt.Sprintf("/livechat/conversations/%d/messages", conv)
	startPath := fmt.Sprintf("/livechat/channels/%d/conversations", ch)
	offline := fmt.Sprintf("/livechat/channels/%d/offline-messages", ch)
	rating := fmt.Sprintf("/livechat/conversations/%d/rating", ended)
	channel := fmt.Sprintf("/api/channels/%d", ch)
	newUser := func(field, value string) map[string]any {
		u := map[string]any{"login": "eve", "password": "password-eve", "name": "Eve"}
		u[field] = value
		return u
	}

	const noVisible = "Message body has no visible character."
	tests := []struct {
		name, method, path, token string
		body                      any
		message                   string // the error message
	}{
		{"zero-width spaces", "POST", messages, alice, map[string]string{"body": "\u200b\u200b\u200b"}, noVisible},
		{"word joiner and byte order mark", "POST", visitorMessages, visitor, map[string]string{"body": "\u2060\ufeff"}, noVisible},
		{"Hangul fillers", "POST", messages, alice, map[string]string{"body": "\u3164 \u115f\u1160\uffa0"}, noVisible},
		{"braille blank", "POST", visitorMessages, visitor, map[string]string{"body": "\u2800\u2800"}, noVisible},
		{"format characters", "POST", messages, alice, map[string]string{"body": "\u00ad\u180e\u2063\U000e0041"}, noVisible},
		{"combining marks alone", "POST", messages, alice, map[string]string{"body": "\u0301\u0308\u20dd"}, noVisible},
		{"invisible first message", "POST", startPath, "", map[string]string{"body": "\u200b\n\u3164"}, noVisible},
		{"invisible offline message", "POST", offline, "", map[string]string{"name": "Ann", "email": "ann@example.com", "body": "\u2800"}, noVisible},
		{"ideographic spaces", "POST", messages, alice, map[string]string{"body": "\u3000\u3000"}, "Message body is empty."},

		{"NUL in a message", "POST", messages, alice, map[string]string{"body": "hi\x00there"}, "Message body contains a NUL character (U+0000)."},
		{"ANSI escape in a message", "POST", visitorMessages, visitor, map[string]string{"body": "\x1b[2J\x1b[31mYour account is locked"}, "Message body contains an escape character (U+001B), which starts terminal escape sequences."},
		{"C1 control in a message", "POST", messages, alice, map[string]string{"body": "x\u009b2J"}, "Message body contains the control character U+009B."},
		{"backspaces in a message", "POST", startPath, "", map[string]string{"body": "refund\b\b\b\b\b\bnothing"}, "Message body contains the control character U+0008."},
		{"override in a message", "POST", visitorMessages, visitor, map[string]string{"body": "see invoice_\u202efdp.exe"}, "Message body contains the bidirectional control U+202E, which can change the order in which text is shown."},
		{"isolate in an offline message", "POST", offline, "", map[string]string{"name": "Ann", "email": "ann@example.com", "body": "call \u2067me\u2069"}, "Message body contains the bidirectional control U+2067, which can change the order in which text is shown."},

		{"ESC in a user's name", "POST", "/api/users", admin, newUser("name", "Eve\x1b[8m"), "Name contains an escape character (U+001B), which starts terminal escape sequences."},
		{"override in a user's chat name", "POST", "/api/users", admin, newUser("chat_name", "\u202enimdA"), "Chat name contains the bidirectional control U+202E, which can change the order in which text is shown."},
		{"invisible chat name", "POST", "/api/users", admin, newUser("chat_name", "\u3164"), "Chat name has no visible character."},
		{"line break in an online chat name", "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": "Alice\nAdmin: reset your password"}, "Online chat name must be on one line (it contains the line break U+000A)."},
		{"right-to-left mark in an online chat name", "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": "Alice\u200f"}, "Online chat name contains the bidirectional control U+200F, which can change the order in which text is shown."},
		{"NUL in a channel name", "PATCH", channel, admin, map[string]string{"name": "Sales\x00"}, "Channel name contains a NUL character (U+0000)."},
		{"tab in a button text", "PATCH", channel, admin, map[string]string{"button_text": "Chat\twith us"}, "Button text contains the control character U+0009."},
		{"isolate in a button text", "PATCH", channel, admin, map[string]string{"button_text": "\u2066Chat\u2069"}, "Button text contains the bidirectional control U+2066, which can change the order in which text is shown."},
		{"ESC in a welcome message", "PATCH", channel, admin, map[string]string{"welcome_message": "Hi!\x1b]8;;https://evil.example\x07"}, "Welcome message contains an escape character (U+001B), which starts terminal escape sequences."},
		{"new channel with an invisible name", "POST", "/api/channels", admin, map[string]string{"name": "\u200b"}, "Channel name has no visible character."},
		{"ESC in a visitor name", "POST", startPath, "", map[string]string{"body": "Hi", "visitor_name": "\x1b[1mSupport"}, "Visitor name contains an escape character (U+001B), which starts terminal escape sequences."},
		{"line break in a visitor name", "POST", startPath, "", map[string]string{"body": "Hi", "visitor_name": "Ann\r\nOperator"}, "Visitor name must be on one line (it contains the line break U+000D)."},
		{"invisible visitor name", "POST", startPath, "", map[string]string{"body": "Hi", "visitor_name": "\u2800"}, "Visitor name has no visible character."},
		{"override in an offline message's name", "POST", offline, "", map[string]string{"name": "Ann\u202d", "email": "ann@example.com", "body": "call me"}, "Name contains the bidirectional control U+202D, which can change the order in which text is shown."},
		{"NUL in a comment", "POST", rating, endedVisitor, map[string]any{"score": 5, "comment": "great\x00"}, "Comment contains a NUL character (U+0000)."},
		{"invisible comment", "POST", rating, endedVisitor, map[string]any{"score": 5, "comment": "\u200b"}, "Comment has no visible character."},
	}
	before := s.snapshot(t, admin, alice, visitor, conv)
	offlineBefore := s.must(t, 200, "GET", "/api/offline-messages", admin, nil).Body
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != 400 || r.errorCode(t) != "EINVALID" || errorMessage(t, r) != tc.message {
				t.Fatalf("status %d %s, want 400 EINVALID %q", r.Status, r.Body, tc.message)
			}
		})
	}
	if after := s.snapshot(t, admin, alice, visitor, conv); after != before {
		t.Fatalf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
	if after := s.must(t, 200, "GET", "/api/offline-messages", admin, nil).Body; string(after) != string(offlineBefore) {
		t.Fatalf("refused offline messages were stored: %s", after)
	}

	// Over the WebSocket too.
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	for i, body := range []string{"\u200b\u3164", "\x1b[31mred", "abc\u202e"} {
		visitorWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": body, "client_id": fmt.Sprintf("v-%d", i)})
		if ev := visitorWS.expect(t, "error", nil); path(ev, "error", "code") != "EINVALID" {
			t.Fatalf("frame with body %q answered %v", body, ev)
		}
	}

	// What people write is still accepted: line breaks and tabs in texts, marks of
	// mixed-direction text, accents, joined emoji, a zero-width space beside a letter.
	for _, body := range []string{"Line one\r\nline two\n\tindented", "\u05e9\u05dc\u05d5\u05dd 123\u200f!", "Zoe\u0308 \U0001f468\u200d\U0001f469\u200d\U0001f467", "\u200bok", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"} {
		s.must(t, 201, "POST", messages, alice, map[string]string{"body": body})
	}
	s.must(t, 200, "PATCH", channel, admin, map[string]string{"name": "Ventes Zoë", "button_text": "Écrivez-nous", "welcome_message": "Bonjour !\n\nPosez votre question.\tMerci."})
	s.must(t, 200, "POST", rating, endedVisitor, map[string]any{"score": 5, "comment": "Quick.\nThanks!"})
	s.must(t, 201, "POST", startPath, "", map[string]string{"body": "Hi", "visitor_name": "\u05e9\u05e8\u05d4 Cohen"})
	if got := s.must(t, 200, "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": "Zoë"}).object(t)["chat_name"]; got != "Zoë" {
		t.Fatalf("chat name = %v", got)
	}
}

// errorMessage is the message of an error answer.
func errorMessage(tb testing.TB, r response) string {
	tb.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	r.decode(tb, &e)
	return e.Error.Message
}

// sendRaw sends a frame as it is, for JSON that json.Marshal would not write.
func (c *wsClient) sendRaw(tb testing.TB, frame string) {
	tb.Helper()
	if err := c.conn.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		tb.Fatalf("write frame: %v", err)
	}
}
