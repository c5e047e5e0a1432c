package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// cannedItem is a canned response as the API shows it.
type cannedItem struct {
	ID        int64  `json:"id"`
	Shortcut  string `json:"shortcut"`
	Body      string `json:"body"`
	Shared    bool   `json:"shared"`
	Uses      int64  `json:"uses"`
	CreatedAt string `json:"created_at"`
}

func (s *testServer) cannedOf(tb testing.TB, token string) []cannedItem {
	tb.Helper()
	var list []cannedItem
	s.must(tb, 200, "GET", "/api/canned-responses", token, nil).decode(tb, &list)
	return list
}

// cannedList is a list as "shortcut(shared|mine):uses", in order.
func cannedList(list []cannedItem) string {
	var out []string
	for _, c := range list {
		scope := "mine"
		if c.Shared {
			scope = "shared"
		}
		out = append(out, fmt.Sprintf("%s(%s):%d", c.Shortcut, scope, c.Uses))
	}
	return strings.Join(out, " ")
}

func (s *testServer) mustCanned(tb testing.TB, token string, body map[string]any) cannedItem {
	tb.Helper()
	var c cannedItem
	s.must(tb, 201, "POST", "/api/canned-responses", token, body).decode(tb, &c)
	return c
}

// Operators keep their own canned responses and use the shared ones, which only admins
// change; nobody sees or touches another operator's own; uses are counted and order
// the list.
func TestCannedResponsesAPI(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	_, bob := s.mustOperator(t, admin, "bob", nil)

	// An admin creates a shared one; the colon typed before a shortcut is not part of it.
	r := s.must(t, 201, "POST", "/api/canned-responses", admin, map[string]any{"shortcut": ":hello", "body": "Hello, how can I help you?", "shared": true})
	fields := r.object(t)
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != "body,created_at,id,shared,shortcut,uses" {
		t.Errorf("fields %s", got)
	}
	var hello cannedItem
	r.decode(t, &hello)
	if hello.Shortcut != "hello" || !hello.Shared || hello.Uses != 0 || hello.Body != "Hello, how can I help you?" || hello.CreatedAt == "" {
		t.Fatalf("shared response %+v", hello)
	}

	// alice has her own, even with the shortcut of a shared one; so has bob.
	mine := s.mustCanned(t, alice, map[string]any{"shortcut": "Hello", "body": "Hi, Alice here."})
	if mine.Shared {
		t.Fatalf("personal response %+v", mine)
	}
	bobs := s.mustCanned(t, bob, map[string]any{"shortcut": "bye", "body": "Goodbye!", "shared": false})
	if got := cannedList(s.cannedOf(t, alice)); got != "hello(shared):0 Hello(mine):0" {
		t.Errorf("alice sees %s", got)
	}
	if got := cannedList(s.cannedOf(t, bob)); got != "bye(mine):0 hello(shared):0" {
		t.Errorf("bob sees %s", got)
	}
	if got := cannedList(s.cannedOf(t, admin)); got != "hello(shared):0" {
		t.Errorf("the admin sees %s", got)
	}

	t.Run("refused", func(t *testing.T) {
		long := strings.Repeat("é", 4001)
		for _, tc := range []struct {
			name, method, path, token string
			body                      any
			status                    int
			code, message             string
		}{
			{"shared by an operator", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "x", "body": "x", "shared": true}, 403, "EFORBIDDEN", "Only an admin"},
			{"no shortcut", "POST", "/api/canned-responses", alice, map[string]any{"body": "x"}, 400, "EINVALID", "Shortcut is required."},
			{"a colon alone", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": ":", "body": "x"}, 400, "EINVALID", "Shortcut is required."},
			{"a space", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "two words", "body": "x"}, 400, "EINVALID", `only letters, digits, "-" and "_", not spaces`},
			{"two colons", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "::x", "body": "x"}, 400, "EINVALID", `not ':'`},
			{"too long", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": strings.Repeat("a", 33), "body": "x"}, 400, "EINVALID", "Shortcut has 33 characters; the limit is 32."},
			{"no text", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "x", "body": " \n"}, 400, "EINVALID", "Text is required."},
			{"text too long", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "x", "body": long}, 400, "EINVALID", "Text has 4001 characters; the limit is 4000."},
			{"unknown field", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "x", "body": "x", "scope": "all"}, 400, "EINVALID", `Unknown field "scope"`},
			{"shared taken", "POST", "/api/canned-responses", admin, map[string]any{"shortcut": "HELLO", "body": "x", "shared": true}, 409, "ECONFLICT", `A shared canned response already has the shortcut ":HELLO".`},
			{"own taken", "POST", "/api/canned-responses", alice, map[string]any{"shortcut": "hello", "body": "x"}, 409, "ECONFLICT", `You already have a canned response with the shortcut ":hello".`},
			{"another's, changed", "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), bob, map[string]any{"body": "evil"}, 404, "ENOTFOUND", fmt.Sprintf("Canned response %d not found.", mine.ID)},
			{"another's, deleted", "DELETE", fmt.Sprintf("/api/canned-responses/%d", mine.ID), bob, nil, 404, "ENOTFOUND", "not found"},
			{"another's, used", "POST", fmt.Sprintf("/api/canned-responses/%d/use", mine.ID), bob, nil, 404, "ENOTFOUND", "not found"},
			{"another's, by an admin", "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), admin, map[string]any{"body": "evil"}, 404, "ENOTFOUND", "not found"},
			{"shared, changed by an operator", "PATCH", fmt.Sprintf("/api/canned-responses/%d", hello.ID), alice, map[string]any{"body": "evil"}, 403, "EFORBIDDEN", "Only an admin"},
			{"shared, deleted by an operator", "DELETE", fmt.Sprintf("/api/canned-responses/%d", hello.ID), alice, nil, 403, "EFORBIDDEN", "Only an admin"},
			{"made shared", "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, map[string]any{"shared": true}, 400, "EINVALID", "cannot move between shared and personal"},
			{"an invalid new shortcut", "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, map[string]any{"shortcut": "a.b"}, 400, "EINVALID", `not '.'`},
			{"an empty new text", "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, map[string]any{"body": ""}, 400, "EINVALID", "Text is required."},
			{"unknown", "DELETE", "/api/canned-responses/99999", alice, nil, 404, "ENOTFOUND", "not found"},
			{"a bad id", "POST", "/api/canned-responses/abc/use", alice, nil, 400, "EINVALID", `Id "abc" is not a positive integer.`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := s.call(t, tc.method, tc.path, tc.token, tc.body)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				if got := r.errorCode(t); got != tc.code {
					t.Errorf("code %s, want %s", got, tc.code)
				}
				if msg := errorMessage(t, r); !strings.Contains(msg, tc.message) {
					t.Errorf("message %q does not say %q", msg, tc.message)
				}
			})
		}
		// bob renames "bye" to the shortcut of his other one: refused, and nothing changed.
		s.mustCanned(t, bob, map[string]any{"shortcut": "thanks", "body": "Thank you!"})
		r := s.call(t, "PATCH", fmt.Sprintf("/api/canned-responses/%d", bobs.ID), bob, map[string]any{"shortcut": "THANKS", "body": "changed"})
		if r.Status != 409 || r.errorCode(t) != "ECONFLICT" || errorMessage(t, r) != `You already have a canned response with the shortcut ":THANKS".` {
			t.Errorf("rename to a taken shortcut: %d %s", r.Status, r.Body)
		}
		if got := cannedList(s.cannedOf(t, alice)); got != "hello(shared):0 Hello(mine):0" {
			t.Errorf("alice sees %s", got)
		}
		list := s.cannedOf(t, bob)
		if got := cannedList(list); got != "bye(mine):0 hello(shared):0 thanks(mine):0" {
			t.Errorf("bob sees %s", got)
		}
		if list[0].Body != "Goodbye!" || s.cannedOf(t, alice)[1].Body != "Hi, Alice here." || s.cannedOf(t, alice)[0].Body != hello.Body {
			t.Errorf("a refused request changed a text: %+v", list)
		}
	})

	t.Run("limits", func(t *testing.T) {
		c := s.mustCanned(t, alice, map[string]any{"shortcut": strings.Repeat("é", 32), "body": strings.Repeat("é", 4000)})
		if len([]rune(c.Body)) != 4000 {
			t.Errorf("body of %d characters", len([]rune(c.Body)))
		}
		s.must(t, 204, "DELETE", fmt.Sprintf("/api/canned-responses/%d", c.ID), alice, nil)
	})

	t.Run("edit", func(t *testing.T) {
		var c cannedItem
		s.must(t, 200, "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, map[string]any{"shortcut": ":hi-there", "shared": false}).decode(t, &c)
		if c.Shortcut != "hi-there" || c.Body != "Hi, Alice here." || c.ID != mine.ID {
			t.Errorf("after a new shortcut: %+v", c)
		}
		s.must(t, 200, "PATCH", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, map[string]any{"body": "Hi!\nAlice here."}).decode(t, &c)
		if c.Shortcut != "hi-there" || c.Body != "Hi!\nAlice here." {
			t.Errorf("after a new text: %+v", c)
		}
		s.must(t, 200, "PATCH", fmt.Sprintf("/api/canned-responses/%d", hello.ID), admin, map[string]any{"body": "Hello! How can I help you?"}).decode(t, &c)
		if got := s.cannedOf(t, bob); got[1].Body != "Hello! How can I help you?" {
			t.Errorf("bob sees the shared one as %+v", got[1])
		}
	})

	t.Run("uses", func(t *testing.T) {
		s.must(t, 204, "POST", fmt.Sprintf("/api/canned-responses/%d/use", hello.ID), alice, nil)
		s.must(t, 204, "POST", fmt.Sprintf("/api/canned-responses/%d/use", hello.ID), bob, nil)
		s.must(t, 204, "POST", fmt.Sprintf("/api/canned-responses/%d/use", mine.ID), alice, nil)
		for range 3 {
			s.must(t, 204, "POST", fmt.Sprintf("/api/canned-responses/%d/use", bobs.ID), bob, nil)
		}
		if got := cannedList(s.cannedOf(t, alice)); got != "hello(shared):2 hi-there(mine):1" {
			t.Errorf("alice sees %s", got)
		}
		if got := cannedList(s.cannedOf(t, bob)); got != "bye(mine):3 hello(shared):2 thanks(mine):0" {
			t.Errorf("bob sees %s", got)
		}
	})

	t.Run("delete", func(t *testing.T) {
		s.must(t, 204, "DELETE", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, nil)
		s.must(t, 204, "DELETE", fmt.Sprintf("/api/canned-responses/%d", hello.ID), admin, nil)
		if got := cannedList(s.cannedOf(t, alice)); got != "" {
			t.Errorf("alice sees %s", got)
		}
		if got := cannedList(s.cannedOf(t, bob)); got != "bye(mine):3 thanks(mine):0" {
			t.Errorf("bob sees %s", got)
		}
		r := s.call(t, "DELETE", fmt.Sprintf("/api/canned-responses/%d", mine.ID), alice, nil)
		if r.Status != 404 || r.errorCode(t) != "ENOTFOUND" {
			t.Errorf("deleted twice: %d %s", r.Status, r.Body)
		}
		// The shortcut is free again.
		s.mustCanned(t, admin, map[string]any{"shortcut": "hello", "body": "Hello again.", "shared": true})
	})
}
