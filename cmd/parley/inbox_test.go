package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/smtptest"
	"github.com/parleychat/parley/smtpmail"
)

// withSMTP points Parley's emails at the test's SMTP server.
func withSMTP(srv *smtptest.Server) func(*Config) {
	return func(c *Config) {
		c.SMTP = smtpmail.Config{Host: srv.Host, Port: srv.Port, TLS: smtpmail.TLSNone, From: "Parley Support <support@example.com>"}
	}
}

type inboxMessage struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Body      string `json:"body"`
	PageURL   string `json:"page_url"`
	Language  string `json:"language"`
	VisitorID *int64 `json:"visitor_id"`
	Read      bool   `json:"read"`
	Handled   bool   `json:"handled"`
	HandledBy *int64 `json:"handled_by"`
	Replies   []struct {
		UserID   int64  `json:"user_id"`
		UserName string `json:"user_name"`
		Body     string `json:"body"`
	} `json:"replies"`
}

func (s *testServer) inbox(tb testing.TB, token string) []inboxMessage {
	tb.Helper()
	var list []inboxMessage
	s.must(tb, 200, "GET", "/api/offline-messages", token, nil).decode(tb, &list)
	return list
}

func (s *testServer) unread(tb testing.TB, token string) int64 {
	tb.Helper()
	return num(s.must(tb, 200, "GET", "/api/inbox", token, nil).object(tb)["unread"])
}

// TestInboxEndToEnd: a message left while nobody is online records its page, language
// and visitor, tells the operators who asked for notices by email, shows unread in the
// inbox of its channel's operators and of supervisors only, is read when opened, and a
// reply from the console reaches the visitor's mailbox signed with the chat name.
func TestInboxEndToEnd(t *testing.T) {
	mail := smtptest.Start(t)
	s := mustStart(t, "", withSMTP(mail))
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", nil)
	_, sue := s.mustOperator(t, admin, "sue", map[string]any{"role": "supervisor"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	other := s.mustChannel(t, admin, map[string]any{"name": "Sales"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", other), bob, nil)

	// Alice wants the notices of Website's messages; bob those of Sales only.
	st := s.must(t, 200, "PUT", "/api/inbox/notify", alice, map[string]any{"email": "alice@team.example", "channels": []int64{ch}}).object(t)
	if st["email"] != true || st["notify_email"] != "alice@team.example" {
		t.Fatalf("inbox status = %v", st)
	}
	s.must(t, 200, "PUT", "/api/inbox/notify", bob, map[string]any{"email": "bob@team.example", "channels": []int64{other}})
	if r := s.call(t, "PUT", "/api/inbox/notify", bob, map[string]any{"email": "not an address", "channels": []int64{}}); r.Status != 400 {
		t.Errorf("a bad notice address: status %d, want 400", r.Status)
	}
	if r := s.call(t, "PUT", "/api/inbox/notify", bob, map[string]any{"email": "bob@team.example", "channels": []int64{9999}}); r.Status != 400 {
		t.Errorf("an unknown channel: status %d, want 400", r.Status)
	}

	// The supervisor's console and bob's are open (neither is in Website).
	sueWS, bobWS := s.console(t, sue), s.console(t, bob)

	// Nobody is online: the widget offers to leave a message; the channel says email works.
	status := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if status["online"] != false || status["email"] != true {
		t.Fatalf("channel status = %v", status)
	}
	left := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]any{
		"name": "Zoé <b>", "email": "zoe@example.com", "body": "Rappelez-moi,\nsvp.", "page_url": "https://shop.example/cart", "languages": []string{"fr-BE", "en"},
	}).object(t)
	if left["page_url"] != "https://shop.example/cart" || left["language"] != "fr" || left["visitor_id"] != nil || left["read"] != false {
		t.Fatalf("left message = %v", left)
	}
	id := num(left["id"])
	sueWS.expect(t, "inbox", nil) // the supervisor's count changes at once
	bobWS.quiet(t, "inbox", 100*time.Millisecond)

	notice := mail.Wait(t, 1, 10*time.Second)[0]
	if !slices.Equal(notice.To, []string{"alice@team.example"}) || !strings.Contains(notice.Header.Get("Reply-To"), "zoe@example.com") {
		t.Errorf("notice to %v, reply to %q", notice.To, notice.Header.Get("Reply-To"))
	}
	if notice.Subject != "New message from Zoé <b> in Website" {
		t.Errorf("notice subject = %q", notice.Subject)
	}
	for _, want := range []string{"Rappelez-moi,\nsvp.", "Page: https://shop.example/cart", "Language: fr", "Email: zoe@example.com"} {
		if !strings.Contains(notice.Text, want) {
			t.Errorf("notice text lacks %q:\n%s", want, notice.Text)
		}
	}

	// A visitor who chatted before is named by their token.
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello?"}).object(t)
	token := started["visitor_token"].(string)
	known := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), token, map[string]any{
		"name": "Yann", "email": "yann@example.com", "body": "Me again",
	}).object(t)
	if known["visitor_id"] == nil || known["language"] != "en" {
		t.Errorf("message left with a token = %v, want its visitor, in the default language", known)
	}
	// A token no longer known leaves the message unnamed, not refused.
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "no-such-token", map[string]any{
		"name": "Xavier", "email": "x@example.com", "body": "Hi",
	})
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", other), "", map[string]any{
		"name": "Walt", "email": "walt@example.com", "body": "Prices?",
	})
	mail.Wait(t, 4, 10*time.Second) // alice's two more notices, bob's one
	if n := len(mail.Mails()); n != 4 {
		t.Errorf("%d emails, want 4 notices", n)
	}

	// Each sees their channels' messages, newest first; supervisors and admins all.
	names := func(list []inboxMessage) string {
		var out []string
		for _, m := range list {
			out = append(out, m.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names(s.inbox(t, alice)); got != "Xavier,Yann,Zoé <b>" {
		t.Errorf("alice's inbox = %s", got)
	}
	if got := names(s.inbox(t, bob)); got != "Walt" {
		t.Errorf("bob's inbox = %s", got)
	}
	for _, tok := range []string{sue, admin} {
		if got := names(s.inbox(t, tok)); got != "Walt,Xavier,Yann,Zoé <b>" {
			t.Errorf("a supervisor's inbox = %s", got)
		}
	}
	if n := s.unread(t, alice); n != 3 {
		t.Errorf("alice's unread = %d, want 3", n)
	}

	// Opening marks read, for everyone.
	read := s.must(t, 200, "POST", fmt.Sprintf("/api/offline-messages/%d/read", id), alice, nil).object(t)
	if read["read"] != true || read["read_at"] == nil {
		t.Errorf("read = %v", read)
	}
	if n := s.unread(t, alice); n != 2 {
		t.Errorf("alice's unread after opening one = %d, want 2", n)
	}
	if n := s.unread(t, sue); n != 3 {
		t.Errorf("the supervisor's unread = %d, want 3 (Walt's, Xavier's, Yann's)", n)
	}
	// Bob is not in Website: he may not open, handle or reply to its messages.
	for _, r := range []response{
		s.call(t, "GET", fmt.Sprintf("/api/offline-messages/%d", id), bob, nil),
		s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/read", id), bob, nil),
		s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/handled", id), bob, map[string]bool{"handled": true}),
		s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/replies", id), bob, map[string]string{"body": "Hi"}),
	} {
		if r.Status != 403 {
			t.Errorf("bob on Website's message: status %d, want 403: %s", r.Status, r.Body)
		}
	}
	if r := s.call(t, "POST", "/api/offline-messages/9999/read", alice, nil); r.Status != 404 {
		t.Errorf("an unknown message: status %d, want 404", r.Status)
	}
	if r := s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/handled", id), alice, map[string]any{}); r.Status != 400 {
		t.Errorf("handled without the field: status %d, want 400", r.Status)
	}
	if r := s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/replies", id), alice, map[string]string{"body": "  "}); r.Status != 400 {
		t.Errorf("an empty reply: status %d, want 400", r.Status)
	}

	// The reply goes to the visitor's mailbox, signed with the chat name only.
	var replied inboxMessage
	s.must(t, 201, "POST", fmt.Sprintf("/api/offline-messages/%d/replies", id), alice, map[string]string{"body": "Bonjour Zoé,\nnous vous rappelons demain."}).decode(t, &replied)
	if !replied.Handled || replied.HandledBy == nil || *replied.HandledBy != aliceID || len(replied.Replies) != 1 ||
		replied.Replies[0].UserID != aliceID || replied.Replies[0].UserName != "Alice Doe" || replied.Replies[0].Body != "Bonjour Zoé,\nnous vous rappelons demain." {
		t.Errorf("after the reply: %+v", replied)
	}
	got := mail.Wait(t, 5, 10*time.Second)[4]
	if !slices.Equal(got.To, []string{"zoe@example.com"}) || got.Subject != "Re: your message to Website" {
		t.Errorf("reply email to %v, subject %q", got.To, got.Subject)
	}
	if !strings.Contains(got.Header.Get("From"), "support@example.com") {
		t.Errorf("reply from %q", got.Header.Get("From"))
	}
	for _, want := range []string{"Bonjour Zoé,\nnous vous rappelons demain.", "\nAlice\n", "> Rappelez-moi,\n> svp."} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("reply text lacks %q:\n%s", want, got.Text)
		}
	}
	if strings.Contains(got.Text, "Alice Doe") || strings.Contains(string(got.Raw), "alice@team.example") {
		t.Errorf("the reply shows more of the operator than their chat name:\n%s", got.Raw)
	}

	// Handled can be undone; the list shows the states and the reply.
	undone := s.must(t, 200, "POST", fmt.Sprintf("/api/offline-messages/%d/handled", id), alice, map[string]bool{"handled": false}).object(t)
	if undone["handled"] != false || undone["read"] != true {
		t.Errorf("unhandled = %v", undone)
	}
	list := s.inbox(t, alice)
	if m := list[2]; m.ID != id || !m.Read || m.Handled || len(m.Replies) != 1 {
		t.Errorf("Zoé's message in the list = %+v", m)
	}
}

// TestTranscripts: whoever may read a conversation downloads it as HTML (everything
// escaped) or text, naming operators by their chat name only; the visitor downloads
// theirs with their token, and has it sent by email.
func TestTranscripts(t *testing.T) {
	mail := smtptest.Start(t)
	s := mustStart(t, "", withSMTP(mail))
	admin, alice, ch, _ := s.mustAliceOnline(t)
	_, bob := s.mustOperator(t, admin, "bob", nil)
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
		"body": "Is <script>alert(1)</script> & \"this\" safe?", "visitor_name": "Zoé",
	}).object(t)
	token := started["visitor_token"].(string)
	conv := num(path(started, "conversation", "id"))
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Yes,\nit is."})
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", conv), token, nil)

	get := func(path, token string) response {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(b.String())}
	}

	page := get(fmt.Sprintf("/api/conversations/%d/transcript?format=html", conv), alice)
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.HasPrefix(page.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(page.Header.Get("Content-Disposition"), fmt.Sprintf("conversation-%d-", conv)) {
		t.Fatalf("html transcript: %d %v", page.Status, page.Header)
	}
	html := string(page.Body)
	for _, want := range []string{"Is &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;this&#34; safe?", ">Zoé<", ">Alice<", "Yes,\nit is.", "Visitor left the conversation."} {
		if !strings.Contains(html, want) {
			t.Errorf("html transcript lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "Alice Doe") {
		t.Errorf("html transcript has a live script or the operator's full name:\n%s", html)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}

	text := get(fmt.Sprintf("/api/conversations/%d/transcript?format=text", conv), admin)
	if text.Status != 200 || !strings.HasPrefix(text.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("text transcript: %d %v", text.Status, text.Header)
	}
	for _, want := range []string{"] Zoé: Is <script>alert(1)</script> & \"this\" safe?\n", "] Alice: Yes,\n    it is.\n", "] * Visitor left the conversation.\n"} {
		if !strings.Contains(string(text.Body), want) {
			t.Errorf("text transcript lacks %q:\n%s", want, text.Body)
		}
	}

	// Who may not read the conversation may not download it either.
	if r := get(fmt.Sprintf("/api/conversations/%d/transcript", conv), bob); r.Status != 403 {
		t.Errorf("bob's download: status %d, want 403", r.Status)
	}
	if r := get(fmt.Sprintf("/api/conversations/%d/transcript?format=pdf", conv), alice); r.Status != 400 {
		t.Errorf("format pdf: status %d, want 400", r.Status)
	}

	// The visitor's own.
	mine := get(fmt.Sprintf("/livechat/conversations/%d/transcript?format=text", conv), token)
	if mine.Status != 200 || !strings.Contains(string(mine.Body), "] Alice: Yes,") {
		t.Errorf("visitor's transcript: %d %s", mine.Status, mine.Body)
	}
	other := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi"}).object(t)["visitor_token"].(string)
	if r := get(fmt.Sprintf("/livechat/conversations/%d/transcript", conv), other); r.Status != 404 {
		t.Errorf("another visitor's download: status %d, want 404", r.Status)
	}

	// By email.
	if r := s.call(t, "POST", fmt.Sprintf("/livechat/conversations/%d/transcript/email", conv), token, map[string]string{"email": "nope"}); r.Status != 400 {
		t.Errorf("a bad address: status %d, want 400", r.Status)
	}
	if r := s.call(t, "POST", fmt.Sprintf("/livechat/conversations/%d/transcript/email", conv), other, map[string]string{"email": "x@example.com"}); r.Status != 404 {
		t.Errorf("another visitor's: status %d, want 404", r.Status)
	}
	s.must(t, 202, "POST", fmt.Sprintf("/livechat/conversations/%d/transcript/email", conv), token, map[string]string{"email": "zoe@example.com"})
	got := mail.Wait(t, 1, 10*time.Second)[0]
	if !slices.Equal(got.To, []string{"zoe@example.com"}) || got.Subject != "Your conversation with Website" {
		t.Errorf("transcript email to %v, subject %q", got.To, got.Subject)
	}
	if !strings.Contains(got.Text, "] Alice: Yes,\n    it is.") || !strings.Contains(got.HTML, "&lt;script&gt;") || strings.Contains(got.HTML, "<script>") {
		t.Errorf("transcript email:\ntext %s\nhtml %s", got.Text, got.HTML)
	}
	if n := len(mail.Mails()); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

// TestNoEmailWithoutSMTP: with no SMTP server set, nothing is sent: a message left is
// kept (no notice), replies and transcripts by email are refused and store nothing, and
// both faces are told.
func TestNoEmailWithoutSMTP(t *testing.T) {
	mail := smtptest.Start(t) // listening, but Parley does not know it
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	_ = admin
	s.must(t, 200, "PUT", "/api/inbox/notify", alice, map[string]any{"email": "alice@team.example", "channels": []int64{ch}})
	st := s.must(t, 200, "GET", "/api/inbox", alice, nil).object(t)
	if st["email"] != false {
		t.Errorf("inbox status = %v, want email false", st)
	}
	if status := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t); status["email"] != false {
		t.Errorf("channel status = %v, want email false", status)
	}
	left := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]any{
		"name": "Zoé", "email": "zoe@example.com", "body": "Hello",
	}).object(t)
	id := num(left["id"])
	r := s.call(t, "POST", fmt.Sprintf("/api/offline-messages/%d/replies", id), alice, map[string]string{"body": "Hi Zoé"})
	if r.Status != 409 || !strings.Contains(r.errorMessage(t), "Email is not set up") {
		t.Errorf("reply without SMTP: %d %s", r.Status, r.Body)
	}
	if list := s.inbox(t, alice); len(list) != 1 || len(list[0].Replies) != 0 || list[0].Handled {
		t.Errorf("after the refused reply: %+v", list)
	}

	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi"}).object(t)
	aliceWS.expect(t, "conversation", nil)
	conv := num(path(started, "conversation", "id"))
	r = s.call(t, "POST", fmt.Sprintf("/livechat/conversations/%d/transcript/email", conv), started["visitor_token"].(string), map[string]string{"email": "zoe@example.com"})
	if r.Status != 409 {
		t.Errorf("transcript email without SMTP: %d %s", r.Status, r.Body)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(mail.Mails()); n != 0 {
		t.Errorf("%d emails received, want none", n)
	}
}
