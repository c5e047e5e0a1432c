package main

// Browser test of trusted visitor identity: a website page that embeds the widget with
// data-identity-token. The console shows the verified visitor with these data-testid
// attributes: verified-badge (the conversation's header, the LIVECHAT list, the chat
// windows) and visitor-identity (the visitor panel).

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
)

// A logged-in visitor of a website chats through the widget, which hands Parley the
// token the website signed: the chat works as ever, and the operator's console shows
// the visitor under the verified name with the verified badge, and the email in the
// visitor panel. The admin removes and creates the secret in Admin → Channels; Ann on
// another device, identified by Parley.identify in a single-page app, continues the
// same conversation.
func TestIdentityBrowser(t *testing.T) {
	w := newWidgetSetup(t, nil)
	secret := w.s.mustIdentitySecret(t, w.admin, w.ch)
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app" { // a single-page app: Parley.identify after its login
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(rw, `<!doctype html><html lang="en"><head><title>Fernwood App</title></head>
<body><h1>Fernwood</h1><script src="%s/widget.js" data-channel="%d" async></script></body></html>`, w.s.URL, w.ch)
			return
		}
		if r.URL.Path != "/" {
			http.NotFound(rw, r)
			return
		}
		// As a website does: a new token for each page it serves.
		token := identityToken(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"user_id": "u-42", "name": "Ann Lee", "email": "ann@example.com"})
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html lang="en"><head><title>Fernwood Coffee</title></head>
<body><h1>Welcome back, Ann</h1>
<script src="%s/widget.js" data-channel="%d" data-identity-token="%s" async></script>
</body></html>`, w.s.URL, w.ch, token)
	}))
	t.Cleanup(site.Close)

	w.s.console(t, w.alice)
	p := openSite(t, site.URL+"/", "en-US", "en")
	p.wait("launcher", visible(byTestID("launcher")))
	p.wait("the identity token taken", fmt.Sprintf(`!!(JSON.parse(localStorage.getItem('parley:%s:%d') || '{}').token)`, w.s.URL, w.ch))
	p.click("launcher")
	p.typeInto("input", "Hello, where is my order?\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()

	c := openConsole(t, w.s, "alice", "password-alice", fmt.Sprintf("/discuss/%d", conv))
	c.wait(existsJS(`.discuss-header `+tid("verified-badge")), "the verified badge in the conversation's header")
	if got := c.text(tid("discuss-title")); got != "Ann Lee" {
		t.Errorf("conversation title %q, want the verified name Ann Lee", got)
	}
	c.wait(existsJS(tid("livechat-item")+` `+tid("verified-badge")), "the verified badge in the LIVECHAT list")
	c.click(tid("messages-button"))
	c.wait(existsJS(tid("messages-item")+` `+tid("verified-badge")), "the verified badge in the messages drop-down")
	c.press("Escape")
	c.wait(existsJS(tid("visitor-identity")), "the verified identity in the visitor panel (open beside the thread)")
	if got := c.text(tid("visitor-identity")); !strings.Contains(got, "ann@example.com") || !strings.Contains(got, "u-42") {
		t.Errorf("visitor panel identity %q, want the email and the user id", got)
	}
	checkAccessible(t, c.ctx, "Discuss with a verified visitor")

	// The visitor reloads the page (a new token): the same conversation goes on.
	if err := chromedp.Do(p.ctx, chromedp.Navigate(site.URL+"/")); err != nil {
		t.Fatal(err)
	}
	p.wait("launcher", visible(byTestID("launcher")))
	p.click("launcher")
	p.waitMessage("visitor", "Hello, where is my order?")

	// The admin manages the secret in Admin → Channels: removed, then created anew and
	// shown once.
	a := openConsole(t, w.s, "admin", adminPassword, "/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), w.ch)
	a.wait(existsJS(row), "the channel in Admin → Channels")
	a.jsClick(row)
	a.wait(existsJS(tid("channel-identity-remove")), "the channel's identity secret, set")
	a.jsClick(tid("channel-identity-remove"))
	a.wait(fmt.Sprintf(`document.querySelector(%q)?.textContent.includes('No secret')`, tid("channel-identity-status")), "the secret removed")
	a.jsClick(tid("channel-identity-rotate"))
	a.wait(existsJS(tid("channel-identity-secret")), "the new secret, shown once")
	shown := consoleEval[string](a, fmt.Sprintf(`document.querySelector(%q).value`, tid("channel-identity-secret")))
	if len(shown) < 32 || shown == secret {
		t.Errorf("new secret %q, want a new long one", shown)
	}
	checkAccessible(t, a.ctx, "Admin → Channels with a new identity secret")
	// Ann on another device, in a single-page app that identifies her after its own
	// login, continues the same conversation.
	phone := openSite(t, site.URL+"/app", "en-US", "en")
	phone.wait("launcher", visible(byTestID("launcher")))
	token := identityToken(t, jwt.SigningMethodHS256, []byte(shown), jwt.MapClaims{"user_id": "u-42", "name": "Ann Lee"})
	evalJS[chromedp.Void](phone, fmt.Sprintf(`void Parley.identify(%q)`, token))
	phone.wait("Ann's conversation on the other device", fmt.Sprintf(`%s.dataset.conversation === '%d'`, byTestID("root"), conv))
	phone.click("launcher")
	phone.waitMessage("visitor", "Hello, where is my order?")

	var st map[string]any
	w.s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d/identity-secret", w.ch), w.admin, nil).decode(t, &st)
	if st["set"] != true {
		t.Errorf("identity secret status %v after the console created one", st)
	}
}
