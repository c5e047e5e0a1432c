package main

import (
	"fmt"
	"strings"
	"testing"
)

// chartDrawnJS is true when the chart's canvas has pixels of the colour (r, g, b): uPlot
// drew the series of that colour from the report's data.
func chartDrawnJS(chart string, r, g, b int) string {
	return fmt.Sprintf(`(() => {
		const c = document.querySelector('[data-testid="reports-chart"][data-chart=%q] canvas');
		if (!c || !c.width || !c.height) return false;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4) {
			if (d[i + 3] > 200 && Math.abs(d[i] - %d) < 12 && Math.abs(d[i + 1] - %d) < 12 && Math.abs(d[i + 2] - %d) < 12) return true;
		}
		return false;
	})()`, chart, r, g, b)
}

// A supervisor opens Reports from the menu bar: the page charts conversations made
// through the API (uPlot's canvases hold the series' colours), its table counts them per
// day and per operator, and it offers them as CSV. An operator has no Reports.
func TestReportsPageBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	s.mustOperator(t, admin, "sue", map[string]any{"role": "supervisor"})
	s.finishChat(t, ch, alice, true, 5, "Great")
	s.finishChat(t, ch, alice, true, 1, "Slow")
	s.finishChat(t, ch, alice, false, 0, "")

	p := openConsole(t, s, "sue", "password-sue", "/discuss")
	p.click(tid("nav-reports"))
	p.wait(existsJS(tid("reports-table")), "the report's table")
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 4`, tid("reports-chart")+" canvas"), "four charts")
	p.wait(chartDrawnJS("conversations", 0x71, 0x4b, 0x67), "the conversations drawn")
	p.wait(chartDrawnJS("conversations", 0xc0, 0x39, 0x2b), "the missed conversation drawn")
	p.wait(chartDrawnJS("ratings", 0x1e, 0x7b, 0x4f), "the good rating drawn")

	cell := func(row, column string) string {
		return consoleEval[string](p, fmt.Sprintf(`document.querySelector('%s [data-column=%q]')?.innerText ?? ''`, row, column))
	}
	today := consoleEval[string](p, `(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); })()`)
	todayRow := fmt.Sprintf(`%s[data-key=%q]`, tid("reports-row"), today)
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll(%q).length`, tid("reports-row"))); n != 30 {
		t.Errorf("%d rows, want the 30 days", n)
	}
	for _, c := range []struct{ row, column, want string }{
		{todayRow, "Conversations", "3"},
		{todayRow, "Answered", "2"},
		{todayRow, "Messages", "5"},
		{todayRow, "Good", "1 (50%)"},
		{todayRow, "Bad", "1 (50%)"},
		{todayRow, "Missed", "1"},
		{tid("reports-total"), "Conversations", "3"},
		{tid("reports-total"), "Missed", "1"},
	} {
		if got := cell(c.row, c.column); got != c.want {
			t.Errorf("%s, %s: %q, want %q", c.row, c.column, got, c.want)
		}
	}
	if got := p.text(tid("reports-total-conversations")); got != "3" {
		t.Errorf("total conversations %q", got)
	}
	href := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute('href')`, tid("reports-csv")))
	if !strings.Contains(href, "format=csv") || !strings.HasPrefix(href, "/api/reports/conversations?") {
		t.Errorf("CSV link %q", href)
	}
	p.screenshot("reports")
	checkAccessible(t, p.ctx, "Reports, per day")
	if n := consoleEval[int](p, `document.querySelectorAll('main, [role="main"]').length`); n != 1 {
		t.Errorf("Reports: %d main landmarks, want 1", n)
	}

	// Per operator: one bar for Alice.
	p.setValue(tid("reports-group"), "operator")
	p.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some((r) => r.querySelector('th').textContent === 'Alice Doe')`, tid("reports-row")), "Alice's row")
	p.wait(chartDrawnJS("conversations", 0x71, 0x4b, 0x67), "Alice's bar drawn")
	consoleEval[bool](p, `(document.querySelector('[data-chart="ratings"]').scrollIntoView(), true)`)
	p.screenshot("reports-operator")
	checkAccessible(t, p.ctx, "Reports, per operator")
	aliceRow := tid("reports-row")
	if got := cell(aliceRow, "Conversations"); got != "3" {
		t.Errorf("Alice's conversations %q", got)
	}
	if href := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute('href')`, tid("reports-csv"))); !strings.Contains(href, "group=operator") {
		t.Errorf("CSV link %q does not follow the filters", href)
	}

	// An operator has no Reports in the menu bar, and the page refuses them.
	op := openConsole(t, s, "alice", "password-alice", "/reports")
	op.wait(existsJS(tid("reports-forbidden")), "the refusal")
	if consoleEval[bool](op, existsJS(tid("nav-reports"))) {
		t.Error("an operator's menu bar offers Reports")
	}
}

// The visitor's rating reaches the operator's console: a badge in Discuss's list, in the
// conversation's header and in the messages drop-down, and the rating with its comment
// at the end of the conversation, in the Discuss pane and in the chat window.
func TestRatingShownInConsole(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	p := openConsole(t, s, "alice", "password-alice", "/discuss")
	conv := s.finishChat(t, ch, alice, true, 3, "Fine, thanks")

	item := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv)
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.score === "3"`, item+" "+tid("rating-badge")), "the rating in the LIVECHAT list")
	window := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	p.wait(fmt.Sprintf(`(document.querySelector(%q)?.innerText || "").includes("Fine, thanks")`, window+" "+tid("rating-note")), "the rating in the chat window")

	p.navigate(fmt.Sprintf("/discuss/%d", conv))
	p.wait(fmt.Sprintf(`(document.querySelector(%q)?.innerText || "").includes("Fine, thanks")`, tid("discuss-thread")+" "+tid("rating-note")), "the rating at the end of the conversation")
	if got := p.text(tid("discuss-thread") + " " + tid("rating-note")); !strings.Contains(got, "rated it okay") {
		t.Errorf("rating note %q", got)
	}
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q)?.getAttribute('aria-label') ?? ''`, ".discuss-header "+tid("rating-badge"))); got != "Rated okay: “Fine, thanks”" {
		t.Errorf("header badge %q", got)
	}
	p.click(tid("messages-button"))
	p.wait(fmt.Sprintf(`document.querySelector('%s[data-conversation-id="%d"] %s')?.dataset.score === "3"`, tid("messages-item"), conv, tid("rating-badge")), "the rating in the messages drop-down")
	p.screenshot("rating")
	checkAccessible(t, p.ctx, "a rated conversation in Discuss, with the messages drop-down")
}
