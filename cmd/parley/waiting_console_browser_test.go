package main

import (
	"fmt"
	"testing"
)

// An admin sets a channel's wait limits in Admin → Channels; the Reports page shows how
// good the estimated waits were.
//
// Test ids: wait-limits-form, wait-limit-minutes, wait-limit-place, wait-limits-save,
// wait-limits-saved; wait-estimates, wait-estimates-count, wait-estimates-within.
func TestWaitingInConsole(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Sales", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	// One visitor assigned out of the queue, then one queued with an estimate and taken.
	for _, body := range []string{"first", "second"} {
		s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": body})
	}
	aliceWS := s.console(t, alice)
	aliceWS.expect(t, "conversation", nil)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "third"}).object(t)
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/take", num(path(out, "conversation", "id"))), alice, nil)

	p := openConsole(t, s, "admin", adminPassword, "/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), ch)
	p.wait(existsJS(row), "the channel in Admin → Channels")
	p.jsClick(row)
	p.wait(existsJS(tid("wait-limit-place")), "the wait limits form")
	p.setValue(tid("wait-limit-minutes"), "10")
	p.setValue(tid("wait-limit-place"), "4")
	p.click(tid("wait-limits-save"))
	p.wait(existsJS(tid("wait-limits-saved")), "the limits saved")
	if got := s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d/wait-limits", ch), admin, nil).object(t); num(got["max_wait_minutes"]) != 10 || num(got["max_place"]) != 4 {
		t.Errorf("limits after saving = %v", got)
	}

	p.navigate("/reports")
	p.wait(existsJS(tid("wait-estimates-count")), "the estimated waits")
	if got := p.text(tid("wait-estimates-count")); got != "1" {
		t.Errorf("estimates counted: %q, want 1", got)
	}
	if got := p.text(tid("wait-estimates-within")); got != "0%" {
		t.Errorf("within ±50%%: %q, want 0%% (estimated 2 min, taken at once)", got)
	}
}
