package main

// Browser test of Admin → Webhooks (#/admin/webhooks). Test ids:
//   admin-webhooks, webhooks-empty, webhook-new, webhook-url, webhook-event-EVENT,
//   webhook-add, webhook-error, webhook (a card), webhook-title, webhook-enabled,
//   webhook-secret, webhook-test, webhook-rotate, webhook-delete, webhook-action-error,
//   webhook-deliveries, webhook-delivery (a row), webhook-delivery-state, webhook-no-deliveries

import (
	"fmt"
	"strings"
	"testing"
)

// An admin adds a webhook in Admin → Webhooks, sees its secret once, sends a test, and
// sees the delivery in its log, delivered; a conversation's start shows there too; the
// tab passes axe.
func TestWebhooksBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), admin, nil)
	rcv := newHookReceiver(t)
	p := openConsole(t, s, "admin", adminPassword, "/admin/webhooks")

	p.wait(existsJS(tid("webhooks-empty")), "Admin → Webhooks, empty")
	checkAccessible(t, p.ctx, "Admin → Webhooks")
	p.setValue(tid("webhook-url"), rcv.URL+"/parley")
	p.jsClick(tid("webhook-event-message")) // all but messages
	p.jsClick(tid("webhook-add"))
	p.wait(existsJS(tid("webhook-secret")), "the new webhook's secret")
	secret := p.text(tid("webhook-secret"))
	if !strings.Contains(secret, "whsec_") {
		t.Fatalf("the secret shown: %q", secret)
	}
	var hooks []struct {
		ID     int64    `json:"id"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	s.must(t, 200, "GET", "/api/webhooks", admin, nil).decode(t, &hooks)
	if len(hooks) != 1 || hooks[0].URL != rcv.URL+"/parley" || len(hooks[0].Events) != 6 {
		t.Fatalf("the webhooks made: %+v", hooks)
	}
	rcv.mu.Lock()
	rcv.secret = secret[strings.Index(secret, "whsec_"):]
	rcv.mu.Unlock()

	p.jsClick(tid("webhook-test"))
	rcv.waitFor(t, "test", `"event":"test"`)
	s.visitorStart(t, ch, "Vi", "Hello")
	rcv.waitFor(t, "conversation.started", `"status":"active"`)
	p.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].filter(r => r.innerText.includes("delivered")).length >= 2`, tid("webhook-delivery")), "two deliveries, delivered, in the log")
	rows := consoleEval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(r => r.innerText)`, tid("webhook-delivery")))
	if !strings.Contains(strings.Join(rows, "\n"), "conversation.started") || !strings.Contains(strings.Join(rows, "\n"), "HTTP 204") {
		t.Errorf("the delivery log:\n%s", strings.Join(rows, "\n"))
	}
	checkAccessible(t, p.ctx, "Admin → Webhooks with deliveries")
	p.screenshot("admin-webhooks")

	p.click(tid("admin-tab-audit-log"))
	p.wait(existsJS(tid("admin-audit")), "Admin → Audit log")
	p.click(tid("admin-tab-webhooks"))
	p.wait(existsJS(tid("webhook-deliveries")), "the webhook again")
	if consoleEval[bool](p, existsJS(tid("webhook-secret"))) {
		t.Error("the secret is shown again after leaving the tab")
	}
}
