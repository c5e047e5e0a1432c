package main

import (
	"fmt"
	"testing"
)

// deafen makes the page's WebSocket (the one __ws names) drop every event but the answers
// to its own sends (those name a client_id), as a socket on a server that lost events on
// its bus does until it is told to reconnect.
const deafen = `(() => {
	const ws = window.__ws, handler = ws.onmessage;
	ws.onmessage = (e) => { if (String(e.data).includes('"client_id"')) handler.call(ws, e); };
	return true;
})()`

// The widget's socket misses an operator's message, then its own next message is
// answered: once the socket reconnects, the widget fetches what it missed from the last
// seq up to which it had everything, not from its own later message.
func TestWidgetCatchesUpPastItsOwnMessage(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")
	p.click("launcher")
	p.typeInto("input", "first message\n")
	p.waitMessage("visitor", "first message")
	conv := p.conversationID()

	evalJS[bool](p, `(() => {
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (data) { window.__ws = this; return send.call(this, data); };
		return true;
	})()`)
	p.typeInto("input", "second message\n")
	p.waitMessage("visitor", "second message")
	evalJS[bool](p, deafen)
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "missed answer"})
	p.typeInto("input", "third message\n")
	p.waitMessage("visitor", "third message")

	evalJS[bool](p, `(window.__ws.close(), true)`) // as the server does after a loss
	p.waitMessage("operator", "missed answer")
	if n := evalJS[int](p, shadowJS+`.querySelectorAll('[data-testid=message]:not([data-pending])').length`); n != 4 {
		t.Errorf("the widget shows %d messages, want 4: %v", n, p.messages())
	}
}

// The console's socket misses a visitor's message, then the operator's own reply is
// answered past it: the console fetches the missed message at once, as for any gap.
func TestConsoleCatchesUpPastItsOwnMessage(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, heidi := s.mustOperator(t, admin, "heidi", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), heidi, nil)

	p := openConsole(t, s, "heidi", "password-heidi", "/discuss", addScript(wsHook))
	conv, visitor := s.visitorStart(t, website, "Ivan", "First question")
	p.click(fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv))
	pane := tid("discuss-thread")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, pane, tid("message")), "the conversation in the pane")

	consoleEval[bool](p, `(window.__ws = window.__sockets.at(-1), true)`)
	consoleEval[bool](p, deafen)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Second question, missed"})
	p.typeText(pane+" "+tid("composer-input"), "My answer\n")
	p.wait(fmt.Sprintf(`[...document.querySelectorAll('%s %s[data-seq="3"]')].some(m => m.innerText.includes("My answer"))`, pane, tid("message")),
		"the operator's answer")
	p.wait(fmt.Sprintf(`[...document.querySelectorAll('%s %s[data-seq="2"]')].some(m => m.innerText.includes("Second question, missed"))`, pane, tid("message")),
		"the missed message, fetched for the gap")
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll('%s %s').length`, pane, tid("message"))); n != 3 {
		t.Errorf("%d messages in the pane, want 3 (no duplicates)", n)
	}
}
