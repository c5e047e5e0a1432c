package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
)

// A conversation whose visitor has gone ends on its own with "Visitor left the
// conversation.": the operator is told, their place is freed and the queue moves on. A
// visitor whose widget is open keeps theirs until it closes. (The limit's arithmetic is
// tested in chat with an injected clock; this runs the real server, with a short limit.)
func TestAbandonedConversationEndsEndToEnd(t *testing.T) {
	const limit = 300 * time.Millisecond
	s := mustStart(t, "", func(c *Config) { c.AbandonAfter = limit })
	admin, alice, _, aliceWS := s.mustAliceOnline(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Capped", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)

	gone, goneToken := s.visitorStart(t, ch, "Gone", "Hello?")
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Me too"}).object(t)
	if path(started, "conversation", "status") != "queued" {
		t.Fatalf("second conversation %v, want queued (alice is at her cap)", started)
	}
	waiting, waitingToken := num(path(started, "conversation", "id")), started["visitor_token"].(string)
	waitingWS := s.dial(t, "/livechat/ws?token="+waitingToken, nil)

	ended := func(id int64) func(ev map[string]any) bool {
		return func(ev map[string]any) bool {
			return num(path(ev, "conversation", "id")) == id && path(ev, "conversation", "status") == "ended"
		}
	}
	aliceWS.expect(t, "message", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == gone && path(ev, "message", "body") == parley.VisitorLeftMessage
	})
	aliceWS.expect(t, "conversation", ended(gone))
	c := s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", gone), goneToken, nil).object(t)
	if c["status"] != "ended" {
		t.Fatalf("the abandoned conversation as its visitor sees it: %v", c)
	}
	// The waiting visitor, whose widget is open, gets alice's place.
	waitingWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == waiting && path(ev, "conversation", "status") == "active"
	})

	// A third visitor, without a widget, starts after the second opened theirs: once the
	// third is ended, the second would have been too, had the open widget not counted.
	third := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi"}).object(t)
	thirdPath := fmt.Sprintf("/livechat/conversations/%d", num(path(third, "conversation", "id")))
	eventually(t, "the third conversation ended", func() string {
		c := s.must(t, 200, "GET", thirdPath, third["visitor_token"].(string), nil).object(t)
		if c["status"] != "ended" {
			return fmt.Sprintf("status %v", c["status"])
		}
		return ""
	})
	c = s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", waiting), waitingToken, nil).object(t)
	if c["status"] != "active" {
		t.Fatalf("the conversation whose widget is open: %v, want active", c)
	}

	// The widget closes: the conversation ends after the limit.
	waitingWS.conn.Close(websocket.StatusGoingAway, "")
	aliceWS.expect(t, "conversation", ended(waiting))
}

// --abandon-after and PARLEY_ABANDON_AFTER set the limit, 30 minutes by default; 0 turns
// it off; anything else is refused with a message naming the flag.
func TestAbandonAfterConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want time.Duration
		err  string
	}{
		{"default", nil, nil, 30 * time.Minute, ""},
		{"flag", []string{"--abandon-after", "10m"}, nil, 10 * time.Minute, ""},
		{"environment", nil, map[string]string{"PARLEY_ABANDON_AFTER": "45m"}, 45 * time.Minute, ""},
		{"flag over environment", []string{"--abandon-after", "5m"}, map[string]string{"PARLEY_ABANDON_AFTER": "45m"}, 5 * time.Minute, ""},
		{"off", []string{"--abandon-after", "0"}, nil, 0, ""},
		{"negative", []string{"--abandon-after", "-1m"}, nil, 0, "--abandon-after"},
		{"not a duration", nil, map[string]string{"PARLEY_ABANDON_AFTER": "soon"}, 0, "--abandon-after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AbandonAfter != tc.want {
				t.Fatalf("AbandonAfter = %v, want %v", cfg.AbandonAfter, tc.want)
			}
		})
	}
}
