package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/internal/smtptest"
)

// leaveMessage leaves a message in the widget of the demo page, nobody being online.
func leaveMessage(t *testing.T, s *testServer, ch int64, name, email, body string, languages ...string) {
	t.Helper()
	p := openDemo(t, s, ch, languages...)
	p.click("launcher")
	p.wait("offline form", visible(byTestID("offline-form")))
	p.typeInto("offline-name", name)
	p.typeInto("offline-email", email)
	p.typeInto("offline-message", body)
	p.click("offline-submit")
	p.wait("thanks", visible(byTestID("offline-thanks")))
}

// TestInboxBrowser: visitors leave messages in the widget while nobody is online; the
// operator's Inbox lists them, newest first, unread in bold, with the visitor's email,
// page and language; opening one un-bolds it and lowers the menu bar's count; a reply
// typed in the console reaches the visitor's mailbox (a real SMTP server).
func TestInboxBrowser(t *testing.T) {
	mail := smtptest.Start(t)
	s := mustStart(t, "", withSMTP(mail))
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Fernwood Support"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil) // but no console open: nobody online

	leaveMessage(t, s, ch, "Ann Visitor", "ann@example.com", "Bonjour, rappelez-moi pour une commande en gros.", "fr-FR", "en")
	leaveMessage(t, s, ch, "Ben Visitor", "ben@example.com", "Do you ship to Canada?", "en-GB")

	p := openConsole(t, s, "alice", "password-alice", "/inbox")
	p.wait(`document.querySelectorAll('[data-testid="inbox-item"]').length === 2`, "two left messages")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("2")`, tid("inbox-badge")), "the menu bar's count of 2")
	items := consoleEval[[]string](p, `Array.from(document.querySelectorAll('[data-testid="inbox-item"]')).map(e => e.innerText.replace(/\s+/g, ' '))`)
	if len(items) != 2 || !strings.Contains(items[0], "Ben Visitor") || !strings.Contains(items[1], "Ann Visitor") {
		t.Fatalf("inbox items = %q, want Ben's then Ann's (newest first)", items)
	}
	if !strings.Contains(items[1], "ann@example.com") || !strings.Contains(items[1], "· fr") || !strings.Contains(items[1], "Fernwood Support") {
		t.Errorf("Ann's item = %q, want her email, channel and language", items[1])
	}
	weight := func(name string) string {
		return consoleEval[string](p, fmt.Sprintf(`(() => {
			const item = Array.from(document.querySelectorAll('[data-testid="inbox-item"]')).find(e => e.innerText.includes(%q));
			return getComputedStyle(item.querySelector('.inbox-item-name')).fontWeight;
		})()`, name))
	}
	if a, b := weight("Ann Visitor"), weight("Ben Visitor"); a != "700" || b != "700" {
		t.Errorf("unread items' font weights = %s, %s; want bold (700)", a, b)
	}
	p.screenshot("inbox-unread")
	checkAccessible(t, p.ctx, "the Inbox with unread messages")

	// Opening Ann's message shows it whole, and reads it.
	annID := consoleEval[int64](p, `Number(Array.from(document.querySelectorAll('[data-testid="inbox-item"]')).find(e => e.innerText.includes("Ann Visitor")).dataset.id)`)
	p.click(fmt.Sprintf(`[data-testid="inbox-item"][data-id="%d"]`, annID))
	p.wait(fmt.Sprintf(`document.querySelector('[data-testid="inbox-item"][data-id="%d"]')?.dataset.read === "true"`, annID), "Ann's message read")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "Ann Visitor"`, tid("inbox-detail-name")), "Ann's message opened")
	if a, b := weight("Ann Visitor"), weight("Ben Visitor"); a == "700" || b != "700" {
		t.Errorf("after opening Ann's: font weights %s, %s; want Ann's not bold, Ben's bold", a, b)
	}
	if got := p.text(tid("inbox-detail-body")); got != "Bonjour, rappelez-moi pour une commande en gros." {
		t.Errorf("detail body = %q", got)
	}
	if href := consoleEval[string](p, `document.querySelector('[data-testid="inbox-detail-page"]')?.href ?? ""`); !strings.Contains(href, fmt.Sprintf("/demo?channel=%d", ch)) {
		t.Errorf("detail page = %q, want the demo page the message was left from", href)
	}
	if got := p.text(tid("inbox-detail-language")); got != "fr" {
		t.Errorf("detail language = %q, want fr", got)
	}
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("1")`, tid("inbox-badge")), "the menu bar's count of 1")

	// The reply goes to Ann's mailbox.
	p.typeText(tid("inbox-reply-body"), "Bonjour Ann, nous vous appelons demain matin.")
	p.click(tid("inbox-reply-send"))
	got := mail.Wait(t, 1, 15*time.Second)[0]
	if !slices.Equal(got.To, []string{"ann@example.com"}) || got.Subject != "Re: your message to Fernwood Support" ||
		!strings.Contains(got.Text, "Bonjour Ann, nous vous appelons demain matin.") || !strings.Contains(got.Text, "\nAlice\n") {
		t.Errorf("reply email to %v, subject %q:\n%s", got.To, got.Subject, got.Text)
	}
	p.wait(`document.querySelectorAll('[data-testid="inbox-reply"]').length === 1`, "the reply shown with the message")
	p.wait(fmt.Sprintf(`document.querySelector('[data-testid="inbox-item"][data-id="%d"]')?.dataset.handled === "true"`, annID), "Ann's message handled")
	p.screenshot("inbox-replied")
	checkAccessible(t, p.ctx, "the Inbox with a message open and replied to")

	// Mark not handled, as a person would when the call did not happen.
	p.click(tid("inbox-handled"))
	p.wait(fmt.Sprintf(`document.querySelector('[data-testid="inbox-item"][data-id="%d"]')?.dataset.handled === "false"`, annID), "Ann's message not handled")
	if n := len(mail.Mails()); n != 1 {
		t.Errorf("%d emails, want the one reply", n)
	}

	// A message left meanwhile shows at once, in the list and the count (the live
	// connection's inbox event).
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Cat Visitor", "email": "cat@example.com", "body": "Hello?"})
	p.wait(`document.querySelectorAll('[data-testid="inbox-item"]').length === 3`, "the new message in the list")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("2")`, tid("inbox-badge")), "the menu bar's count of 2")
}

// TestWidgetTranscript: after the chat, the widget offers its transcript: downloaded (a
// file with the conversation, the operator named by their chat name) and, since the
// server sends emails, by email to the address the visitor types.
func TestWidgetTranscript(t *testing.T) {
	mail := smtptest.Start(t)
	s := mustStart(t, "", withSMTP(mail))
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Fernwood Support"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice)

	p := openDemo(t, s, ch, "en-US")
	p.click("launcher")
	p.typeInto("input", "Do you ship <b>beans</b> to Belgium?\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Yes, in three days."})
	p.waitMessage("operator", "Yes, in three days.")
	p.wait("transcript hidden while the chat goes on", `!`+byTestID("transcript"))
	p.click("end")
	p.wait("transcript", visible(byTestID("transcript")))
	p.wait("rating above the transcript", shadowJS+`.querySelector('[data-testid=rating] ~ [data-testid=transcript]') !== null`)

	// Download: the widget saves the file the server sent.
	evalJS[chromedp.Void](p, `(() => { window.__blobs = []; const o = URL.createObjectURL; URL.createObjectURL = (b) => { window.__blobs.push(b); return o.call(URL, b); }; })()`)
	p.click("transcript-download")
	p.wait("the transcript fetched", `window.__blobs.length === 1`)
	file, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`window.__blobs[0].text()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(file, "Do you ship &lt;b&gt;beans&lt;/b&gt; to Belgium?") || !strings.Contains(file, ">Alice<") || strings.Contains(file, "Alice Doe") {
		t.Errorf("downloaded transcript:\n%s", file)
	}

	// By email.
	p.typeInto("transcript-email", "visitor@example.com")
	p.click("transcript-send")
	p.waitText("transcript-note", "The transcript is on its way.")
	screenshot(t, p.ctx, "widget-transcript")
	checkAccessible(t, p.ctx, "the widget's transcript card")
	got := mail.Wait(t, 1, 15*time.Second)[0]
	if !slices.Equal(got.To, []string{"visitor@example.com"}) || !strings.Contains(got.Text, "] Alice: Yes, in three days.") {
		t.Errorf("transcript email to %v:\n%s", got.To, got.Text)
	}
	// The operator downloads it from Discuss's header, and from the visitor panel (which
	// a chat window's info button opens).
	c := openConsole(t, s, "alice", "password-alice", fmt.Sprintf("/discuss/%d", conv))
	c.wait(existsJS(tid("transcript-download")), "the Transcript link in Discuss's header")
	c.screenshot("discuss-transcript")
	text, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('[data-testid="transcript-download"]').href).then(r => r.headers.get('Content-Disposition') + ' ' + r.headers.get('Content-Type') + ' ' + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(text, "attachment") || !strings.Contains(text, "text/html") || !strings.HasSuffix(text, " 200") {
		t.Errorf("Discuss's transcript link answers %q, %v", text, err)
	}
	c.wait(existsJS(tid("visitor-transcript-text")), "the transcript links in the visitor panel (shown beside a wide Discuss)")
	text, err = chromedp.Run(c.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('[data-testid="visitor-transcript-text"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(text, "] Alice: Yes, in three days.") {
		t.Errorf("the visitor panel's text transcript = %q, %v", text, err)
	}
}
