package main

// Browser test of the search in Discuss. Test ids:
//
//	search-input      the search box at the top of Discuss's sidebar
//	search-result     a conversation found (data-conversation-id, data-seq)
//	search-snippet    its message, the words in <mark>
//	read-only-note    under a conversation opened from a search that is not the operator's

import (
	"fmt"
	"testing"
)

// The operator types a word in Discuss's search: the conversation that holds it is
// listed with the message, the word marked; a click opens the conversation at that
// message, scrolled to and highlighted, in their own conversation and in a colleague's
// of their channel (read-only, since it is not in their list). A supervisor finds every
// conversation, by the filters too.
func TestSearchBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)

	// Bob alone is online: the first conversation is his.
	s.console(t, bob)
	bobs, bobsVisitor := s.visitorStart(t, ch, "Hans", "Guten Tag!")
	say := func(conv int64, token string, bodies ...string) {
		for _, b := range bodies {
			s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), token, map[string]any{"body": b})
		}
	}
	// The words are in the middle of long histories: the thread must scroll to them.
	story := func(conv int64, token, words string) {
		for i := range 25 {
			say(conv, token, fmt.Sprintf("Line %d of a long story.", i))
		}
		say(conv, token, words)
		for i := range 25 {
			say(conv, token, fmt.Sprintf("Line %d of the rest of it.", i))
		}
	}
	story(bobs, bobsVisitor, "Where is the invoice for my Fahrrad?")

	op := openConsole(t, s, "alice", "password-alice", "/discuss")
	// Alice has fewer conversations than Bob: hers is the next one.
	mine, visitor := s.visitorStart(t, ch, "Vera", "Hello!")
	story(mine, visitor, "My parcel's tracking number is ZX-9981.")
	op.wait(fmt.Sprintf(`!!document.querySelector('%s[data-conversation-id="%d"]')`, tid("livechat-item"), mine), "Vera's conversation in the list")

	open := func(word string, conv, seq int64, readOnly bool) {
		t.Helper()
		op.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("search-input")), "the search box")
		op.setValue(tid("search-input"), "")
		op.typeText(tid("search-input"), word)
		result := fmt.Sprintf(`%s[data-conversation-id="%d"][data-seq="%d"]`, tid("search-result"), conv, seq)
		op.wait(fmt.Sprintf(`!!document.querySelector('%s')`, result), "the result of "+word)
		if got := op.text(result + " mark"); got == "" {
			t.Errorf("%s: no word marked in the snippet %q", word, op.text(result+" "+tid("search-snippet")))
		}
		// The LIVECHAT list makes way for the results.
		if consoleEval[bool](op, fmt.Sprintf(`!!document.querySelector(%q)?.offsetParent`, tid("livechat-list"))) {
			t.Errorf("%s: the LIVECHAT list shows beside the results", word)
		}
		op.click(result)
		found := fmt.Sprintf(`%s[data-conversation-id="%d"] %s.msg-found[data-seq="%d"]`, tid("discuss-thread"), conv, tid("message"), seq)
		op.wait(fmt.Sprintf(`(() => {
			const m = document.querySelector('%s');
			const list = m && m.closest('[data-testid=message-list]');
			if (!list) return false;
			const a = m.getBoundingClientRect(), b = list.getBoundingClientRect();
			return a.top >= Math.max(b.top, 0) && a.bottom <= Math.min(b.bottom, innerHeight);
		})()`, found), fmt.Sprintf("message %d of conversation %d highlighted and in view", seq, conv))
		if got := consoleEval[string](op, `location.hash`); got != fmt.Sprintf("#/discuss/%d/%d", conv, seq) {
			t.Errorf("address %s", got)
		}
		readOnlyShown := consoleEval[bool](op, fmt.Sprintf(`!!document.querySelector(%q)`, tid("read-only-note")))
		composer := consoleEval[bool](op, fmt.Sprintf(`!!document.querySelector('%s %s')`, tid("discuss-thread"), tid("composer-input")))
		if readOnlyShown != readOnly || composer == readOnly {
			t.Errorf("%s: read-only note %v, composer %v; want read-only %v", word, readOnlyShown, composer, readOnly)
		}
	}
	// Her own conversation, at the message with the word (the visitor's 27th).
	open("tracking", mine, 27, false)
	op.screenshot("search-own")
	// Bob's, which Alice may read as a member of its channel: read-only.
	open("INVOICE", bobs, 27, true)
	op.screenshot("search-colleague")
	checkAccessible(t, op.ctx, "Discuss with search results")

	// A supervisor, in no channel, searches every conversation, with the filters.
	s.mustOperator(t, admin, "carol", map[string]any{"role": "supervisor"})
	sup := openConsole(t, s, "carol", "password-carol", "/discuss")
	sup.wait(fmt.Sprintf(`document.querySelector(%q)?.placeholder === "Search all conversations"`, tid("search-input")), "the supervisor's search box")
	sup.click(tid("search-filters-toggle"))
	sup.wait(fmt.Sprintf(`!!document.querySelector('%s option[value="%d"]')`, tid("search-channel"), ch), "the channels in the filter")
	sup.setValue(tid("search-channel"), fmt.Sprint(ch))
	sup.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.dataset.conversationId).join() === "%d,%d"`, tid("search-result"), mine, bobs),
		"both conversations of the channel, newest first")
	sup.typeText(tid("search-input"), "fahrrad")
	result := fmt.Sprintf(`%s[data-conversation-id="%d"][data-seq="27"]`, tid("search-result"), bobs)
	sup.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 1 && !!document.querySelector('%s')`, tid("search-result"), result), "Bob's conversation alone")
	sup.click(result)
	sup.wait(fmt.Sprintf(`!!document.querySelector('%s[data-read-only] %s.msg-found[data-seq="27"]')`, tid("discuss-thread"), tid("message")), "Bob's conversation, read-only")
	sup.screenshot("search-supervisor")
	checkAccessible(t, sup.ctx, "Discuss with the search's filters")
}
