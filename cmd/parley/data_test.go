package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// auditEntry is an entry of GET /api/audit-log.
type auditEntry struct {
	ID         int64          `json:"id"`
	At         string         `json:"at"`
	ActorID    int64          `json:"actor_id"`
	ActorLogin string         `json:"actor_login"`
	Action     string         `json:"action"`
	TargetKind string         `json:"target_kind"`
	TargetID   string         `json:"target_id"`
	Detail     map[string]any `json:"detail"`
}

func (s *testServer) auditLog(tb testing.TB, admin, query string) []auditEntry {
	tb.Helper()
	var list []auditEntry
	s.must(tb, 200, "GET", "/api/audit-log?"+query, admin, nil).decode(tb, &list)
	return list
}

// An admin finds a visitor (by a conversation of theirs, by name, by the email they left a
// message with), exports everything held about them, and erases it: their chat still going
// on ends (the operator's console is told), their token stops working, their messages,
// files, page views and left messages are gone, another visitor's are not, and the audit
// log records the export and the erasure with counts. Operators and supervisors are
// refused; bad input is 400, an unknown visitor 404.
func TestDataRequests(t *testing.T) {
	onEveryStore(t, testDataRequests)
}

func testDataRequests(t *testing.T, s *testServer) {
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	_, supervisor := s.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	start := func(name, body string) (string, int64) {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
			"body": body, "visitor_name": name, "page_url": "https://shop.example/" + name,
			"pages": []any{pageView("https://shop.example/"+name, "Shop", "")},
		}).object(t)
		return out["visitor_token"].(string), num(path(out, "conversation", "id"))
	}
	vera, veraConv := start("Vera", "Hello, I am Vera")
	vic, vicConv := start("Vic", "Hello, I am Vic")
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", veraConv), alice, map[string]any{"body": "Hello Vera"})
	s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", veraConv), vera, "passport.png", pngImage(t), nil, nil)
	s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", vicConv), vic, "vic.png", pngImage(t), nil, nil)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Vera", "email": "vera@example.com", "body": "Call me"})
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Vic", "email": "vic@example.com", "body": "Call me too"})

	// Finding Vera.
	type search struct {
		Visitors []struct {
			ID            int64  `json:"id"`
			Name          string `json:"name"`
			Conversations int    `json:"conversations"`
		} `json:"visitors"`
		LeftMessages []map[string]any `json:"left_messages"`
	}
	var byConv, byName, byEmail search
	s.must(t, 200, "GET", fmt.Sprintf("/api/data-requests/visitors?conversation_id=%d", veraConv), admin, nil).decode(t, &byConv)
	if len(byConv.Visitors) != 1 || byConv.Visitors[0].Name != "Vera" || byConv.Visitors[0].Conversations != 1 {
		t.Fatalf("by conversation: %+v", byConv)
	}
	veraID := byConv.Visitors[0].ID
	s.must(t, 200, "GET", "/api/data-requests/visitors?name=VER", admin, nil).decode(t, &byName)
	if len(byName.Visitors) != 1 || byName.Visitors[0].ID != veraID {
		t.Fatalf("by name: %+v", byName)
	}
	s.must(t, 200, "GET", "/api/data-requests/visitors?email="+url.QueryEscape("Vera@Example.com"), admin, nil).decode(t, &byEmail)
	if len(byEmail.LeftMessages) != 1 || byEmail.LeftMessages[0]["body"] != "Call me" || len(byEmail.Visitors) != 0 {
		t.Fatalf("by email: %+v", byEmail)
	}

	// Refusals and bad input.
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"an operator searches", "GET", "/api/data-requests/visitors?name=Vera", alice, nil, 403, "EFORBIDDEN"},
		{"a supervisor exports", "GET", fmt.Sprintf("/api/data-requests/export?visitor_id=%d", veraID), supervisor, nil, 403, "EFORBIDDEN"},
		{"a supervisor erases", "POST", "/api/data-requests/erase", supervisor, map[string]any{"visitor_id": veraID}, 403, "EFORBIDDEN"},
		{"a supervisor reads the audit log", "GET", "/api/audit-log", supervisor, nil, 403, "EFORBIDDEN"},
		{"a supervisor reads the retention rule", "GET", "/api/settings/retention", supervisor, nil, 403, "EFORBIDDEN"},
		{"a search of nothing", "GET", "/api/data-requests/visitors", admin, nil, 400, "EINVALID"},
		{"a bad id", "GET", "/api/data-requests/visitors?id=abc", admin, nil, 400, "EINVALID"},
		{"a bad email", "GET", "/api/data-requests/visitors?email=nobody", admin, nil, 400, "EINVALID"},
		{"an export of nobody", "GET", "/api/data-requests/export", admin, nil, 400, "EINVALID"},
		{"an export of a negative id", "GET", "/api/data-requests/export?visitor_id=-3", admin, nil, 400, "EINVALID"},
		{"an export of an unknown visitor", "GET", "/api/data-requests/export?visitor_id=99999", admin, nil, 404, "ENOTFOUND"},
		{"an erasure of nobody", "POST", "/api/data-requests/erase", admin, map[string]any{}, 400, "EINVALID"},
		{"an erasure with a bad email", "POST", "/api/data-requests/erase", admin, map[string]any{"visitor_id": veraID, "email": "a b@c"}, 400, "EINVALID"},
		{"an erasure with an unknown field", "POST", "/api/data-requests/erase", admin, map[string]any{"visitor": veraID}, 400, "EINVALID"},
		{"an erasure of an id as text", "POST", "/api/data-requests/erase", admin, map[string]any{"visitor_id": "12"}, 400, "EINVALID"},
		{"an erasure of an unknown visitor", "POST", "/api/data-requests/erase", admin, map[string]any{"visitor_id": 99999, "email": "vera@example.com"}, 404, "ENOTFOUND"},
		{"an audit log page of 0", "GET", "/api/audit-log?limit=0", admin, nil, 400, "EINVALID"},
		{"an audit log page too long", "GET", "/api/audit-log?limit=201", admin, nil, 400, "EINVALID"},
		{"an audit log before text", "GET", "/api/audit-log?before=x", admin, nil, 400, "EINVALID"},
		{"negative days", "PATCH", "/api/settings/retention", admin, map[string]any{"days": -1}, 400, "EINVALID"},
		{"days as text", "PATCH", "/api/settings/retention", admin, map[string]any{"days": "30"}, 400, "EINVALID"},
		{"a century and more", "PATCH", "/api/settings/retention", admin, map[string]any{"days": 36501}, 400, "EINVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != tc.status || r.errorCode(t) != tc.code {
				t.Fatalf("%d %s, want %d %s: %s", r.Status, r.errorCode(t), tc.status, tc.code, r.Body)
			}
		})
	}
	if left := s.must(t, 200, "GET", "/api/offline-messages", admin, nil).Body; !strings.Contains(string(left), "vera@example.com") {
		t.Fatal("a refused erasure removed Vera's left message")
	}

	// The export.
	r := s.must(t, 200, "GET", fmt.Sprintf("/api/data-requests/export?visitor_id=%d&email=vera%%40example.com", veraID), admin, nil)
	if cd := r.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="parley-data-visitor-%d.json"`, veraID) {
		t.Errorf("Content-Disposition %q", cd)
	}
	var export struct {
		Visitor struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"visitor"`
		Context *struct {
			UserAgent string `json:"user_agent"`
		} `json:"context"`
		PageViews     []map[string]any `json:"page_views"`
		Conversations []struct {
			ID       int64            `json:"id"`
			PageURL  string           `json:"page_url"`
			Operator string           `json:"operator"`
			Messages []map[string]any `json:"messages"`
			Files    []struct {
				Name   string `json:"name"`
				SentBy string `json:"sent_by"`
				URL    string `json:"url"`
			} `json:"files"`
		} `json:"conversations"`
		LeftMessages []map[string]any `json:"left_messages"`
	}
	r.decode(t, &export)
	if export.Visitor.ID != veraID || export.Visitor.Name != "Vera" || export.Context == nil || len(export.PageViews) != 1 ||
		len(export.Conversations) != 1 || len(export.LeftMessages) != 1 {
		t.Fatalf("export: %s", r.Body)
	}
	conv := export.Conversations[0]
	if conv.ID != veraConv || conv.PageURL != "https://shop.example/Vera" || conv.Operator != "Alice" || len(conv.Messages) != 3 ||
		conv.Messages[0]["body"] != "Hello, I am Vera" || len(conv.Files) != 1 || conv.Files[0].Name != "passport.png" || conv.Files[0].SentBy != "visitor" {
		t.Fatalf("exported conversation: %+v", conv)
	}
	if strings.Contains(string(r.Body), "Vic") {
		t.Error("Vera's export names Vic")
	}
	if got := s.call(t, "GET", conv.Files[0].URL, admin, nil); got.Status != 200 || len(got.Body) == 0 {
		t.Errorf("the file's URL %s: %d", conv.Files[0].URL, got.Status)
	}

	// The erasure, while Vera's chat goes on.
	var erased map[string]any
	s.must(t, 200, "POST", "/api/data-requests/erase", admin, map[string]any{"visitor_id": veraID, "email": "VERA@example.com"}).decode(t, &erased)
	want := map[string]any{"visitor_id": float64(veraID), "conversations": 1.0, "messages": 4.0, "files": 1.0, "page_views": 1.0, "left_messages": 1.0}
	for k, v := range want {
		if erased[k] != v {
			t.Errorf("erased %s = %v, want %v (%v)", k, erased[k], v, erased)
		}
	}
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == veraConv && path(ev, "conversation", "status") == "ended"
	})
	if r := s.call(t, "GET", fmt.Sprintf("/livechat/conversations/%d", veraConv), vera, nil); r.Status != 401 {
		t.Errorf("Vera's old token: %d, want 401", r.Status)
	}
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", veraConv), alice, nil).decode(t, &msgs)
	if len(msgs) != 0 {
		t.Errorf("Vera's conversation keeps %d messages", len(msgs))
	}
	shell := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", veraConv), admin, nil).object(t)
	if path(shell, "visitor", "name") != "Erased visitor" || shell["page_url"] != "" {
		t.Errorf("the shell: %v", shell)
	}
	if r := s.call(t, "GET", conv.Files[0].URL, admin, nil); r.Status != 404 {
		t.Errorf("Vera's file after the erasure: %d, want 404", r.Status)
	}
	left := string(s.must(t, 200, "GET", "/api/offline-messages", admin, nil).Body)
	if strings.Contains(left, "vera@example.com") || !strings.Contains(left, "vic@example.com") {
		t.Errorf("left messages after the erasure: %s", left)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", vicConv), vic, nil)
	s.must(t, 404, "GET", fmt.Sprintf("/api/data-requests/export?visitor_id=%d", veraID), admin, nil)
	// Vera's widget starts over: her old token is forgotten, a new chat gets a new one.
	again := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi again", "visitor_token": vera}).object(t)
	if again["visitor_token"] == vera {
		t.Error("the erased visitor's token was kept")
	}

	// The audit log.
	erasures := s.auditLog(t, admin, "action=visitor.erase")
	if len(erasures) != 1 || erasures[0].ActorLogin != "admin" || erasures[0].TargetID != fmt.Sprint(veraID) || erasures[0].Detail["messages"] != 4.0 {
		t.Fatalf("erasure entries: %+v", erasures)
	}
	if exports := s.auditLog(t, admin, "action=visitor.export"); len(exports) != 1 || exports[0].Detail["conversations"] != 1.0 {
		t.Fatalf("export entries: %+v", exports)
	}
	// A person known only by the email they left a message with.
	r = s.must(t, 200, "GET", "/api/data-requests/export?email=vic%40example.com", admin, nil)
	var byMail struct {
		Visitor      any              `json:"visitor"`
		LeftMessages []map[string]any `json:"left_messages"`
	}
	r.decode(t, &byMail)
	if byMail.Visitor != nil || len(byMail.LeftMessages) != 1 || r.Header.Get("Content-Disposition") != `attachment; filename="parley-data-email.json"` {
		t.Errorf("export by email: %s (%s)", r.Body, r.Header.Get("Content-Disposition"))
	}
	erased = nil
	s.must(t, 200, "POST", "/api/data-requests/erase", admin, map[string]any{"email": "vic@example.com"}).decode(t, &erased)
	if erased["left_messages"] != 1.0 || erased["visitor_id"] != 0.0 || erased["messages"] != 0.0 {
		t.Errorf("erasure by email: %v", erased)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", vicConv), vic, nil) // Vic the visitor stays
	if e := s.auditLog(t, admin, "action=visitor.erase&limit=1"); len(e) != 1 || e[0].TargetID != "" || e[0].Detail["left_messages"] != 1.0 {
		t.Errorf("the erasure by email in the audit log: %+v", e)
	}
	if body := string(s.must(t, 200, "GET", "/api/audit-log", admin, nil).Body); strings.Contains(body, "Hello, I am Vera") || strings.Contains(body, "vera@") || strings.Contains(body, "vic@") {
		t.Errorf("the audit log holds erased content: %s", body)
	}
}

// Admins' changes to users, channels, languages and settings are in the audit log, newest
// first, with what changed and never a password; an entry keeps its actor's login after
// the actor is deleted; pages follow each other with before.
func TestAuditLogRecordsAdminActions(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	rootID, root := s.mustOperator(t, admin, "root", map[string]any{"role": "admin"})
	bobID, bob := s.mustOperator(t, admin, "bob", nil)
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", bobID), root, map[string]any{"role": "supervisor", "name": "Robert"})
	s.must(t, 204, "PUT", fmt.Sprintf("/api/users/%d/password", bobID), root, map[string]any{"password": "secret-password-42"})
	_ = bob
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d/sessions", bobID), root, nil)
	ch := s.mustChannel(t, root, map[string]any{"name": "Sales"})
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", ch), root, map[string]any{"max_ongoing_per_operator": 3})
	s.must(t, 200, "PUT", "/api/languages/fr", root, map[string]any{"enabled": true})
	s.must(t, 200, "PATCH", "/api/settings/files", root, map[string]any{"max_size": 5000})
	s.must(t, 200, "PATCH", "/api/settings/retention", root, map[string]any{"days": 90})
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d", bobID), root, nil)
	s.must(t, 204, "DELETE", fmt.Sprintf("/api/users/%d", rootID), admin, nil)

	list := s.auditLog(t, admin, "actor_id="+fmt.Sprint(rootID))
	var actions []string
	for _, e := range list {
		actions = append(actions, e.Action)
		if e.ActorLogin != "root" || e.ActorID != rootID {
			t.Errorf("entry %d names %d %q, want root after root's deletion", e.ID, e.ActorID, e.ActorLogin)
		}
	}
	want := []string{"user.delete", "settings.retention", "settings.files", "language.update", "channel.update", "channel.create", "user.sessions_revoked", "user.password_reset", "user.update"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Fatalf("root's actions, newest first: %v, want %v", actions, want)
	}
	byAction := map[string]auditEntry{}
	for _, e := range list {
		byAction[e.Action] = e
	}
	if e := byAction["user.update"]; e.TargetKind != "user" || e.TargetID != fmt.Sprint(bobID) || e.Detail["role"] != "supervisor" || e.Detail["name"] != "Robert" {
		t.Errorf("user.update: %+v", e)
	}
	if e := byAction["channel.update"]; e.TargetID != fmt.Sprint(ch) || e.Detail["max_ongoing_per_operator"] != 3.0 || e.Detail["name"] != nil {
		t.Errorf("channel.update: %+v", e)
	}
	if e := byAction["language.update"]; e.TargetKind != "language" || e.TargetID != "fr" || e.Detail["enabled"] != true {
		t.Errorf("language.update: %+v", e)
	}
	if e := byAction["settings.retention"]; e.Detail["days"] != 90.0 {
		t.Errorf("settings.retention: %+v", e)
	}
	body := string(s.must(t, 200, "GET", "/api/audit-log", admin, nil).Body)
	for _, secret := range []string{"secret-password-42", "password-bob", "password-root"} {
		if strings.Contains(body, secret) {
			t.Errorf("the audit log holds the password %q", secret)
		}
	}
	all := s.auditLog(t, admin, "")
	if len(all) < len(want)+3 || all[0].Action != "user.delete" || all[0].TargetID != fmt.Sprint(rootID) || all[0].ActorLogin != "admin" {
		t.Fatalf("the whole log starts %+v", all[:1])
	}
	page1 := s.auditLog(t, admin, "limit=2")
	page2 := s.auditLog(t, admin, fmt.Sprintf("limit=2&before=%d", page1[1].ID))
	if len(page1) != 2 || len(page2) != 2 || page1[0].ID != all[0].ID || page2[0].ID != all[2].ID || page2[1].ID != all[3].ID {
		t.Errorf("pages %v then %v, want the log's first four", page1, page2)
	}
}

// The retention rule: admins read and change it; 0 or null keeps everything.
func TestRetentionSettings(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	if got := s.must(t, 200, "GET", "/api/settings/retention", admin, nil).object(t); got["days"] != 0.0 || got["last_sweep_at"] != nil {
		t.Fatalf("default rule: %v", got)
	}
	if got := s.must(t, 200, "PATCH", "/api/settings/retention", admin, map[string]any{"days": 30}).object(t); got["days"] != 30.0 {
		t.Fatalf("set 30: %v", got)
	}
	s.must(t, 403, "PATCH", "/api/settings/retention", alice, map[string]any{"days": 1})
	if got := s.must(t, 200, "GET", "/api/settings/retention", admin, nil).object(t); got["days"] != 30.0 {
		t.Fatalf("after an operator's refused change: %v", got)
	}
	if got := s.must(t, 200, "PATCH", "/api/settings/retention", admin, map[string]any{"days": nil}).object(t); got["days"] != 0.0 {
		t.Fatalf("set null: %v", got)
	}
}
