package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// chatbotScript is the script of the chatbot tests: a greeting; a choice where Sales asks
// an email and hands over to the Sales channel, Support asks an order number and hands
// over here (the last step), and "Just looking" ends the chat.
func chatbotScript(sales int64) map[string]any {
	return map[string]any{"enabled": true, "steps": []any{
		map[string]any{"id": "hello", "kind": "message", "text": "Hello! I am the Website bot."},
		map[string]any{"id": "topic", "kind": "choice", "text": "What is it about?", "choices": []any{
			map[string]any{"label": "Sales", "action": "next", "next": "email"},
			map[string]any{"label": "Support", "action": "next", "next": "order"},
			map[string]any{"label": "Just looking", "action": "end", "closing": "Have a nice day!"},
		}},
		map[string]any{"id": "email", "kind": "question", "text": "Your email, please?", "answer": "email", "action": "hand_over", "channel_id": sales},
		map[string]any{"id": "order", "kind": "question", "text": "Your order number?"},
	}}
}

func scriptAnswer(step, key, value string) map[string]any {
	return map[string]any{"step": step, key: value}
}

// An admin saves a channel's chatbot script; it comes back tidied, the widget's status
// carries it while it is on, and it is gone when turned off or deleted; scripts with an
// unknown step, a hand-over to an unknown channel, an empty text, a loop without an exit
// or too many steps, or a hand-over to a channel that does not allow the websites this
// one allows, are refused with 400 naming the problem, and change nothing; each change is
// in the audit log.
func TestChatbotScriptAPI(t *testing.T) {
	onEveryStore(t, testChatbotScriptAPI)
}

func testChatbotScriptAPI(t *testing.T, s *testServer) {
	admin, _, ch, _ := s.mustAliceOnline(t)
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales"})
	scriptURL := fmt.Sprintf("/api/channels/%d/script", ch)

	var empty struct {
		Enabled bool  `json:"enabled"`
		Steps   []any `json:"steps"`
	}
	s.must(t, 200, "GET", scriptURL, admin, nil).decode(t, &empty)
	if empty.Enabled || empty.Steps == nil || len(empty.Steps) != 0 {
		t.Errorf("a new channel's script: %+v, want disabled without steps", empty)
	}
	if script := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)["script"]; script != nil {
		t.Errorf("the widget's status has script %v before one is saved", script)
	}

	saved := s.must(t, 200, "PUT", scriptURL, admin, chatbotScript(sales)).object(t)
	steps := saved["steps"].([]any)
	if len(steps) != 4 || path(steps[0], "action") != "next" || path(steps[3], "answer") != "text" {
		t.Errorf("saved script: %v; want 4 steps with default actions and answers", saved)
	}
	kept := string(s.must(t, 200, "GET", scriptURL, admin, nil).Body)
	widget := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if w := path(widget, "script", "steps"); w == nil || len(w.([]any)) != 4 {
		t.Errorf("the widget's status has script %v, want the 4 steps", widget["script"])
	}

	step := func(body map[string]any, i int) map[string]any { return body["steps"].([]any)[i].(map[string]any) }
	for _, tc := range []struct {
		name string
		edit func(body map[string]any)
		says string
	}{
		{"an unknown step", func(b map[string]any) { step(b, 1)["choices"].([]any)[0].(map[string]any)["next"] = "nowhere" }, `step "nowhere", which does not exist`},
		{"an unknown channel", func(b map[string]any) { step(b, 2)["channel_id"] = 99999 }, "channel 99999, which does not exist"},
		{"an empty text", func(b map[string]any) { step(b, 0)["text"] = " " }, `Step "hello"'s text is required`},
		{"a loop without an exit", func(b map[string]any) {
			b["steps"] = []any{
				map[string]any{"id": "topic", "kind": "choice", "text": "What is it about?", "choices": []any{map[string]any{"label": "Sales", "next": "round"}}},
				map[string]any{"id": "round", "kind": "message", "text": "Round", "next": "again"},
				map[string]any{"id": "again", "kind": "message", "text": "And round", "next": "round"},
			}
		}, "loop without an exit"},
		{"too many steps", func(b map[string]any) {
			var many []any
			for i := range 21 {
				many = append(many, map[string]any{"id": fmt.Sprintf("m%d", i), "kind": "message", "text": "Hi"})
			}
			b["steps"] = many
		}, "at most 20 steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := chatbotScript(sales)
			tc.edit(body)
			s.wantRefused(t, "PUT", scriptURL, admin, body, 400, "EINVALID", tc.says)
		})
	}
	if after := string(s.must(t, 200, "GET", scriptURL, admin, nil).Body); after != kept {
		t.Errorf("refused scripts changed it:\nbefore %s\nafter  %s", kept, after)
	}

	off := chatbotScript(sales)
	off["enabled"] = false
	s.must(t, 200, "PUT", scriptURL, admin, off)
	if script := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)["script"]; script != nil {
		t.Errorf("the widget's status has script %v turned off", script)
	}
	s.must(t, 204, "DELETE", scriptURL, admin, nil)
	s.must(t, 200, "GET", scriptURL, admin, nil).decode(t, &empty)
	if empty.Enabled || len(empty.Steps) != 0 {
		t.Errorf("after delete: %+v, want no script", empty)
	}
	s.wantRefused(t, "PUT", "/api/channels/99999/script", admin, chatbotScript(sales), 404, "ENOTFOUND", "")
	if n := len(s.auditLog(t, admin, "action=channel.chatbot")); n != 3 {
		t.Errorf("%d audit entries channel.chatbot, want 3 (two saves and a delete)", n)
	}

	// The visitor goes on chatting from the same website after the hand-over: the channel
	// handed over to must allow every website this one allows.
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", sales), admin, map[string]any{"allowed_origins": []string{"https://shop.example.com"}})
	s.wantRefused(t, "PUT", scriptURL, admin, chatbotScript(sales), 400, "EINVALID", "hands over to Sales, which allows only some websites")
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin, map[string]any{"allowed_origins": []string{"https://shop.example.com", "https://blog.example.com"}})
	s.wantRefused(t, "PUT", scriptURL, admin, chatbotScript(sales), 400, "EINVALID", "does not allow the website https://blog.example.com")
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin, map[string]any{"allowed_origins": []string{"https://shop.example.com"}})
	s.must(t, 200, "PUT", scriptURL, admin, chatbotScript(sales))
}

// A visitor's answers decide where the conversation starts: "Sales" with an email hands
// over to the Sales channel, whose operator gets it with the bot's exchange as its
// opening messages (the bot's named as the channel) and the answers summed up; "Support"
// stays in the channel. Tampered answers are refused with 400 naming the problem and
// create nothing; a start without answers is the ordinary start.
func TestChatbotStartRoutes(t *testing.T) {
	onEveryStore(t, testChatbotStartRoutes)
}

func testChatbotStartRoutes(t *testing.T, s *testServer) {
	admin, alice, ch, _ := s.mustAliceOnline(t)
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", sales), bob, nil)
	s.console(t, bob)
	s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/script", ch), admin, chatbotScript(sales))
	startURL := fmt.Sprintf("/livechat/channels/%d/conversations", ch)

	count := func(token string) int {
		var list []map[string]any
		s.must(t, 200, "GET", "/api/conversations", token, nil).decode(t, &list)
		return len(list)
	}
	for _, tc := range []struct {
		name    string
		answers []any
		says    string
	}{
		{"a choice the step has not", []any{scriptAnswer("topic", "choice", "Billing")}, `no choice "Billing"`},
		{"an answer for another step", []any{scriptAnswer("email", "text", "ann@example.com")}, `the chatbot asks step "topic"`},
		{"not an email", []any{scriptAnswer("topic", "choice", "Sales"), scriptAnswer("email", "text", "ann at example")}, "not an email address"},
		{"answers that stop early", []any{scriptAnswer("topic", "choice", "Sales")}, `stop at step "email"`},
		{"a path that ends the chat", []any{scriptAnswer("topic", "choice", "Just looking")}, "end the chat"},
		{"too long an answer", []any{scriptAnswer("topic", "choice", "Support"), scriptAnswer("order", "text", strings.Repeat("9", 501))}, "limit is 500"},
		{"too many answers", slices.Repeat([]any{scriptAnswer("topic", "choice", "Sales")}, 81), "at most 80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.wantRefused(t, "POST", startURL, "", map[string]any{"body": "", "script_answers": tc.answers}, 400, "EINVALID", tc.says)
		})
	}
	if a, b := count(alice), count(bob); a != 0 || b != 0 {
		t.Fatalf("refused starts created conversations: alice has %d, bob %d", a, b)
	}

	// Sales: handed over to Bob, in the Sales channel, the email as the first message.
	out := s.must(t, 201, "POST", startURL, "", map[string]any{"body": "", "visitor_name": "Ann", "script_answers": []any{
		scriptAnswer("topic", "choice", "Sales"), scriptAnswer("email", "text", "ann@example.com")}}).object(t)
	conv, token := num(path(out, "conversation", "id")), out["visitor_token"].(string)
	if path(out, "conversation", "operator", "name") != "Bob" || path(out, "message", "body") != "ann@example.com" || num(path(out, "message", "seq")) != 5 {
		t.Fatalf("start answered %v; want Bob, and the email as message 5", out)
	}
	var mine []map[string]any
	s.must(t, 200, "GET", "/api/conversations", bob, nil).decode(t, &mine)
	if len(mine) != 1 || num(mine[0]["id"]) != conv || num(mine[0]["channel_id"]) != sales {
		t.Fatalf("bob's conversations %v; want %d in Sales (%d)", mine, conv, sales)
	}
	var msgs []struct {
		Seq    int64 `json:"seq"`
		Author struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"author"`
		Body string `json:"body"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), bob, nil).decode(t, &msgs)
	var got []string
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%d %s %s: %s", m.Seq, m.Author.Kind, m.Author.Name, m.Body))
	}
	want := []string{
		"1 bot Website: Hello! I am the Website bot.",
		"2 bot Website: What is it about?",
		"3 visitor Ann: Sales",
		"4 bot Website: Your email, please?",
		"5 visitor Ann: ann@example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if vm := s.visitorMessages(t, conv, token); len(vm) != 5 || path(vm[0], "author", "kind") != "bot" {
		t.Errorf("the visitor reads %v; want the same 5 messages, the bot's first", vm)
	}
	var info struct {
		ChatbotAnswers []struct {
			Question string `json:"question"`
			Answer   string `json:"answer"`
		} `json:"chatbot_answers"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/visitor", conv), bob, nil).decode(t, &info)
	if a := fmt.Sprint(info.ChatbotAnswers); a != "[{What is it about? Sales} {Your email, please? ann@example.com}]" {
		t.Errorf("answers shown to bob: %s", a)
	}

	// Support, with a message typed: it stays here, with Alice.
	out = s.must(t, 201, "POST", startURL, "", map[string]any{"body": "My parcel is late", "script_answers": []any{
		scriptAnswer("topic", "choice", "Support"), scriptAnswer("order", "text", "4521")}}).object(t)
	if path(out, "conversation", "operator", "name") != "Alice" || num(path(out, "message", "seq")) != 6 {
		t.Errorf("support start answered %v; want Alice, the message typed as message 6", out)
	}

	// Without answers: the ordinary start, in the channel.
	out = s.must(t, 201, "POST", startURL, "", map[string]any{"body": "Hi"}).object(t)
	if path(out, "conversation", "operator", "name") != "Alice" || num(path(out, "message", "seq")) != 1 {
		t.Errorf("a start without answers answered %v; want Alice, message 1", out)
	}
}

// A front desk with a chatbot and no operator of its own: the widget's status follows the
// channels the script hands over to, so it offers the chat once someone there is online,
// and the chat reaches them.
func TestChatbotFrontDesk(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	desk := s.mustChannel(t, admin, map[string]any{"name": "Front desk"})
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales", "max_ongoing_per_operator": 1})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", sales), bob, nil)
	s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/script", desk), admin, map[string]any{"enabled": true, "steps": []any{
		map[string]any{"id": "topic", "kind": "choice", "text": "What is it about?", "choices": []any{
			map[string]any{"label": "Sales", "action": "hand_over", "channel_id": sales},
			map[string]any{"label": "Nothing", "action": "end", "closing": "Bye!"},
		}},
	}})
	status := func() (online, available any) {
		st := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", desk), "", nil).object(t)
		return st["online"], st["available"]
	}
	if o, a := status(); o != false || a != false {
		t.Errorf("nobody in Sales online: online %v, available %v", o, a)
	}
	s.console(t, bob)
	if o, a := status(); o != true || a != true {
		t.Fatalf("Bob online in Sales: online %v, available %v; want both", o, a)
	}
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", desk), "", map[string]any{
		"body": "", "script_answers": []any{scriptAnswer("topic", "choice", "Sales")}}).object(t)
	if path(out, "conversation", "status") != "active" || path(out, "conversation", "operator", "name") != "Bob" {
		t.Errorf("the chat started %v, want it active with Bob", out["conversation"])
	}
	var list []struct {
		ChannelID int64 `json:"channel_id"`
	}
	if s.must(t, 200, "GET", "/api/conversations", bob, nil).decode(t, &list); len(list) != 1 || list[0].ChannelID != sales {
		t.Errorf("Bob's conversations: %+v, want the chat in Sales", list)
	}
	if o, a := status(); o != true || a != false {
		t.Errorf("Bob at Sales' cap: online %v, available %v; want online, not available", o, a)
	}

	// Sales closed by its hours (holidays around today) would refuse the hand-over: the
	// front desk is not offered either.
	now := time.Now().UTC()
	s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/hours", sales), admin, map[string]any{"enabled": true, "time_zone": "UTC", "week": allDay(),
		"holidays": []string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)}})
	if o, a := status(); o != false || a != false {
		t.Errorf("Sales closed by its hours: online %v, available %v; want neither", o, a)
	}
}
