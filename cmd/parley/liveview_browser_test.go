package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// startQueued starts a conversation that waits in the queue, as visitor name.
func (s *testServer) startQueued(tb testing.TB, channel int64, name, body string) (int64, string) {
	tb.Helper()
	out := s.must(tb, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", channel), "", map[string]any{"body": body, "visitor_name": name}).object(tb)
	if status := path(out, "conversation", "status"); status != "queued" {
		tb.Fatalf("conversation status %v, want queued", status)
	}
	return num(path(out, "conversation", "id")), out["visitor_token"].(string)
}

// A supervisor keeps the Live page open: a visitor's new chat arrives in its Queue
// without a reload, its wait counting up; the supervisor assigns it to Alice (at the
// channel's cap, which a hand assignment may pass), and it moves to Ongoing, where
// Open shows it read-only: the whole history, no composer.
func TestLiveViewInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice) // Alice is online, over the API
	first, _ := s.visitorStart(t, ch, "Vera", "First question")

	sam := openConsole(t, s, "sam", "password-sam", "/live")
	sam.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("nav-live")), "the Live entry in the menu bar")
	active := func(conv int64) string { return fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("live-active"), conv) }
	sam.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.operatorId === "%d"`, active(first), aliceID), "Alice's conversation under Ongoing")
	sam.wait(fmt.Sprintf(`document.querySelector('%s[data-operator-id="%d"] %s')?.innerText === "1"`, tid("live-operator"), aliceID, tid("live-operator-ongoing")),
		"Alice's one ongoing conversation")

	// Vera waits for an answer until Alice answers.
	unanswered := active(first) + " " + tid("live-unanswered")
	sam.wait(fmt.Sprintf(`/^\d+:\d\d$/.test(document.querySelector(%q)?.innerText)`, unanswered), "the time since Vera's unanswered message")
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", first), alice, map[string]string{"body": "Hello Vera"})
	sam.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "Answered"`, unanswered), "Vera answered, without a reload")

	// A new visitor waits: Alice is at the cap.
	second, token := s.startQueued(t, ch, "Walt", "Anyone there?")
	queued := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("live-queued"), second)
	sam.wait(fmt.Sprintf(`!!document.querySelector(%q)`, queued), "the new chat in the queue, without a reload")
	wait := queued + " " + tid("live-wait")
	sam.wait(fmt.Sprintf(`/^\d+:\d\d$/.test(document.querySelector(%q)?.innerText)`, wait), "the wait so far")
	checkAccessible(t, sam.ctx, "the live view")
	sam.screenshot("live-view")

	// Assign it to Alice: it moves to Ongoing; the visitor reads who joined.
	sam.setValue(queued+" "+tid("assign-select"), fmt.Sprint(aliceID))
	sam.click(queued + " " + tid("assign-button"))
	sam.wait(fmt.Sprintf(`!document.querySelector(%q) && document.querySelector(%q)?.dataset.operatorId === "%d"`, queued, active(second), aliceID),
		"the conversation to move from the queue to Ongoing")
	sam.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("live-queue-empty")), "the empty queue")
	eventually(t, "the visitor to read that Alice joined", func() string {
		msgs := s.visitorMessages(t, second, token)
		if last := msgs[len(msgs)-1]["body"]; last != "Alice joined the conversation." {
			return fmt.Sprintf("the visitor's last message is %q", last)
		}
		return ""
	})

	// Open: read-only, updated as the visitor writes.
	sam.click(active(second) + " " + tid("live-open"))
	thread := fmt.Sprintf(`%s[data-conversation-id="%d"][data-watched="true"]`, tid("discuss-thread"), second)
	sam.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Alice joined the conversation.")`, thread+" "+tid("message-body")),
		"the conversation, read-only")
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", second), token, map[string]string{"body": "Hello Alice"})
	sam.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Hello Alice")`, thread+" "+tid("message-body")),
		"the visitor's new message in the read-only view")
	if n := consoleEval[int](sam, fmt.Sprintf(`document.querySelectorAll(%q).length`, thread+" "+tid("composer-input"))); n != 0 {
		t.Errorf("the read-only view has %d composers", n)
	}
	checkAccessible(t, sam.ctx, "a conversation read-only")
}

// An operator's Queue page lists the visitors waiting in their channels, and Take gives
// them one.
func TestTakeFromTheQueueInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	page := openConsole(t, s, "alice", "password-alice", "/live")
	page.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("live-waiting")), "the Waiting list")
	s.visitorStart(t, ch, "Vera", "First question") // Alice's, at the cap
	second, token := s.startQueued(t, ch, "Walt", "Anyone there?")
	row := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("live-queued"), second)
	page.wait(fmt.Sprintf(`!!document.querySelector(%q)`, row), "the waiting visitor")
	checkAccessible(t, page.ctx, "the operator's queue")
	// The chat window of Alice's first visitor sits over the page's bottom-right corner:
	// the button is pressed from the keyboard.
	page.do(chromedp.Focus(chromedp.CSS(row+" "+tid("live-take"))), chromedp.KeyEvent("\r"))
	page.wait(fmt.Sprintf(`!!document.querySelector('%s[data-conversation-id="%d"] %s')`, tid("discuss-thread"), second, tid("composer-input")),
		"the taken conversation in Discuss, with a composer")
	eventually(t, "the visitor to read that Alice joined", func() string {
		msgs := s.visitorMessages(t, second, token)
		if last := msgs[len(msgs)-1]["body"]; last != "Alice joined the conversation." {
			return fmt.Sprintf("the visitor's last message is %q", last)
		}
		return ""
	})
}
