package main

// Browser test of Admin → Data and Admin → Audit log. Test ids:
//
// Admin → Data (#/admin/data)
//   admin-data, admin-data-requests, data-query, data-search, data-error, data-results,
//   data-none, data-visitors, data-visitor (a row), data-export, data-erase, data-left,
//   data-export-email, data-erase-email, confirm, confirm-ok, confirm-cancel
//   admin-retention, retention-days, retention-save, retention-last
// Admin → Audit log (#/admin/audit-log)
//   admin-audit, audit-action (the filter), audit-table, audit-row, audit-empty, audit-more, audit-error

import (
	"fmt"
	"strings"
	"testing"
)

// An admin finds a visitor in Admin → Data, reads what the erasure will remove, erases it
// (the visitor's token stops working, the operator's chat window shows the end), sets the
// retention rule, and finds both actions in Admin → Audit log; both tabs pass axe.
func TestDataRequestsBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), admin, nil)
	p := openConsole(t, s, "admin", adminPassword, "/admin/data")
	conv, vera := s.visitorStart(t, ch, "Vera Lynn", "Hello, please forget me afterwards")
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Vera", "email": "vera@example.com", "body": "Call me"})

	p.wait(existsJS(tid("data-query")), "Admin → Data")
	checkAccessible(t, p.ctx, "Admin → Data")
	p.setValue(tid("data-query"), "vera lynn")
	p.click(tid("data-search"))
	p.wait(existsJS(tid("data-visitor")), "Vera in the results")
	if row := p.text(tid("data-visitor")); !strings.Contains(row, "Vera Lynn") {
		t.Fatalf("the row: %q", row)
	}
	p.jsClick(tid("data-erase")) // the chat window may cover the row's end
	p.wait(existsJS(tid("confirm")), "the confirmation")
	checkAccessible(t, p.ctx, "Admin → Data, the erasure's confirmation")
	text := p.text(tid("confirm"))
	for _, want := range []string{"Erase everything about Vera Lynn?", "page views", "1 conversation", "cannot be undone"} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation %q does not say %q", text, want)
		}
	}
	p.screenshot("admin-data-erase")
	p.jsClick(tid("confirm-ok"))
	p.wait("!"+existsJS(tid("data-visitor"))+" && !"+existsJS(tid("confirm")), "the erased visitor gone from the results")
	eventually(t, "Vera's token refused", func() string {
		if r := s.call(t, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), vera, nil); r.Status != 401 {
			return fmt.Sprintf("status %d", r.Status)
		}
		return ""
	})
	if left := string(s.must(t, 200, "GET", "/api/offline-messages", admin, nil).Body); !strings.Contains(left, "vera@example.com") {
		t.Error("an erasure by name removed the messages left with an email it was not given")
	}

	p.setValue(tid("retention-days"), "365")
	p.jsClick(tid("retention-save"))
	eventually(t, "the rule saved", func() string {
		if got := s.must(t, 200, "GET", "/api/settings/retention", admin, nil).object(t)["days"]; got != 365.0 {
			return fmt.Sprint(got)
		}
		return ""
	})

	p.click(tid("admin-tab-audit-log"))
	p.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(r => r.innerText.includes("Visitor data erased"))`, tid("audit-row")), "the erasure in the audit log")
	checkAccessible(t, p.ctx, "Admin → Audit log")
	rows := consoleEval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(r => r.innerText)`, tid("audit-row")))
	if len(rows) < 3 || !strings.Contains(rows[0], "Retention changed") || !strings.Contains(rows[0], "days: 365") ||
		!strings.Contains(rows[1], "Visitor data erased") || !strings.Contains(rows[1], "admin") || !strings.Contains(rows[1], "messages: 2") {
		t.Errorf("the audit log's rows, newest first:\n%s", strings.Join(rows, "\n"))
	}
	if strings.Contains(strings.Join(rows, "\n"), "forget me") {
		t.Error("the audit log shows erased content")
	}
	p.setValue(tid("audit-action"), "channel.create")
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 1 && document.querySelector(%q).innerText.includes("Channel created")`, tid("audit-row"), tid("audit-row")), "the log filtered to channels created")
	p.screenshot("admin-audit-log")
}
