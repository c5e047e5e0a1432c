package main

import (
	"fmt"
	"strings"
	"testing"
)

// Every route of the API refuses a caller without the right, with the documented status
// and code, and changes nothing. A new route fails this test until it is classified here.
func TestEveryRouteRefusesCallersWithoutTheRight(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", nil)
	_, mallory := s.mustOperator(t, admin, "mallory", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.mustChannel(t, admin, map[string]any{"name": "Elsewhere"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	visitor, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))
	stranger := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi"}).object(t)["visitor_token"].(string)
	file := num(path(s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "shot.png", pngImage(t), nil, nil).object(t), "attachment", "id"))

	// The calls each route gets; bodies are valid, so only the credentials are wrong.
	bodies := map[string]any{
		"PATCH /api/me/preferences":                  map[string]any{"chat_name": "Evil"},
		"POST /api/me/password":                      map[string]any{"current_password": "password-alice", "new_password": "evil-password"},
		"PATCH /api/users/{id}":                      map[string]any{"disabled": true},
		"PUT /api/users/{id}/password":               map[string]any{"password": "evil-password"},
		"PUT /api/languages/{code}":                  map[string]any{"enabled": true},
		"POST /api/users":                            map[string]any{"login": "eve", "password": "password-eve", "name": "Eve"},
		"POST /api/channels":                         map[string]any{"name": "Evil"},
		"PATCH /api/channels/{id}":                   map[string]any{"name": "Evil"},
		"POST /api/conversations/{id}/messages":      map[string]any{"body": "evil"},
		"POST /api/conversations/{id}/read":          map[string]any{"seq": 1},
		"POST /livechat/conversations/{id}/messages": map[string]any{"body": "evil"},
		"POST /livechat/conversations/{id}/rating":   map[string]any{"score": 1},
		"POST /api/canned-responses":                 map[string]any{"shortcut": "evil", "body": "evil", "shared": true},
		"PATCH /api/canned-responses/{id}":           map[string]any{"body": "evil"},
		"POST /livechat/page-views":                  pageView("https://shop.example/", "Shop", ""),
		"POST /api/conversations/{id}/transfer":      map[string]any{"channel_id": ch},
		"PATCH /api/settings/files":                  map[string]any{"max_size": 5000},
		"POST /api/data-requests/erase":              map[string]any{"visitor_id": 1, "email": "ann@example.com"},
		"PATCH /api/settings/retention":              map[string]any{"days": 1},
		"POST /api/conversations/{id}/assign":        map[string]any{"operator_id": aliceID},
		"POST /api/webhooks":                         map[string]any{"url": "https://evil.example/", "events": []string{"message"}},
		"PATCH /api/webhooks/{id}":                   map[string]any{"url": "https://evil.example/"},
	}
	type attempt struct {
		who    string // a description of the caller
		token  string
		status int
		code   string
	}
	noone := attempt{"no credentials", "", 401, "EUNAUTHORIZED"}
	forged := attempt{"a forged token", "forged-token", 401, "EUNAUTHORIZED"}
	operator := attempt{"an operator", mallory, 403, "EFORBIDDEN"}
	outsider := attempt{"an operator outside the channel", mallory, 403, "EFORBIDDEN"}
	otherVisitor := attempt{"another visitor", stranger, 404, "ENOTFOUND"}
	operatorAsVisitor := attempt{"an operator's token", alice, 401, "EUNAUTHORIZED"}
	notOwner := attempt{"another operator", mallory, 404, "ENOTFOUND"} // alice's own canned response
	fileOutsider := attempt{"an operator outside the conversation", mallory, 404, "ENOTFOUND"}
	rules := map[string][]attempt{
		"GET /healthz":                                  nil, // public
		"GET /metrics":                                  nil,
		"GET /api/openapi.json":                         nil,
		"POST /api/session":                             nil, // login itself; wrong passwords are TestAPIErrors'
		"GET /livechat/channels/{id}":                   nil,
		"POST /livechat/channels/{id}/conversations":    nil, // anyone may start a chat
		"POST /livechat/channels/{id}/offline-messages": nil,

		"DELETE /api/session":                          {noone, forged},
		"GET /api/me":                                  {noone, forged},
		"PATCH /api/me/preferences":                    {noone, forged},
		"POST /api/me/password":                        {noone, forged},
		"GET /api/languages":                           {noone, forged},
		"PUT /api/languages/{code}":                    {noone, forged, operator},
		"GET /api/users":                               {noone, forged, operator},
		"POST /api/users":                              {noone, forged, operator},
		"GET /api/users/{id}":                          {noone, forged, operator},
		"PATCH /api/users/{id}":                        {noone, forged, operator},
		"DELETE /api/users/{id}":                       {noone, forged, operator},
		"PUT /api/users/{id}/password":                 {noone, forged, operator},
		"GET /api/users/{id}/sessions":                 {noone, forged, operator},
		"DELETE /api/users/{id}/sessions":              {noone, forged, operator},
		"DELETE /api/users/{id}/sessions/{session_id}": {noone, forged, operator},
		"GET /api/channels":                            {noone, forged},
		"POST /api/channels":                           {noone, forged, operator},
		"GET /api/channels/{id}":                       {noone, forged},
		"PATCH /api/channels/{id}":                     {noone, forged, operator},
		"POST /api/channels/{id}/join":                 {noone, forged},
		"POST /api/channels/{id}/leave":                {noone, forged},
		"GET /api/conversations":                       {noone, forged},
		"GET /api/conversations/{id}":                  {noone, forged, outsider},
		"GET /api/conversations/{id}/messages":         {noone, forged, outsider},
		"POST /api/conversations/{id}/messages":        {noone, forged, outsider},
		"POST /api/conversations/{id}/read":            {noone, forged, outsider},
		"POST /api/conversations/{id}/end":             {noone, forged, outsider},
		"POST /api/conversations/{id}/transfer":        {noone, forged, outsider}, // a member who is not its operator: TestTransferRefusals
		"POST /api/conversations/{id}/leave":           {noone, forged, outsider},
		"GET /api/offline-messages":                    {noone, forged}, // operators see their channels' only: below
		"GET /api/ws":                                  {noone, forged},
		"GET /api/canned-responses":                    {noone, forged},
		"POST /api/canned-responses":                   {noone, forged, operator}, // a shared one
		"PATCH /api/canned-responses/{id}":             {noone, forged, notOwner},
		"DELETE /api/canned-responses/{id}":            {noone, forged, notOwner},
		"POST /api/canned-responses/{id}/use":          {noone, forged, notOwner},

		"GET /livechat/conversations/{id}":           {noone, forged, operatorAsVisitor, otherVisitor},
		"GET /livechat/conversations/{id}/messages":  {noone, forged, operatorAsVisitor, otherVisitor},
		"POST /livechat/conversations/{id}/messages": {noone, forged, operatorAsVisitor, otherVisitor},
		"POST /livechat/conversations/{id}/end":      {noone, forged, operatorAsVisitor, otherVisitor},
		"POST /livechat/conversations/{id}/rating":   {noone, forged, operatorAsVisitor, otherVisitor},
		"GET /livechat/ws":                           {noone, forged, operatorAsVisitor},

		"GET /api/conversations/{id}/visitor":     {noone, forged, outsider},
		"GET /api/conversations/{id}/routing":     {noone, forged, outsider}, // a member who is not its operator: TestRoutingAPI
		"POST /livechat/page-views":               {noone, forged, operatorAsVisitor},
		"POST /api/conversations/{id}/files":      {noone, forged, outsider},
		"GET /api/files/{id}":                     {noone, forged, fileOutsider},
		"GET /api/settings/files":                 {noone, forged},
		"PATCH /api/settings/files":               {noone, forged, operator},
		"POST /livechat/conversations/{id}/files": {noone, forged, operatorAsVisitor, otherVisitor},
		"GET /livechat/files/{id}":                {noone, forged, operatorAsVisitor, otherVisitor},

		// Admins only (data_test.go has a supervisor's refusals too).
		"GET /api/audit-log":              {noone, forged, operator},
		"GET /api/data-requests/visitors": {noone, forged, operator},
		"GET /api/data-requests/export":   {noone, forged, operator},
		"POST /api/data-requests/erase":   {noone, forged, operator},
		"GET /api/settings/retention":     {noone, forged, operator},
		"PATCH /api/settings/retention":   {noone, forged, operator},
		// Webhooks (webhooks_test.go has a supervisor's refusals too).
		"GET /api/webhooks":                 {noone, forged, operator},
		"POST /api/webhooks":                {noone, forged, operator},
		"PATCH /api/webhooks/{id}":          {noone, forged, operator},
		"DELETE /api/webhooks/{id}":         {noone, forged, operator},
		"GET /api/webhooks/{id}/deliveries": {noone, forged, operator},
		"POST /api/webhooks/{id}/test":      {noone, forged, operator},
		// The live view (liveview_test.go): supervisors and admins only; an operator
		// sees and takes from the queues of their own channels.
		"GET /api/live":                       {noone, forged, operator},
		"GET /api/queue":                      {noone, forged},
		"POST /api/conversations/{id}/assign": {noone, forged, operator},
		"POST /api/conversations/{id}/take":   {noone, forged, outsider},
		"GET /api/reports/conversations":      {noone, forged, operator}, // supervisors and admins: TestConversationReportAPI
		"GET /api/search":                     {noone, forged},           // an operator finds only what they may read: TestSearchScoping
	}
	// Honest waiting (waiting_test.go): wait limits for admins, the estimates' report for
	// supervisors and admins.
	rules["GET /api/channels/{id}/wait-limits"] = []attempt{noone, forged, operator}
	rules["PUT /api/channels/{id}/wait-limits"] = []attempt{noone, forged, operator}
	rules["GET /api/reports/wait-estimates"] = []attempt{noone, forged, operator}
	bodies["PUT /api/channels/{id}/wait-limits"] = map[string]any{"max_place": 1}
	// The inbox of left messages, and transcripts (inbox_test.go).
	bodies["POST /api/offline-messages/{id}/handled"] = map[string]any{"handled": true}
	bodies["POST /api/offline-messages/{id}/replies"] = map[string]any{"body": "evil"}
	bodies["PUT /api/inbox/notify"] = map[string]any{"email": "evil@example.com", "channels": []int64{}}
	bodies["POST /livechat/conversations/{id}/transcript/email"] = map[string]any{"email": "evil@example.com"}
	rules["GET /api/offline-messages/{id}"] = []attempt{noone, forged, outsider}
	rules["POST /api/offline-messages/{id}/read"] = []attempt{noone, forged, outsider}
	rules["POST /api/offline-messages/{id}/handled"] = []attempt{noone, forged, outsider}
	rules["POST /api/offline-messages/{id}/replies"] = []attempt{noone, forged, outsider}
	rules["GET /api/inbox"] = []attempt{noone, forged}
	rules["PUT /api/inbox/notify"] = []attempt{noone, forged}
	rules["GET /api/conversations/{id}/transcript"] = []attempt{noone, forged, outsider}
	rules["GET /livechat/conversations/{id}/transcript"] = []attempt{noone, forged, operatorAsVisitor, otherVisitor}
	rules["POST /livechat/conversations/{id}/transcript/email"] = []attempt{noone, forged, operatorAsVisitor, otherVisitor}
	// Channel rules and business hours (channelrules_test.go): admins only.
	bodies["PUT /api/channels/{id}/rules"] = map[string]any{"rules": []any{map[string]any{"pattern": "*", "action": "hide"}}}
	bodies["PUT /api/channels/{id}/hours"] = map[string]any{"enabled": true, "time_zone": "UTC", "week": []any{map[string]any{"day": 1, "from": "09:00", "to": "10:00"}}}
	rules["GET /api/channels/{id}/rules"] = []attempt{noone, forged, operator}
	rules["PUT /api/channels/{id}/rules"] = []attempt{noone, forged, operator}
	rules["PUT /api/channels/{id}/hours"] = []attempt{noone, forged, operator}
	// Chatbot scripts (chatbot_test.go): admins only.
	bodies["PUT /api/channels/{id}/script"] = map[string]any{"enabled": true, "steps": []any{map[string]any{"id": "hi", "kind": "message", "text": "Hello"}}}
	rules["GET /api/channels/{id}/script"] = []attempt{noone, forged, operator}
	rules["PUT /api/channels/{id}/script"] = []attempt{noone, forged, operator}
	rules["DELETE /api/channels/{id}/script"] = []attempt{noone, forged, operator}
	// Trusted visitor identity (identity_test.go): admins alone manage a channel's
	// secret; an identity token is its own credential, which TestIdentityTokens refuses.
	rules["GET /api/channels/{id}/identity-secret"] = []attempt{noone, forged, operator}
	rules["POST /api/channels/{id}/identity-secret"] = []attempt{noone, forged, operator}
	rules["DELETE /api/channels/{id}/identity-secret"] = []attempt{noone, forged, operator}
	rules["POST /livechat/channels/{id}/identity"] = nil
	// Offer and accept (offers_test.go): only the operator offered may accept or decline.
	notOffered := attempt{"an operator not offered it", mallory, 409, "ECONFLICT"}
	rules["GET /api/offers"] = []attempt{noone, forged}
	rules["POST /api/conversations/{id}/accept"] = []attempt{noone, forged, notOffered}
	rules["POST /api/conversations/{id}/decline"] = []attempt{noone, forged, notOffered}
	rules["POST /api/me/back"] = []attempt{noone, forged}
	offline := num(s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Ann", "email": "ann@example.com", "body": "call me"}).object(t)["id"])
	for _, tc := range []struct {
		who   string
		token string
		want  int
	}{{"alice, in the channel", alice, 1}, {"mallory, outside it", mallory, 0}, {"the admin", admin, 1}} {
		var list []map[string]any
		s.must(t, 200, "GET", "/api/offline-messages", tc.token, nil).decode(t, &list)
		if len(list) != tc.want {
			t.Errorf("%s sees %d offline messages, want %d", tc.who, len(list), tc.want)
		}
	}
	canned := s.mustCanned(t, alice, map[string]any{"shortcut": "hello", "body": "Hello!"}).ID
	s.mustCanned(t, admin, map[string]any{"shortcut": "hello", "body": "Hello, how can I help you?", "shared": true})
	cannedBefore := string(s.must(t, 200, "GET", "/api/canned-responses", alice, nil).Body)
	hook := num(s.must(t, 201, "POST", "/api/webhooks", admin, map[string]any{"url": "https://hooks.example/", "events": []string{"conversation.ended"}}).object(t)["id"])
	hooksBefore := string(s.must(t, 200, "GET", "/api/webhooks", admin, nil).Body)
	before := s.snapshot(t, admin, alice, visitor, conv)
	for _, pattern := range s.HTTP.Patterns() {
		attempts, ok := rules[pattern]
		if !ok {
			t.Errorf("route %q is not classified in this test", pattern)
			continue
		}
		method, route, _ := strings.Cut(pattern, " ")
		p := strings.NewReplacer("{id}", fmt.Sprint(conv), "{code}", "fr").Replace(route)
		if strings.HasPrefix(route, "/api/channels/{id}") {
			p = strings.Replace(route, "{id}", fmt.Sprint(ch), 1)
		}
		if strings.Contains(route, "/files/{id}") {
			p = strings.Replace(route, "{id}", fmt.Sprint(file), 1)
		}
		if strings.HasPrefix(route, "/api/users/{id}") {
			p = strings.NewReplacer("{id}", fmt.Sprint(aliceID), "{session_id}", "1").Replace(route)
		}
		if strings.HasPrefix(route, "/api/canned-responses/{id}") {
			p = strings.Replace(route, "{id}", fmt.Sprint(canned), 1)
		}
		if strings.HasPrefix(route, "/api/offline-messages/{id}") {
			p = strings.Replace(route, "{id}", fmt.Sprint(offline), 1)
		}
		if strings.HasPrefix(route, "/api/webhooks/{id}") {
			p = strings.Replace(route, "{id}", fmt.Sprint(hook), 1)
		}
		for _, a := range attempts {
			t.Run(pattern+" by "+a.who, func(t *testing.T) {
				target := p
				token := a.token
				if strings.HasSuffix(route, "/ws") {
					target += "?token=" + token // the WebSockets also take ?token=
					if route == "/api/ws" {
						token = ""
					}
				} else if a.token == "" {
					token = ""
				}
				r := s.call(t, method, target, token, bodies[pattern])
				if r.Status != a.status {
					t.Fatalf("status %d, want %d: %s", r.Status, a.status, r.Body)
				}
				if got := r.errorCode(t); got != a.code {
					t.Fatalf("code %s, want %s", got, a.code)
				}
			})
		}
	}
	if after := s.snapshot(t, admin, alice, visitor, conv); after != before {
		t.Fatalf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
	if after := string(s.must(t, 200, "GET", "/api/canned-responses", alice, nil).Body); after != cannedBefore {
		t.Fatalf("refused requests changed the canned responses:\nbefore %s\nafter  %s", cannedBefore, after)
	}
	if after := string(s.must(t, 200, "GET", "/api/webhooks", admin, nil).Body); after != hooksBefore {
		t.Fatalf("refused requests changed the webhooks:\nbefore %s\nafter  %s", hooksBefore, after)
	}
	if d := s.must(t, 200, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", hook), admin, nil).Body; string(d) != "[]\n" && string(d) != "[]" {
		t.Fatalf("refused requests made deliveries: %s", d)
	}
}
