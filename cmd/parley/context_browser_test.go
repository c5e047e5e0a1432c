package main

// Browser test of the visitor context: the widget reports the pages a visitor views on a
// website, and the operator sees them beside the conversation in Discuss and in a chat
// window. The console's visitor panel has these data-testid attributes:
//
//	visitor-toggle              Discuss's "Visitor" button, which shows or hides the panel
//	chat-window-info            a chat window's button that shows the panel in place of the messages
//	visitor-panel               the panel; data-conversation-id, data-loaded (true once read)
//	visitor-current-page        the page the visitor is on (a link titled with its address)
//	visitor-pages, visitor-page the pages viewed, newest first
//	visitor-browser             "Chrome 120 on Windows"
//	visitor-language            the conversation's language and the browser's
//	visitor-local-time          the visitor's time now
//	visitor-referrer            where the visitor came from
//	visitor-conversations, visitor-conversation (data-conversation-id), visitor-conversation-message
//	visitor-refresh             reads the visitor again

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// fernwoodSite is a small website of two pages that embed the widget of channel ch, the
// second with a single-page navigation (history.pushState) to a third address.
func fernwoodSite(t *testing.T, s *testServer, ch int64) *httptest.Server {
	t.Helper()
	pages := map[string]string{
		"/":      "Fernwood Coffee",
		"/beans": "Our beans · Fernwood",
	}
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		title, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html lang="en"><head><title>%s</title></head>
<body><h1>%s</h1><a id="beans" href="/beans">Our beans</a>
<script src="%s/widget.js" data-channel="%d" async></script>
</body></html>`, title, title, s.URL, ch)
	}))
	t.Cleanup(site.Close)
	return site
}

// A visitor browses two pages of a website and starts a chat: the operator opens the
// conversation in Discuss and sees the page the visitor is on, the pages viewed (newest
// first), their browser and their local time; a later navigation of the visitor's
// single-page site is reported with their token and appears in the panel at once, and a
// chat window's info button shows the same.
func TestVisitorContextBrowser(t *testing.T) {
	w := newWidgetSetup(t, nil)
	site := fernwoodSite(t, w.s, w.ch)

	p := openSite(t, site.URL+"/", "en-US", "en")
	p.wait("launcher", visible(byTestID("launcher")))
	// The visitor follows a link to the second page: a new page load, with the widget.
	evalJS[chromedp.Void](p, `setTimeout(() => document.getElementById('beans').click(), 0)`)
	eventually(t, "the second page", func() string {
		// Evaluations fail while the page is replaced.
		at, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.pathname`))
		if err != nil || at != "/beans" {
			return fmt.Sprintf("at %q (%v)", at, err)
		}
		return ""
	})
	p.wait("the widget on the second page", visible(byTestID("launcher")))
	p.wait("the two views kept until the first message", fmt.Sprintf(
		`(JSON.parse(localStorage.getItem('parley:%s:%d')).pages || []).length === 2`, w.s.URL, w.ch))

	w.s.console(t, w.alice)
	p.click("launcher")
	p.typeInto("input", "Do you have decaf?\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()
	if stored := evalJS[string](p, fmt.Sprintf(`localStorage.getItem('parley:%s:%d')`, w.s.URL, w.ch)); strings.Contains(stored, `"pages"`) {
		t.Errorf("page views still kept after the first message: %s", stored)
	}

	c := openConsole(t, w.s, "alice", "password-alice", fmt.Sprintf("/discuss/%d", conv))
	panel := tid("visitor-panel") + `[data-loaded="true"]`
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, panel), "the visitor panel")
	if got := c.text(tid("visitor-current-page") + " a"); got != "Our beans · Fernwood" {
		t.Errorf("current page %q", got)
	}
	if href := consoleEval[string](c, fmt.Sprintf(`document.querySelector(%q).href`, tid("visitor-current-page")+" a")); href != site.URL+"/beans" {
		t.Errorf("current page links to %q", href)
	}
	link := consoleEval[map[string]string](c, fmt.Sprintf(`(() => { const a = document.querySelector(%q); return {target: a.target, rel: a.rel}; })()`, tid("visitor-current-page")+" a"))
	if link["target"] != "_blank" || link["rel"] != "noopener noreferrer" {
		t.Errorf("current page link %v, want a new tab without opener or referrer", link)
	}
	pagesText := func() []string {
		return consoleEval[[]string](c, `Array.from(document.querySelectorAll('[data-testid="visitor-page"] a')).map(a => a.textContent)`)
	}
	if got := pagesText(); strings.Join(got, "|") != "Our beans · Fernwood|Fernwood Coffee" {
		t.Errorf("pages viewed %q, want the second page then the first", got)
	}
	if got := c.text(tid("visitor-browser")); !strings.Contains(got, "Chrome") || !strings.Contains(got, "Linux") {
		t.Errorf("browser %q, want Chromium's name and Linux", got)
	}
	if got := c.text(tid("visitor-local-time")); got == "" {
		t.Error("no local time shown")
	}
	checkAccessible(t, c.ctx, "Discuss with the visitor panel")
	c.screenshot("console-visitor")

	// The visitor's single-page site navigates: reported at once with the visitor's token.
	evalJS[chromedp.Void](p, `document.title = 'Arabica · Fernwood'; history.pushState({}, '', '/beans/arabica')`)
	eventually(t, "the navigation reported", func() string {
		info := w.s.visitorInfo(t, conv, w.alice)
		if info.CurrentPage == nil || info.CurrentPage.URL != site.URL+"/beans/arabica" {
			return fmt.Sprintf("current page %+v", info.CurrentPage)
		}
		return ""
	})
	// The console is told and shows it without being asked.
	c.wait(fmt.Sprintf(`document.querySelector(%q)?.textContent === 'Arabica · Fernwood'`, tid("visitor-current-page")+" a"), "the new current page")
	if got := pagesText(); len(got) != 3 || got[0] != "Arabica · Fernwood" {
		t.Errorf("pages viewed after the navigation %q", got)
	}

	// /history, typed in Discuss's composer, answers the operator alone with the pages
	// viewed, newest first, each after its time; the visitor receives nothing.
	composer := fmt.Sprintf("#composer-pane-%d", conv)
	c.typeText(composer, "/history\n")
	history := fmt.Sprintf(`[...document.querySelectorAll(%q)].filter((n) => n.dataset.kind === 'info').map((n) => n.innerText).join('\n')`, tid("local-note"))
	c.wait(history+`.includes('Fernwood Coffee')`, "the answer to /history")
	lines := strings.Split(consoleEval[string](c, history), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "Arabica · Fernwood — "+site.URL+"/beans/arabica") ||
		!strings.Contains(lines[3], "Fernwood Coffee — "+site.URL+"/") || !regexp.MustCompile(`^\d{1,2}:\d\d`).MatchString(lines[3]) {
		t.Errorf("/history answered %q, want the three pages newest first, each after its time", lines)
	}
	if n := evalJS[int](p, shadowJS+`.querySelectorAll('[data-testid=message]').length`); n != 1 {
		t.Errorf("the widget shows %d messages after /history, want the visitor's one", n)
	}

	// The panel folds away.
	c.click(tid("visitor-toggle"))
	c.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("visitor-panel")), "the panel hidden")

	// A chat window's info button shows the same panel in place of the messages. The
	// visitor's next message opens the window on another page.
	c.navigate("/channels")
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("channels-page")), "the channels page")
	p.typeInto("input", "Still there?\n")
	p.waitMessage("visitor", "Still there?")
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("chat-window")), "the chat window")
	c.click(tid("chat-window-info"))
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("chat-window")+" "+panel), "the panel in the chat window")
	if got := c.text(tid("chat-window") + " " + tid("visitor-current-page") + " a"); got != "Arabica · Fernwood" {
		t.Errorf("chat window's current page %q", got)
	}
	checkAccessible(t, c.ctx, "a chat window showing the visitor")
	c.screenshot("console-visitor-window")
	c.click(tid("chat-window-info"))
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("chat-window")+" "+tid("composer-input")), "the messages again")

	// The visitor ends the chat and starts another: beside the new one, the first is
	// listed, and opens to its messages.
	c.click(tid("chat-window-close"))
	p.click("end")
	p.waitMessage("system", "You ended the chat.")
	p.typeInto("input", "About my order\n")
	p.wait("the second conversation", fmt.Sprintf(`%s.dataset.conversation !== '' && %[1]s.dataset.conversation !== '%d'`, byTestID("root"), conv))
	second := p.conversationID()
	c.navigate(fmt.Sprintf("/discuss/%d", second))
	earlier := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("visitor-conversation"), conv)
	c.wait(fmt.Sprintf(`!!document.querySelector(%q)`, panel+" "+earlier), "the earlier conversation")
	if n := consoleEval[int](c, fmt.Sprintf(`document.querySelectorAll(%q).length`, tid("visitor-conversation"))); n != 1 {
		t.Errorf("%d earlier conversations listed, want 1", n)
	}
	// The new conversation's chat window, open in the corner beside Discuss, would cover
	// the panel: the operator closes it.
	consoleEval[int](c, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map((b) => b.click()).length`, tid("chat-window-close")))
	c.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("chat-window")), "the chat windows closed")
	c.click(earlier + " summary")
	c.wait(fmt.Sprintf(`document.querySelector(%q).open`, earlier), "the earlier conversation open")
	msgs := consoleEval[[]string](c, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map((m) => m.innerText.replace(/\s+/g, ' ').trim())`, earlier+" "+tid("visitor-conversation-message")))
	if got := strings.Join(msgs, "|"); !strings.Contains(got, "Do you have decaf?") || !strings.Contains(got, "Still there?") || !strings.HasSuffix(got, "Visitor left the conversation.") {
		t.Errorf("earlier conversation's messages %q", msgs)
	}
	c.screenshot("console-visitor-earlier")
}
