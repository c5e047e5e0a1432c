package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// A visitor and an operator, each in their own browser, chat from the widget to the
// console and back: the operator logs in and joins a channel; a visitor whose browser
// speaks French opens the demo page and writes; the French-speaking operator gets it in a
// chat window in the bottom-right corner of the Channels page and in bold under LIVECHAT
// in Discuss; both exchange messages live; a script payload stays text; and once the
// operator leaves the channel, new conversations go to the other operator. (The inactivity
// removal flipping the card to Join is TestConsoleInactivityRemoval.)
func TestVisitorAndOperatorInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	// Oliver comes first in every tie (lower id): only the language rule gives Claire the
	// French visitor.
	_, oliver := s.mustOperator(t, admin, "oliver", map[string]any{"chat_name": "Oliver"})
	s.mustOperator(t, admin, "claire", map[string]any{"chat_name": "Claire", "main_language": "fr"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "welcome_message": "Hello! How can we help?"})
	// Oliver speaks English only; he is online (a console over the API) and in the channel.
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), oliver, nil)
	s.console(t, oliver)

	// Claire logs in in her browser and joins the channel on the Channels page.
	op := openConsole(t, s, "claire", "password-claire", "/channels",
		addScript(`window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));`))
	card := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("channel-card"), ch)
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "false"`, card), "the channel card with Join")
	op.click(card + " " + tid("channel-join"))
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "true"`, card), "the card to show Leave")

	// A visitor whose browser speaks Belgian French writes from the demo page: the
	// conversation goes to Claire, who speaks French, not to Oliver.
	vis := openDemo(t, s, ch, "fr-BE", "fr")
	vis.click("launcher")
	vis.waitText("welcome", "Hello! How can we help?")
	vis.typeInto("input", "Bonjour, je cherche un cadeau\n")
	vis.waitText("operator-name", "Claire")
	conv := vis.conversationID()

	// A chat window opens in the bottom-right corner of Claire's Channels page.
	window := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	op.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Bonjour, je cherche un cadeau")`, window+" "+tid("message-body")),
		"the visitor's message in a chat window")
	corner := consoleEval[bool](op, fmt.Sprintf(`(() => {
		const r = document.querySelector(%q).getBoundingClientRect();
		return r.right > innerWidth * 0.75 && r.bottom > innerHeight * 0.9 && r.left > innerWidth / 2;
	})()`, window))
	if !corner {
		t.Fatalf("the chat window is not in the bottom-right corner: %s", op.text(window))
	}

	// In Discuss the conversation is in bold under LIVECHAT.
	op.click(tid("nav-discuss"))
	item := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv)
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.classList.contains("unread")`, item), "the conversation in bold under LIVECHAT")
	if got := op.text(tid("livechat-heading")); !strings.HasPrefix(got, "LIVECHAT") {
		t.Fatalf("left panel heading %q", got)
	}
	weight := consoleEval[string](op, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).fontWeight`, item+" .livechat-item-name"))
	if w, _ := strconv.Atoi(weight); w < 600 {
		t.Fatalf("the unread conversation's name has font-weight %s, want bold", weight)
	}

	// Claire opens it and answers; the visitor sees it live, from "Claire".
	op.click(item)
	thread := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("discuss-thread"), conv)
	op.wait(fmt.Sprintf(`!!document.querySelector(%q)`, thread), "the conversation in the main pane")
	op.typeText(thread+" "+tid("composer-input"), "Bonjour ! Pour qui est le cadeau ?")
	op.click(thread + " " + tid("composer-send"))
	vis.waitMessage("operator", "Bonjour ! Pour qui est le cadeau ?")
	vis.waitText("operator-name", "Claire")

	// The visitor answers with a script payload: Claire sees it live, as text.
	const payload = `<img src=x onerror=alert(1)>`
	vis.typeInto("input", payload+"\n")
	op.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === %s)`, thread+" "+tid("message-body"), jsString(payload)),
		"the payload shown as text")
	if n := consoleEval[int](op, `document.querySelectorAll('[data-testid=message-list] img').length`); n != 0 {
		t.Fatalf("the payload made %d img elements", n)
	}
	if n := consoleEval[int](op, `window.__alerts.length`); n != 0 {
		t.Fatal("the payload ran a script")
	}

	// Claire leaves the channel: the next French visitor goes to Oliver.
	op.click(tid("nav-channels"))
	op.click(card + " " + tid("channel-leave"))
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "false"`, card), "the card to show Join again")
	next := openDemo(t, s, ch, "fr-FR", "fr")
	next.click("launcher")
	next.typeInto("input", "Bonjour ?\n")
	next.waitText("operator-name", "Oliver")
}
