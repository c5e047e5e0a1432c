package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// expectClosed waits for the server to close the socket with status, skipping events.
func (c *wsClient) expectClosed(tb testing.TB, status websocket.StatusCode) {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case <-c.events:
		case err := <-c.closed:
			if got := websocket.CloseStatus(err); got != status {
				tb.Fatalf("socket closed with %v (%v), want %d", got, err, status)
			}
			return
		case <-deadline:
			tb.Fatalf("socket still open 5s later, want it closed with %d", status)
		}
	}
}

// stillOpen fails if the socket closes within d.
func (c *wsClient) stillOpen(tb testing.TB, d time.Duration) {
	tb.Helper()
	deadline := time.After(d)
	for {
		select {
		case <-c.events:
		case err := <-c.closed:
			tb.Fatalf("socket closed: %v", err)
		case <-deadline:
			return
		}
	}
}

// startChat starts a conversation as a new visitor and returns its visitor token and
// conversation.
func (s *testServer) startChat(tb testing.TB, channel int64, body string) (string, map[string]any) {
	tb.Helper()
	out := s.must(tb, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", channel), "", map[string]any{"body": body}).object(tb)
	return out["visitor_token"].(string), out["conversation"].(map[string]any)
}

// The attack of issue 17: after logging out, the console's WebSocket kept receiving
// events, a send frame on it was stored, and the operator stayed online and was given
// new conversations. Logging out now closes the socket with 4001 at once, a frame sent
// on it is not stored, and the next visitor waits in the queue.
func TestLogoutClosesTheSessionsWebSockets(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	ws := s.console(t, alice)
	visitor, conv := s.startChat(t, ch, "Hello")
	if conv["status"] != "active" {
		t.Fatalf("first conversation %v, want it assigned to alice", conv)
	}
	id := num(conv["id"])
	ws.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == id })

	s.must(t, 204, "DELETE", "/api/session", alice, nil)
	// What the attacker would do with the socket still open; the write may fail once
	// the close arrived, which is the point.
	data := mustJSON(t, map[string]any{"type": "send", "conversation_id": id, "body": "after logout", "client_id": "late-1"})
	ws.conn.Write(context.Background(), websocket.MessageText, data)
	ws.expectClosed(t, 4001)

	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", id), visitor, nil).decode(t, &msgs)
	if len(msgs) != 1 {
		t.Fatalf("messages after logout: %v, want the visitor's only", msgs)
	}
	if _, next := s.startChat(t, ch, "Anyone?"); next["status"] != "queued" {
		t.Fatalf("a new visitor's conversation after alice logged out: %v, want queued", next)
	}
	if r := s.call(t, "GET", "/api/me", alice, nil); r.Status != 401 {
		t.Fatalf("GET /api/me with the ended session: %d", r.Status)
	}
}

// A page reload (the socket closes, no logout) keeps the minute of grace: the operator
// is still given the next conversation.
func TestReloadKeepsTheGrace(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	ws := s.console(t, alice)
	ws.conn.Close(websocket.StatusGoingAway, "reload")
	time.Sleep(100 * time.Millisecond) // the server notices the close
	if _, conv := s.startChat(t, ch, "Hello"); conv["status"] != "active" {
		t.Fatalf("conversation during the reload grace: %v, want assigned", conv)
	}
}

// Changing one's password needs the current one, ends every other session of the user
// (their sockets close with 4001) and keeps the one that changed it.
func TestChangeOwnPassword(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, here := s.mustOperator(t, admin, "alice", nil)
	there := s.login(t, "alice", "password-alice")
	hereWS, thereWS := s.console(t, here), s.console(t, there)

	r := s.must(t, 400, "POST", "/api/me/password", here, map[string]string{"current_password": "wrong-password", "new_password": "new-password-1"})
	if r.errorCode(t) != "EINVALID" || !strings.Contains(string(r.Body), "Current password is wrong.") {
		t.Fatalf("wrong current password answered %s", r.Body)
	}
	s.must(t, 400, "POST", "/api/me/password", here, map[string]string{"current_password": "password-alice", "new_password": "short"})
	s.must(t, 200, "GET", "/api/me", there, nil) // refusals end nothing

	s.must(t, 204, "POST", "/api/me/password", here, map[string]string{"current_password": "password-alice", "new_password": "new-password-1"})
	thereWS.expectClosed(t, 4001)
	hereWS.stillOpen(t, 200*time.Millisecond)
	s.must(t, 401, "GET", "/api/me", there, nil)
	s.must(t, 200, "GET", "/api/me", here, nil)
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "alice", "password": "password-alice"})
	s.login(t, "alice", "new-password-1")
}

// An admin sees a user's sessions (no token, no hash: an opaque id, when, from where,
// with what) and ends one or all of them; their sockets close with 4001.
func TestAdminRevokesSessions(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, first := s.mustOperator(t, admin, "alice", nil)
	req, _ := http.NewRequest("POST", s.URL+"/api/session", jsonBody(map[string]string{"login": "alice", "password": "password-alice"}))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Firefox/"+strings.Repeat("x", 300))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	firstWS := s.console(t, first)

	var sessions []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/users/%d/sessions", aliceID), admin, nil).decode(t, &sessions)
	if len(sessions) != 2 {
		t.Fatalf("alice's sessions: %v, want 2", sessions)
	}
	newest := sessions[0]
	if ua, _ := newest["user_agent"].(string); !strings.HasPrefix(ua, "Firefox/") || len([]rune(ua)) != 256 {
		t.Errorf("newest session's user agent %q, want the Firefox one cut to 256 characters", ua)
	}
	for _, sess := range sessions {
		if sess["address"] != "127.0.0.1" || sess["current"] != false || num(sess["id"]) <= 0 || sess["created_at"] == nil || sess["expires_at"] == nil || sess["last_seen_at"] == nil {
			t.Errorf("session %v", sess)
		}
		for _, secret := range []string{first, "token", "hash"} {
			if strings.Contains(fmt.Sprint(sess), secret) {
				t.Errorf("session %v shows %q", sess, secret)
			}
		}
	}
	var mine []map[string]any
	s.must(t, 200, "GET", "/api/users/1/sessions", admin, nil).decode(t, &mine)
	if len(mine) != 1 || mine[0]["current"] != true {
		t.Errorf("the admin's own sessions: %v, want one, current", mine)
	}

	// The older one is alice's first login: ending it closes its socket.
	older := num(sessions[1]["id"])
	s.must(t, 404, "DELETE", fmt.Sprintf("/api/users/1/sessions/%d", older), admin, nil) // not the admin's
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d/sessions/%d", aliceID, older), admin, nil)
	firstWS.expectClosed(t, 4001)
	s.must(t, 401, "GET", "/api/me", first, nil)
	s.must(t, 404, "DELETE", fmt.Sprintf("/api/users/%d/sessions/%d", aliceID, older), admin, nil)

	third := s.login(t, "alice", "password-alice")
	thirdWS := s.console(t, third)
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d/sessions", aliceID), admin, nil)
	thirdWS.expectClosed(t, 4001)
	s.must(t, 401, "GET", "/api/me", third, nil)
	s.must(t, 200, "GET", fmt.Sprintf("/api/users/%d/sessions", aliceID), admin, nil).decode(t, &sessions)
	if len(sessions) != 0 {
		t.Fatalf("sessions after ending all: %v", sessions)
	}
}

// An admin's password reset ends the user's sessions.
func TestAdminResetsPassword(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", nil)
	ws := s.console(t, alice)
	s.must(t, 400, "PUT", fmt.Sprintf("/api/users/%d/password", aliceID), admin, map[string]string{"password": "short"})
	s.must(t, 204, "PUT", fmt.Sprintf("/api/users/%d/password", aliceID), admin, map[string]string{"password": "reset-password-1"})
	ws.expectClosed(t, 4001)
	s.must(t, 401, "GET", "/api/me", alice, nil)
	s.login(t, "alice", "reset-password-1")
	s.must(t, 404, "PUT", "/api/users/999/password", admin, map[string]string{"password": "reset-password-1"})
}

// Disabling a user ends their sessions and sockets, takes them out of their channels and
// gives their ongoing conversations to the others; they cannot log in (told so only
// with the right password) until enabled again.
func TestDisableUser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	aliceWS := s.console(t, alice)
	visitor, conv := s.startChat(t, ch, "Hello")
	id := num(conv["id"])
	if conv["status"] != "active" {
		t.Fatalf("conversation %v, want alice's", conv)
	}
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)

	// Bob is online in the channel but came later: the conversation is alice's.
	_, bob := s.mustOperator(t, admin, "bob", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	bobWS := s.console(t, bob)

	var u map[string]any
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"disabled": true}).decode(t, &u)
	if u["disabled"] != true || u["login"] != "alice" {
		t.Fatalf("PATCH answered %v", u)
	}
	aliceWS.expectClosed(t, 4001)
	s.must(t, 401, "GET", "/api/me", alice, nil)
	if ev := bobWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == id }); path(ev, "conversation", "status") != "active" {
		t.Fatalf("bob got %v, want alice's conversation, active", ev)
	}
	visitorWS.expect(t, "conversation", func(ev map[string]any) bool {
		return path(ev, "conversation", "status") == "active" && path(ev, "conversation", "operator", "name") == "Bob Doe"
	})
	var view map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d", ch), admin, nil).decode(t, &view)
	for _, op := range view["operators"].([]any) {
		if num(op.(map[string]any)["id"]) == aliceID {
			t.Fatalf("alice is still in the channel: %v", view)
		}
	}
	if r := s.call(t, "POST", "/api/session", "", map[string]string{"login": "alice", "password": "wrong-password"}); r.Status != 401 || strings.Contains(string(r.Body), "disabled") {
		t.Fatalf("wrong password for a disabled user: %d %s", r.Status, r.Body)
	}
	if r := s.call(t, "POST", "/api/session", "", map[string]string{"login": "alice", "password": "password-alice"}); r.Status != 401 || !strings.Contains(string(r.Body), "This account is disabled.") {
		t.Fatalf("right password for a disabled user: %d %s", r.Status, r.Body)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/users/%d", aliceID), admin, nil).decode(t, &u)
	if u["disabled"] != true {
		t.Fatalf("GET user %v", u)
	}

	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"disabled": false})
	s.login(t, "alice", "password-alice")
}

// An admin edits a user's name, role, chat name and languages; only what is sent
// changes, and a logged-in user has their new rights at once.
func TestAdminEditsUser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Ali"})
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]any{"enabled": true})
	s.must(t, 403, "GET", "/api/users", alice, nil)

	var u map[string]any
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"name": "Alice Martin", "role": "admin", "chat_languages": []string{"fr"}}).decode(t, &u)
	if u["name"] != "Alice Martin" || u["role"] != "admin" || u["chat_name"] != "Ali" || fmt.Sprint(u["chat_languages"]) != "[fr]" || u["main_language"] != "en" {
		t.Fatalf("edited user %v", u)
	}
	s.must(t, 200, "GET", "/api/users", alice, nil) // an admin at once

	r := s.must(t, 400, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"chat_languages": []string{"de"}})
	if !strings.Contains(string(r.Body), `\"de\"`) {
		t.Errorf("a language not enabled answered %s, want it named", r.Body)
	}
	s.must(t, 400, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"role": "boss"})
	s.must(t, 400, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"name": " "})
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", aliceID), admin, map[string]any{"role": "operator", "chat_name": "Alice"}).decode(t, &u)
	if u["role"] != "operator" || u["chat_name"] != "Alice" || u["name"] != "Alice Martin" {
		t.Fatalf("edited user %v", u)
	}
	s.must(t, 403, "GET", "/api/users", alice, nil) // an operator again at once
	s.must(t, 404, "PATCH", "/api/users/999", admin, map[string]any{"name": "Nobody"})
	s.must(t, 404, "GET", "/api/users/999", admin, nil)
}

// An admin cannot disable, demote or delete themselves (so an enabled admin always
// remains); another admin can.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	for _, c := range []struct {
		method string
		body   any
		word   string
	}{
		{"PATCH", map[string]any{"disabled": true}, "disable"},
		{"PATCH", map[string]any{"role": "operator"}, "demote"},
		{"DELETE", nil, "delete"},
	} {
		r := s.must(t, 400, c.method, "/api/users/1", admin, c.body)
		if r.errorCode(t) != "EINVALID" || !strings.Contains(string(r.Body), c.word) {
			t.Errorf("%s of oneself answered %s", c.word, r.Body)
		}
	}
	rootID, root := s.mustOperator(t, admin, "root", map[string]any{"role": "admin"})
	s.must(t, 200, "PATCH", "/api/users/1", root, map[string]any{"role": "operator"})
	s.must(t, 400, "PATCH", fmt.Sprintf("/api/users/%d", rootID), root, map[string]any{"disabled": true})
	s.must(t, 200, "GET", "/api/users", root, nil)
}

// Deleting a user removes them from the list and ends their sessions, but keeps the
// conversations and messages they took part in; their login is free again.
func TestDeleteUserKeepsConversations(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	ws := s.console(t, alice)
	visitor, conv := s.startChat(t, ch, "Hello")
	id := num(conv["id"])
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", id), alice, map[string]any{"body": "Hi, I am Alice."})

	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d", aliceID), admin, nil)
	ws.expectClosed(t, 4001)
	s.must(t, 401, "GET", "/api/me", alice, nil)
	s.must(t, 404, "GET", fmt.Sprintf("/api/users/%d", aliceID), admin, nil)
	s.must(t, 404, "DELETE", fmt.Sprintf("/api/users/%d", aliceID), admin, nil)
	s.must(t, 404, "GET", fmt.Sprintf("/api/users/%d/sessions", aliceID), admin, nil)
	var users []map[string]any
	s.must(t, 200, "GET", "/api/users", admin, nil).decode(t, &users)
	for _, u := range users {
		if num(u["id"]) == aliceID {
			t.Fatalf("deleted user listed: %v", users)
		}
	}
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", id), visitor, nil).decode(t, &msgs)
	if len(msgs) != 2 || msgs[1]["body"] != "Hi, I am Alice." || path(msgs[1], "author", "name") != "Alice" {
		t.Fatalf("messages after deleting their operator: %v", msgs)
	}
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "alice", "password": "password-alice"})
	newID, _ := s.mustOperator(t, admin, "alice", nil)
	if newID == aliceID {
		t.Fatalf("the new alice has the deleted one's id")
	}
}

// Logins are compared as PRECIS says (case and width folded); a login mixing scripts
// or with characters PRECIS refuses is refused with a message saying why.
func TestLoginsArePRECIS(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "alice", nil)
	user := func(login string) map[string]any {
		return map[string]any{"login": login, "password": "password-x", "name": "X"}
	}
	for _, login := range []string{"Alice", "ALICE", "\uff41lice"} {
		if r := s.call(t, "POST", "/api/users", admin, user(login)); r.Status != 409 || r.errorCode(t) != "ECONFLICT" {
			t.Errorf("login %q beside alice: %d %s, want 409", login, r.Status, r.Body)
		}
	}
	s.login(t, "ALICE", "password-alice")
	s.login(t, "Admin", adminPassword)
	for _, c := range []struct{ login, says string }{
		{"\u0430lice", "mixes Cyrillic and Latin"},
		{"\u03b1lice", "mixes Greek and Latin"},
		{"al ice", "spaces"},
		{"ali\u2665ce", "U+2665"},
	} {
		r := s.must(t, 400, "POST", "/api/users", admin, user(c.login))
		if r.errorCode(t) != "EINVALID" || !strings.Contains(string(r.Body), c.says) {
			t.Errorf("login %q answered %s, want it to say %q", c.login, r.Body, c.says)
		}
	}
	for _, login := range []string{"jean.dupont", "s\u00f8ren", "\u0438\u0432\u0430\u043d", "\u5c71\u7530\u305f\u308d\u3046"} {
		s.must(t, 201, "POST", "/api/users", admin, user(login))
	}
}

// Starting with --admin-password on an installation that has its admin already does
// not change the password, and says so in the log, with how to reset it.
func TestAdminPasswordIgnoredIsLogged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	start := func(password string) string {
		var log bytes.Buffer
		cfg := DefaultConfig()
		cfg.Addr, cfg.DB, cfg.AdminPassword, cfg.RateLimit = "127.0.0.1:0", db, password, false
		m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(&log, nil))}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		return log.String()
	}
	if out := start("first-password-1"); strings.Contains(out, "ignored") {
		t.Fatalf("first start warned: %s", out)
	}
	out := start("second-password-1")
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "ignored") || !strings.Contains(out, "parley user passwd admin") {
		t.Fatalf("second start with --admin-password logged:\n%s", out)
	}
	if out := start(""); strings.Contains(out, "ignored") {
		t.Fatalf("a start without --admin-password warned: %s", out)
	}
	s := mustStart(t, db)
	s.login(t, "admin", "first-password-1")
}

// "parley user passwd LOGIN" sets a password from the shell, from --password or from
// standard input, and ends the user's sessions.
func TestUserPasswdCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	s := mustStart(t, db)
	admin := s.adminToken(t)
	s.Close()

	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if err := runWithInput(context.Background(), []string{"user", "passwd", "--db", db, "--password", "shell-password-1", "ADMIN"}, env, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("user passwd: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "admin") {
		t.Errorf("user passwd printed %q", out.String())
	}
	if err := runWithInput(context.Background(), []string{"user", "passwd", "--db", db, "admin"}, env, strings.NewReader("stdin-password-1\n"), &out, &errOut); err != nil {
		t.Fatalf("user passwd from stdin: %v", err)
	}
	// As the README writes it: the flags after the login.
	if err := runWithInput(context.Background(), []string{"user", "passwd", "admin", "--db", db, "--password", "after-login-1"}, env, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("user passwd LOGIN --password: %v", err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"user", "passwd", "--db", db, "--password", "short", "admin"}, "at least 8"},
		{[]string{"user", "passwd", "--db", db, "--password", "long-enough-1", "nobody"}, "nobody"},
		{[]string{"user", "passwd", "--db", db}, "usage"},
		{[]string{"user", "passwd", "admin", "bob", "--db", db}, "usage"},
	} {
		err := runWithInput(context.Background(), c.args, env, strings.NewReader(""), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %v, want an error saying %q", c.args, err, c.says)
		}
	}

	s = mustStart(t, db)
	s.must(t, 401, "GET", "/api/me", admin, nil)
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "admin", "password": "shell-password-1"})
	s.must(t, 401, "POST", "/api/session", "", map[string]string{"login": "admin", "password": "stdin-password-1"})
	s.login(t, "admin", "after-login-1")
}
