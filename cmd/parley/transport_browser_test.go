package main

import (
	"fmt"
	"strings"
	"testing"
)

// The demo page works under its own Content-Security-Policy: its inline script runs
// (allowed by hash), the widget loads from /widget.js, talks to Parley by HTTP and
// WebSocket, and nothing is refused.
func TestDemoUnderItsPolicy(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US")
	p.wait("launcher", visible(byTestID("launcher")))
	if snippet := evalJS[string](p, `document.getElementById('snippet').textContent`); !strings.Contains(snippet, w.s.URL+"/widget.js") {
		t.Fatalf("the demo's inline script did not run: snippet %q", snippet)
	}
	p.click("launcher")
	p.typeInto("input", "Hello under a policy\n")
	p.waitText("operator-name", "Alice")
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", p.conversationID()), w.alice, map[string]string{"body": "Welcome!"})
	p.waitMessage("operator", "Welcome!")
	if v := evalJS[[]string](p, `window.__csp`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations on /demo: %v", v)
	}
}

// The console connects its WebSocket under a policy that allows connections to Parley's
// own origin only.
func TestConsoleUnderItsPolicy(t *testing.T) {
	s := mustStart(t, "")
	p := openConsole(t, s, "admin", adminPassword, "", addScript(`
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });`))
	if v := consoleEval[[]string](p, `window.__csp`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations in the console: %v", v)
	}
}
