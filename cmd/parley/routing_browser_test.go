package main

import (
	"fmt"
	"strings"
	"testing"
)

// A supervisor opens a conversation from the Live page and reads why it went to Alice,
// in one line, then the whole decision in a table.
func TestRoutingInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	s.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 3})
	for _, op := range []string{alice, bob} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), op, nil)
	}
	s.console(t, alice) // Bob stays offline
	first, _ := s.visitorStart(t, ch, "Vera", "First question")

	sam := openConsole(t, s, "sam", "password-sam", "/live")
	active := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("live-active"), first)
	sam.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.operatorId === "%d"`, active, aliceID), "Alice's conversation under Ongoing")
	sam.click(active + " " + tid("live-open"))
	sam.wait(fmt.Sprintf(`/^Assigned to Alice: the only one available;.*0 ongoing against 3; Bob offline$/.test(document.querySelector(%q)?.innerText)`, tid("routing-summary")),
		"the routing summary")
	sam.click(tid("routing-toggle"))
	rows := tid("routing-panel") + " " + tid("routing-candidates") + " tbody tr"
	sam.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, rows), "the table of candidates")
	text := consoleEval[string](sam, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(r => r.innerText).join("\n")`, rows))
	if !strings.Contains(text, "Alice (chosen)") || !strings.Contains(text, "Offline") || !strings.Contains(text, "0 / 3") {
		t.Errorf("candidates table:\n%s", text)
	}
	checkAccessible(t, sam.ctx, "the routing of a conversation")
}
