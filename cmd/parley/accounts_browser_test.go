package main

// Browser tests of account management in the console: Admin → Users' editor (profile,
// password reset, sessions, disable, delete) and My Profile → Account Security (the
// operator's own password), and the console leaving for the login page when its session
// ends. Test ids, besides those listed in console_browser_test.go:
//
// Admin → Users
//   user-edit                  a row's Edit link (#/admin/users/ID); rows carry data-user-id, data-disabled
//   user-row-chat-name, user-row-languages, user-row-status   cells of a row
//   users-notice               "NAME (LOGIN) was deleted."
//   new-user-button            back to the Add a user form (shown while a user is edited)
//   user-editor                the editor; data-user-id
//   user-editor-title, user-editor-disabled, user-editor-error
//   user-form, user-name, user-role, user-chat-name, user-main-language,
//   user-chat-languages, user-chat-language-chip (data-code), user-chat-language-remove,
//   user-chat-language-add, user-save, user-discard, user-saved, user-error
//   reset-password-form, reset-password-input, reset-password-submit, reset-password-saved, reset-password-error
//   sessions, sessions-list, session-row (data-session-id, data-current), session-current
//   ("This session"), session-address, session-user-agent, session-revoke, sessions-revoke-all,
//   sessions-empty, sessions-done, sessions-error
//   access, user-disable, user-enable, user-delete, access-done, access-error, access-self
//   confirm, confirm-ok, confirm-cancel   the confirmation asked before disabling, enabling, deleting
//
// My Profile → Account Security (#/profile/security)
//   tab-security, password-form, password-current, password-new, password-confirm,
//   password-submit, password-saved, password-error

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// existsJS is the JavaScript test that an element matches the selector.
func existsJS(sel string) string { return fmt.Sprintf(`!!document.querySelector(%q)`, sel) }

// loginFails submits the login form and returns the error it shows.
func (p *consolePage) loginFails(login, password string) string {
	p.t.Helper()
	p.wait(existsJS(tid("login-form")), "the login form")
	p.setValue(tid("login-input"), "")
	p.setValue(tid("password-input"), "")
	consoleEval[bool](p, fmt.Sprintf(`(document.querySelector(%q)?.remove(), true)`, tid("login-error")))
	p.do(
		chromedp.SendKeys(chromedp.CSS(tid("login-input")), login),
		chromedp.SendKeys(chromedp.CSS(tid("password-input")), password),
		chromedp.Click(chromedp.CSS(tid("login-submit"))),
	)
	p.wait(existsJS(tid("login-error")), "the login error")
	if consoleEval[bool](p, existsJS(tid("menubar"))) {
		p.t.Fatalf("%s logged in with %q", login, password)
	}
	return p.text(tid("login-error"))
}

// waitLoggedOut waits for the login page that a console shows when its session ends.
func (p *consolePage) waitLoggedOut(what string) {
	p.t.Helper()
	p.wait(existsJS(tid("login-form"))+" && !"+existsJS(tid("menubar")), what)
	notice := consoleEval[string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(n => n.innerText).join("\n")`, tid("notice")))
	if !strings.Contains(notice, "Your session has ended. Log in again.") {
		p.t.Errorf("%s: notice %q, want one saying the session ended", what, notice)
	}
}

// editUser opens a user's editor from the Admin → Users list, as an admin clicks Edit.
func (p *consolePage) editUser(login string, id int64) {
	p.t.Helper()
	if !consoleEval[bool](p, existsJS(tid("users-table"))) {
		p.click(tid("nav-admin"))
	}
	row := fmt.Sprintf(`%s[data-login=%q]`, tid("user-row"), login)
	p.wait(existsJS(row), login+" in the users table")
	p.click(row + " " + tid("user-edit"))
	p.waitEditor(id)
}

// waitEditor waits for a user's editor with its sessions loaded: until then the sections
// under the sessions move, and a click could land on the wrong button.
func (p *consolePage) waitEditor(id int64) {
	p.t.Helper()
	editor := fmt.Sprintf(`%s[data-user-id="%d"]`, tid("user-editor"), id)
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s') && !!document.querySelector('%s %s, %s %s')`,
		editor, tid("user-form"), editor, tid("sessions-list"), editor, tid("sessions-empty")), fmt.Sprintf("the editor of user %d", id))
}

// apiUser is a user as the API shows it.
type apiUser struct {
	ID            int64    `json:"id"`
	Login         string   `json:"login"`
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	ChatName      string   `json:"chat_name"`
	MainLanguage  string   `json:"main_language"`
	ChatLanguages []string `json:"chat_languages"`
	Disabled      bool     `json:"disabled"`
}

// An admin changes an operator's Online Chat Name and languages in Admin → Users: only
// enabled languages are offered, the list shows the change, the server and the operator's
// own console have it.
func TestAccountsAdminEditsUser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	s.must(t, 200, "PUT", "/api/languages/es", admin, map[string]bool{"enabled": true})
	bobID, bob := s.mustOperator(t, admin, "bob", nil)

	p := openConsole(t, s, "admin", adminPassword, "/discuss")
	p.editUser("bob", bobID)
	if got := p.text(tid("user-editor-title")); got != "Edit Bob Doe" {
		t.Errorf("editor title %q", got)
	}
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, tid("user-name"))); got != "Bob Doe" {
		t.Errorf("name field %q", got)
	}
	options := consoleEval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(o => o.value).filter(Boolean).sort()`, tid("user-main-language")+" option"))
	if !slices.Equal(options, []string{"en", "es", "fr"}) {
		t.Errorf("main language offers %v, want the enabled en, es, fr", options)
	}

	p.typeText(tid("user-chat-name"), "Bobby")
	p.setValue(tid("user-main-language"), "fr")
	p.setValue(tid("user-chat-language-add"), "es")
	p.wait(existsJS(fmt.Sprintf(`%s[data-code="es"]`, tid("user-chat-language-chip"))), "the Spanish chip")
	p.click(tid("user-save"))
	p.wait(existsJS(tid("user-saved")), "the user to be saved")

	row := fmt.Sprintf(`%s[data-login="bob"]`, tid("user-row"))
	if got := p.text(row + " " + tid("user-row-chat-name")); got != "Bobby" {
		t.Errorf("list shows chat name %q, want Bobby", got)
	}
	if got := p.text(row + " " + tid("user-row-languages")); got != "French, Spanish" {
		t.Errorf("list shows languages %q, want French, Spanish", got)
	}
	consoleEval[bool](p, `(document.activeElement?.blur(), window.scrollTo(0, 0), true)`)
	p.screenshot("console-users-edit")

	var u apiUser
	s.must(t, 200, "GET", fmt.Sprintf("/api/users/%d", bobID), admin, nil).decode(t, &u)
	if u.ChatName != "Bobby" || u.MainLanguage != "fr" || !slices.Equal(u.ChatLanguages, []string{"es"}) || u.Name != "Bob Doe" || u.Role != "operator" {
		t.Fatalf("GET /api/users/%d = %+v, want chat name Bobby, main fr, chat languages [es], the rest unchanged", bobID, u)
	}
	s.must(t, 200, "GET", "/api/me", bob, nil).decode(t, &u)
	if u.ChatName != "Bobby" {
		t.Fatalf("Bob's GET /api/me has chat name %q", u.ChatName)
	}

	// Bob sees it in his own console.
	b := openConsole(t, s, "bob", "password-bob", "/profile")
	b.wait(fmt.Sprintf(`document.querySelector(%q)?.value === "Bobby"`, tid("pref-chat-name")), "Bob's chat name in My Profile")
	if got := b.text(".profile-head"); !strings.Contains(got, "Visitors see you as Bobby") {
		t.Errorf("Bob's profile header %q", got)
	}

	// A language disabled meanwhile is refused with the server's message.
	s.must(t, 200, "PUT", "/api/languages/es", admin, map[string]bool{"enabled": false})
	p.click(fmt.Sprintf(`%s[data-code="es"] %s`, tid("user-chat-language-chip"), tid("user-chat-language-remove")))
	p.setValue(tid("user-chat-language-add"), "en")
	p.setValue(tid("user-main-language"), "es")
	p.click(tid("user-save"))
	p.wait(existsJS(tid("user-error")), "the refusal")
	if got := p.text(tid("user-error")); !strings.Contains(got, `"es"`) {
		t.Errorf("error %q does not name the language", got)
	}
}

// An admin sets a new password for an operator: the operator logs in with it, the old
// one fails, and the operator's sessions have ended.
func TestAccountsResetPassword(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	carolID, carol := s.mustOperator(t, admin, "carol", nil)

	p := openConsole(t, s, "admin", adminPassword, "/admin/users")
	p.editUser("carol", carolID)
	p.typeText(tid("reset-password-input"), "short")
	p.click(tid("reset-password-submit"))
	p.wait(existsJS(tid("reset-password-error")), "the refusal of a short password")
	p.setValue(tid("reset-password-input"), "")
	p.typeText(tid("reset-password-input"), "carol-new-secret")
	p.click(tid("reset-password-submit"))
	p.wait(existsJS(tid("reset-password-saved")), "the password to be reset")
	p.wait(existsJS(tid("sessions-empty")), "no session left for Carol")

	if r := s.call(t, "GET", "/api/me", carol, nil); r.Status != 401 {
		t.Errorf("Carol's old session: status %d, want 401", r.Status)
	}
	c := newConsolePage(t, s)
	c.navigate("/discuss")
	if got := c.loginFails("carol", "password-carol"); got != "Wrong login or password." {
		t.Errorf("old password: %q", got)
	}
	c.login("carol", "carol-new-secret")
	c.waitConnected()
}

// An admin disables an operator whose console is open: that console goes to the login
// page at once (the server closes its socket with 4001; the console does not wait for an
// answer from GET /api/me, held here), the operator cannot log in; enabled again, they can.
func TestAccountsDisable(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	daveID, _ := s.mustOperator(t, admin, "dave", nil)

	const holdMe = `(() => {
		const real = window.fetch;
		window.__holdMe = false;
		window.fetch = function (input, init) {
			if (window.__holdMe && String(input).endsWith("/api/me")) return new Promise(() => {});
			return real.apply(this, arguments);
		};
	})();`
	d := openConsole(t, s, "dave", "password-dave", "/discuss", addScript(holdMe), addScript(wsHook))
	consoleEval[bool](d, `(window.__holdMe = true)`)

	p := openConsole(t, s, "admin", adminPassword, "/admin/users")
	p.editUser("dave", daveID)
	p.click(tid("user-disable"))
	p.wait(existsJS(tid("confirm")), "the confirmation")
	if got := p.text(tid("confirm")); !strings.Contains(got, "Disable Dave Doe?") {
		t.Errorf("confirmation %q", got)
	}
	p.wait(`document.activeElement?.dataset.testid === "confirm-cancel"`, "the focus on the confirmation's Cancel")
	p.click(tid("confirm-ok"))

	row := fmt.Sprintf(`%s[data-login="dave"]`, tid("user-row"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.disabled === "true"`, row), "Dave shown disabled in the list")
	if got := p.text(row + " " + tid("user-row-status")); got != "Disabled" {
		t.Errorf("status cell %q", got)
	}
	p.wait(existsJS(tid("user-enable"))+" && "+existsJS(tid("user-editor-disabled"))+" && "+existsJS(tid("sessions-empty")),
		"the editor to offer Enable, and no session left")

	d.waitLoggedOut("Dave's console to show the login page")
	if n := consoleEval[int](d, `window.__sockets.length`); n != 1 {
		t.Errorf("%d WebSockets opened, want 1 (no reconnection after the session ended)", n)
	}
	consoleEval[bool](d, `(window.__holdMe = false, true)`)
	if got := d.loginFails("dave", "password-dave"); got != "This account is disabled." {
		t.Errorf("disabled login: %q", got)
	}
	if got := d.loginFails("dave", "not-the-password"); got != "Wrong login or password." {
		t.Errorf("disabled login with a wrong password: %q (must reveal nothing)", got)
	}

	p.click(tid("user-enable"))
	p.wait(existsJS(tid("confirm-ok")), "the confirmation")
	p.click(tid("confirm-ok"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.disabled === "false"`, row), "Dave enabled in the list")
	d.login("dave", "password-dave")
	d.waitConnected()
}

// The sessions list shows each open session with its browser and address, marks the
// admin's own; revoking one logs out only that browser, Revoke all ends the rest.
func TestAccountsRevokeSessions(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	erinID, erin := s.mustOperator(t, admin, "erin", nil) // a session from Go's HTTP client
	e := openConsole(t, s, "erin", "password-erin", "/discuss")

	p := openConsole(t, s, "admin", adminPassword, "/admin/users")
	var adminID int64
	for _, u := range func() (list []apiUser) { s.must(t, 200, "GET", "/api/users", admin, nil).decode(t, &list); return }() {
		if u.Login == "admin" {
			adminID = u.ID
		}
	}

	// The admin's own sessions: this browser's is marked, the API one is not.
	p.editUser("admin", adminID)
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("session-row")), "the admin's two sessions")
	current := fmt.Sprintf(`%s[data-current="true"]`, tid("session-row"))
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll(%q).length`, current)); n != 1 {
		t.Fatalf("%d sessions marked as this one, want 1", n)
	}
	if got := p.text(current); !strings.Contains(got, "This session") || !strings.Contains(got, "HeadlessChrome") || !strings.Contains(got, "127.0.0.1") {
		t.Errorf("this session shows %q, want the mark, the browser and the address", got)
	}
	if got := p.text(tid("access-self")); got == "" {
		t.Error("the admin's own editor offers Disable and Delete")
	}

	// Erin's: one from the browser, one from Go.
	p.editUser("erin", erinID)
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("session-row")), "Erin's two sessions")
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll(%q).length`, current)); n != 0 {
		t.Errorf("%d of Erin's sessions marked as the admin's", n)
	}
	browserRow := fmt.Sprintf(`[...document.querySelectorAll(%q)].find(r => r.innerText.includes("HeadlessChrome"))`, tid("session-row"))
	if !consoleEval[bool](p, "!!"+browserRow) || !consoleEval[bool](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].some(r => r.innerText.includes("Go-http-client"))`, tid("session-row"))) {
		t.Fatalf("sessions %q, want one from the browser and one from Go", p.text(tid("sessions-list")))
	}
	consoleEval[bool](p, browserRow+`.querySelector('[data-testid="session-revoke"]').click() ?? true`)
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 1 && !%s`, tid("session-row"), browserRow), "the browser's session to go from the list")
	e.waitLoggedOut("Erin's console to show the login page")
	s.must(t, 200, "GET", "/api/me", erin, nil)

	p.click(tid("sessions-revoke-all"))
	p.wait(existsJS(tid("sessions-empty")), "no session left")
	if r := s.call(t, "GET", "/api/me", erin, nil); r.Status != 401 {
		t.Errorf("Erin's API session after Revoke all: status %d, want 401", r.Status)
	}
	p.waitConnected()
}

// A console whose session ended without its socket telling (here the page no longer
// listens to it) goes to the login page at the first API call answered 401.
func TestAccountsConsoleLogsOutOn401(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ivyID, _ := s.mustOperator(t, admin, "ivy", nil)
	p := openConsole(t, s, "ivy", "password-ivy", "/discuss", addScript(wsHook))
	consoleEval[bool](p, `(window.__sockets.forEach(ws => { ws.onclose = null; ws.onmessage = null; }), true)`)
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d/sessions", ivyID), admin, nil)
	// Going to Channels asks the API, which answers 401. A request of the console's own
	// may meet the 401 first and show the login page before the click: either way it is a
	// 401 that logged the page out, since the socket's close no longer reaches the console.
	consoleEval[bool](p, `(document.querySelector('[data-testid="nav-channels"]')?.click(), true)`)
	p.waitLoggedOut("the login page after a 401")
}

// Deleting asks first (Escape cancels, the focus goes back to Delete); confirmed, the user
// leaves the list and cannot log in. The admin uses the keyboard only.
func TestAccountsDelete(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	frankID, frank := s.mustOperator(t, admin, "frank", nil)

	// All by keyboard: Enter on the row's Edit link opens the editor and takes the focus
	// to its heading.
	p := openConsole(t, s, "admin", adminPassword, "/admin/users")
	edit := fmt.Sprintf(`%s[data-login="frank"] %s`, tid("user-row"), tid("user-edit"))
	p.wait(existsJS(edit), "Frank in the users table")
	p.do(chromedp.Focus(chromedp.CSS(edit)), chromedp.KeyEvent(kb.Enter))
	p.waitEditor(frankID)
	p.wait(`document.activeElement?.id === "user-editor-title"`, "the focus on the editor's heading")
	p.do(chromedp.Focus(chromedp.CSS(tid("user-delete"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("confirm")), "the confirmation")
	if got := p.text(tid("confirm")); !strings.Contains(got, "Delete Frank Doe?") {
		t.Errorf("confirmation %q", got)
	}
	p.wait(`document.activeElement?.dataset.testid === "confirm-cancel"`, "the focus on the confirmation's Cancel")
	p.do(chromedp.KeyEvent(kb.Escape))
	p.wait("!"+existsJS(tid("confirm")), "Escape to cancel")
	p.wait(`document.activeElement?.dataset.testid === "user-delete"`, "the focus back on Delete")
	s.must(t, 200, "GET", fmt.Sprintf("/api/users/%d", frankID), admin, nil)

	p.do(chromedp.KeyEvent(kb.Enter))
	p.wait(`document.activeElement?.dataset.testid === "confirm-cancel"`, "the confirmation, focused")
	p.do(chromedp.Focus(chromedp.CSS(tid("confirm-ok"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("users-notice"))+" && "+existsJS(tid("new-user-form")), "the notice and the Add a user form")
	if got := p.text(tid("users-notice")); got != "Frank Doe (frank) was deleted." {
		t.Errorf("notice %q", got)
	}
	if consoleEval[bool](p, existsJS(fmt.Sprintf(`%s[data-login="frank"]`, tid("user-row")))) {
		t.Error("Frank is still in the list")
	}
	var list []apiUser
	s.must(t, 200, "GET", "/api/users", admin, nil).decode(t, &list)
	for _, u := range list {
		if u.Login == "frank" {
			t.Errorf("GET /api/users still lists Frank: %+v", u)
		}
	}
	s.must(t, 404, "GET", fmt.Sprintf("/api/users/%d", frankID), admin, nil)
	s.must(t, 401, "GET", "/api/me", frank, nil)
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "frank", "password": "password-frank"})
}

// An operator changes their own password in My Profile → Account Security: the server's
// refusal shows inline without logging out; once changed, their other console goes to
// the login page and this one stays.
func TestAccountsChangeOwnPassword(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "gina", nil)

	other := openConsole(t, s, "gina", "password-gina", "/discuss")
	p := openConsole(t, s, "gina", "password-gina", "/discuss")
	p.click(tid("user-menu-button"))
	p.click(tid("menu-profile"))
	p.wait(existsJS(tid("tab-preferences")), "My Profile")
	// The tabs follow the arrow keys.
	p.do(chromedp.Focus(chromedp.CSS(tid("tab-preferences"))), chromedp.KeyEvent(kb.ArrowRight))
	p.wait(existsJS(tid("password-form"))+` && document.activeElement?.dataset.testid === "tab-security"`, "the Account Security tab, focused")
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-selected")`, tid("tab-security"))); got != "true" {
		t.Errorf("Account Security tab aria-selected=%q", got)
	}
	for _, id := range []string{"password-current", "password-new", "password-confirm"} {
		if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector('label[for="' + document.querySelector(%q).id + '"]')?.innerText ?? ""`, tid(id))); got == "" {
			t.Errorf("%s has no label", id)
		}
	}

	fill := func(current, next, confirm string) {
		t.Helper()
		for id, v := range map[string]string{"password-current": current, "password-new": next, "password-confirm": confirm} {
			p.setValue(tid(id), "")
			p.typeText(tid(id), v)
		}
		p.click(tid("password-submit"))
	}
	errorShown := func(want string) {
		t.Helper()
		p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === %s`, tid("password-error"), jsString(want)), "the error "+want)
	}

	fill("not-my-password", "gina-new-secret", "gina-new-secret")
	errorShown("Current password is wrong.")
	if consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-invalid")`, tid("password-current"))) != "true" {
		t.Error("the current password field is not marked invalid")
	}
	if !consoleEval[bool](p, existsJS(tid("menubar"))) {
		t.Fatal("a wrong current password logged the console out")
	}
	fill("password-gina", "gina-new-secret", "gina-new-secrets")
	errorShown("The two new passwords are not the same.")

	fill("password-gina", "gina-new-secret", "gina-new-secret")
	p.wait(existsJS(tid("password-saved"))+" && !"+existsJS(tid("password-error")), "the password to be changed")
	other.waitLoggedOut("the other console to show the login page")

	// This console stays: its pages still load.
	p.waitConnected()
	p.click(tid("nav-channels"))
	p.wait(existsJS(tid("channels-page")), "the Channels page")
	if consoleEval[bool](p, existsJS(tid("login-form"))) {
		t.Fatal("the console that changed the password was logged out")
	}
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "gina", "password": "password-gina"})
	other.login("gina", "gina-new-secret")
	other.waitConnected()
}
