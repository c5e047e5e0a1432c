package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// clickChoice clicks, with the mouse, the chatbot's choice with this label.
func (p *widgetPage) clickChoice(label string) {
	p.t.Helper()
	button := fmt.Sprintf(`Array.from(%s.querySelectorAll('[data-testid=choice]')).find(b => b.textContent === %q)`, shadowJS, label)
	p.wait("the choice "+label, visible(button))
	p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
	xy := evalJS[[]float64](p, `(() => { const r = `+button+`.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	if err := chromedp.Do(p.ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		p.t.Fatalf("click the choice %s: %v", label, err)
	}
}

// waitBot waits for the chatbot's words in the widget, before the conversation exists or
// as the conversation's messages after it.
func (p *widgetPage) waitBot(text string) {
	p.t.Helper()
	p.wait(fmt.Sprintf("the bot saying %q", text), fmt.Sprintf(
		`Array.from(%s.querySelectorAll('[data-kind=bot]')).some(m => m.textContent.includes(%q))`, shadowJS, text))
}

// The widget runs the channel's chatbot: its first message and choices show when the
// visitor opens the chat; "Just looking" shows the closing text and creates nothing;
// "Sales" asks an email (a bad one is refused in the widget), and the answer hands the
// conversation over to Bob in the Sales channel, whose console shows the bot's exchange
// and the visitor's answers.
func TestChatbotInTheBrowser(t *testing.T) {
	w := newWidgetSetup(t, nil)
	s := w.s
	sales := s.mustChannel(t, w.admin, map[string]any{"name": "Sales"})
	_, bob := s.mustOperator(t, w.admin, "bob", map[string]any{"chat_name": "Bob"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", sales), bob, nil)
	s.console(t, w.alice)
	s.console(t, bob)
	s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/script", w.ch), w.admin, chatbotScript(sales))
	conversations := func() int { return len(w.operatorConversations(t, w.alice)) + len(w.operatorConversations(t, bob)) }

	t.Run("an ending choice", func(t *testing.T) {
		p := openDemo(t, s, w.ch, "en-US")
		p.click("launcher")
		p.waitBot("Hello! I am the Website bot.")
		p.waitBot("What is it about?")
		p.clickChoice("Just looking")
		p.waitBot("Have a nice day!")
		p.wait("the offer to start again", visible(byTestID("restart")))
		screenshot(t, p.ctx, "chatbot-ended")
		if id := p.conversationID(); id != 0 || conversations() != 0 {
			t.Fatalf("an ending choice created conversation %d (%d in all)", id, conversations())
		}
		p.click("restart")
		p.wait("the choices again", visible(byTestID("choices")))
		if n := evalJS[int](p, shadowJS+`.querySelectorAll('[data-testid=bot-answer]').length`); n != 0 {
			t.Errorf("after starting again, %d answers still show", n)
		}
	})

	t.Run("to sales", func(t *testing.T) {
		p := openDemo(t, s, w.ch, "en-US")
		p.click("launcher")
		p.wait("the choices", visible(byTestID("choices")))
		p.settled()
		checkAccessible(t, p.ctx, "the widget with the chatbot's choices")
		p.clickChoice("Sales")
		p.waitBot("Your email, please?")
		p.typeInto("input", "ann at example\n")
		p.wait("the email refused", visible(byTestID("error")))
		if conversations() != 0 {
			t.Fatal("a bad email started a conversation")
		}
		evalJS[chromedp.Void](p, `(() => { const input = `+byTestID("input")+`; input.value = ''; })()`)
		p.typeInto("input", "ann@example.com\n")
		p.waitText("operator-name", "Bob")
		conv := p.conversationID()
		p.waitMessage("bot", "Hello! I am the Website bot.")
		p.waitMessage("visitor", "Sales")
		p.waitMessage("visitor", "ann@example.com")
		screenshot(t, p.ctx, "chatbot-handed-over")

		c := openConsole(t, s, "bob", "password-bob", fmt.Sprintf("/discuss/%d", conv))
		thread := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("discuss-thread"), conv)
		c.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText.includes("Your email, please?"))`,
			thread+" "+tid("message")+`[data-author-kind="bot"]`), "the bot's question in Bob's thread")
		c.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "ann@example.com")`, thread+" "+tid("message-body")),
			"the visitor's answer in Bob's thread")
		answers := tid("chatbot-answers")
		c.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("ann@example.com")`, answers), "the answers in the visitor panel")
		if got := c.text(answers); !containsAll(got, "What is it about?", "Sales", "Your email, please?") {
			t.Errorf("the answers panel says %q", got)
		}
		c.screenshot("chatbot-console-answers")
		if list := w.operatorConversations(t, w.alice); len(list) != 0 {
			t.Errorf("alice got %d conversations; the chatbot handed over to Sales", len(list))
		}

		// Bob ends it; the visitor writes again: the new chat starts with the chatbot too.
		s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", conv), bob, nil)
		p.wait("the ended chat's transcript", visible(byTestID("transcript")))
		p.typeInto("input", "One more thing\n")
		p.wait("the chatbot's choices again", visible(byTestID("choices")))
		if n := conversations(); n != 1 {
			t.Errorf("writing after the end started a conversation without the chatbot (%d in all)", n)
		}
	})

	// The admin changes the script while a visitor answers it: the server refuses the
	// old path, and the widget starts again with the new script.
	t.Run("a script changed meanwhile", func(t *testing.T) {
		p := openDemo(t, s, w.ch, "en-US")
		p.click("launcher")
		p.wait("the choices", visible(byTestID("choices")))
		changed := chatbotScript(sales)
		changed["steps"].([]any)[1].(map[string]any)["choices"].([]any)[0].(map[string]any)["label"] = "Buying"
		s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/script", w.ch), w.admin, changed)
		p.clickChoice("Sales")
		p.waitBot("Your email, please?")
		p.typeInto("input", "cy@example.com\n")
		p.wait("the refusal", visible(byTestID("error")))
		p.clickChoice("Buying")
		p.typeInto("input", "cy@example.com\n")
		p.waitText("operator-name", "Bob")
	})
}

// containsAll reports whether s holds every one of parts.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// An admin writes a channel's chatbot in Admin → Channels with the step editor: rows of
// steps with their kind, text, choices and where each leads; a script the server refuses
// shows its reason, and what is saved is what the API then gives.
func TestConsoleChatbotEditor(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales"})
	p := openConsole(t, s, "admin", adminPassword, "/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), ch)
	p.wait(existsJS(row), "the channel in Admin → Channels")
	p.click(row)
	p.wait(existsJS(tid("channel-script-empty")), "the Chatbot section")

	step := func(n int) string { return fmt.Sprintf(`%s:nth-child(%d) `, tid("script-step"), n) }
	p.click(tid("channel-script-add"))
	p.setValue(step(1)+tid("script-text"), "Hello! I am the bot.")
	p.click(tid("channel-script-add"))
	p.setValue(step(2)+tid("script-kind"), "choice")
	p.wait(existsJS(step(2)+tid("script-choice-label")), "the first choice")
	p.setValue(step(2)+tid("script-text"), "What is it about?")
	p.setValue(step(2)+tid("script-choice-label"), "Sales")
	p.setValue(step(2)+tid("script-choice")+" "+tid("script-action"), "hand_over")
	p.wait(existsJS(step(2)+tid("script-channel")), "the channel to hand over to")
	p.setValue(step(2)+tid("script-channel"), fmt.Sprint(sales))
	p.click(step(2) + tid("script-choice-add"))
	second := step(2) + tid("script-choice") + ":nth-of-type(2) "
	p.wait(existsJS(second+tid("script-choice-label")), "the second choice")
	p.setValue(second+tid("script-choice-label"), "Just looking")
	p.setValue(second+tid("script-action"), "end")
	p.wait(existsJS(second+tid("script-closing")), "the closing text")
	p.click(tid("channel-script-enabled"))
	p.click(tid("channel-script-save"))
	p.wait(existsJS(tid("channel-script-error")), "the refusal of an empty closing text")
	if got := p.text(tid("channel-script-error")); !strings.Contains(got, "closing text is required") {
		t.Errorf("error %q, want the server's reason", got)
	}
	p.setValue(second+tid("script-closing"), "Have a nice day!")
	p.click(tid("channel-script-save"))
	p.wait(existsJS(tid("channel-script-saved")), "the script saved")
	checkAccessible(t, p.ctx, "Admin → Channels, a channel's chatbot")
	consoleEval[bool](p, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: 'start', inline: 'nearest'}), true)`, tid("channel-script")))
	p.screenshot("chatbot-editor")
	if w := consoleEval[int](p, `document.documentElement.scrollWidth - innerWidth`); w > 0 {
		t.Errorf("the page is %d px wider than the window with the chatbot's section", w)
	}

	var got struct {
		Enabled bool `json:"enabled"`
		Steps   []struct {
			ID, Kind, Text, Action string
			Choices                []struct {
				Label, Action, Closing string
				ChannelID              int64 `json:"channel_id"`
			}
		} `json:"steps"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d/script", ch), admin, nil).decode(t, &got)
	if !got.Enabled || len(got.Steps) != 2 || got.Steps[0].Kind != "message" || got.Steps[0].Text != "Hello! I am the bot." ||
		got.Steps[1].Kind != "choice" || len(got.Steps[1].Choices) != 2 ||
		got.Steps[1].Choices[0].Label != "Sales" || got.Steps[1].Choices[0].Action != "hand_over" || got.Steps[1].Choices[0].ChannelID != sales ||
		got.Steps[1].Choices[1].Action != "end" || got.Steps[1].Choices[1].Closing != "Have a nice day!" {
		t.Errorf("saved script = %+v", got)
	}
}
