package main

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// apiReport is GET /api/reports/conversations as the tests read it.
type apiReport struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	TZ    string         `json:"tz"`
	Group string         `json:"group"`
	Rows  []apiReportRow `json:"rows"`
	Total apiReportRow   `json:"total"`
}

type apiReportRow struct {
	Key               string   `json:"key"`
	Label             string   `json:"label"`
	Conversations     int64    `json:"conversations"`
	Answered          int64    `json:"answered"`
	FirstAnswerMedian *float64 `json:"first_answer_median"`
	Ended             int64    `json:"ended"`
	Messages          int64    `json:"messages"`
	Rated             int64    `json:"rated"`
	Good              int64    `json:"good"`
	GoodShare         *float64 `json:"good_share"`
	Missed            int64    `json:"missed"`
}

// finishChat makes a conversation through the API: the visitor writes, the operator
// answers when answer is set, the visitor leaves, and rates it when score is not 0.
func (s *testServer) finishChat(tb testing.TB, ch int64, operator string, answer bool, score int, comment string) int64 {
	tb.Helper()
	conv, visitor := s.visitorStart(tb, ch, "Vi", "Hello")
	if answer {
		s.must(tb, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), operator, map[string]any{"body": "How can I help?"})
	}
	s.must(tb, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", conv), visitor, nil)
	if score != 0 {
		s.must(tb, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/rating", conv), visitor, map[string]any{"score": score, "comment": comment})
	}
	return conv
}

// Supervisors and admins read the report of conversations made through the API, as
// JSON and as a CSV file; operators are refused; bad parameters are refused with a
// reason.
func TestConversationReportAPI(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	aliceID := num(s.must(t, 200, "GET", "/api/me", alice, nil).object(t)["id"])
	_, sue := s.mustOperator(t, admin, "sue", map[string]any{"role": "supervisor"})
	s.finishChat(t, ch, alice, true, 5, "Great")
	s.finishChat(t, ch, alice, false, 0, "")
	today := time.Now().UTC().Format(time.DateOnly)

	for _, who := range []struct{ name, token string }{{"the supervisor", sue}, {"the admin", admin}} {
		t.Run(who.name, func(t *testing.T) {
			var r apiReport
			s.must(t, 200, "GET", "/api/reports/conversations?group=operator", who.token, nil).decode(t, &r)
			if r.Group != "operator" || r.TZ != "UTC" || r.To != today {
				t.Errorf("report of %s to %s in %s, want by operator to today (%s) in UTC", r.Group, r.To, r.TZ, today)
			}
			if len(r.Rows) != 1 {
				t.Fatalf("rows %+v, want alice's alone", r.Rows)
			}
			got := r.Rows[0]
			if got.Key != fmt.Sprint(aliceID) || got.Label != "Alice Doe" || got.Conversations != 2 || got.Answered != 1 ||
				got.FirstAnswerMedian == nil || got.Ended != 2 || got.Messages != 3 || got.Rated != 1 || got.Good != 1 ||
				got.GoodShare == nil || *got.GoodShare != 1 || got.Missed != 1 {
				t.Errorf("alice's row %+v", got)
			}
			if r.Total.Key != "total" || r.Total.Conversations != 2 || r.Total.Missed != 1 {
				t.Errorf("total %+v", r.Total)
			}
		})
	}

	t.Run("per day, in a time zone", func(t *testing.T) {
		var r apiReport
		s.must(t, 200, "GET", "/api/reports/conversations?from=2020-02-27&to=2020-03-02&tz=Europe/Paris&channel_id="+fmt.Sprint(ch), sue, nil).decode(t, &r)
		var days []string
		for _, row := range r.Rows {
			days = append(days, row.Key)
			if row.Conversations != 0 {
				t.Errorf("%s: %d conversations in 2020", row.Key, row.Conversations)
			}
		}
		if got := strings.Join(days, " "); got != "2020-02-27 2020-02-28 2020-02-29 2020-03-01 2020-03-02" || r.TZ != "Europe/Paris" {
			t.Errorf("days %s in %s", got, r.TZ)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		resp := s.must(t, 200, "GET", "/api/reports/conversations?group=operator&format=csv&from="+today, sue, nil)
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="parley-conversations-`+today+"-"+today+`-by-operator.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		lines, err := csv.NewReader(strings.NewReader(string(resp.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"operator", "key", "conversations", "answered", "first_answer_median", "first_answer_p90", "queued", "queue_wait_median",
				"queue_wait_p90", "ended", "duration_median", "messages", "rated", "good", "okay", "bad", "good_share", "okay_share",
				"bad_share", "missed", "missed_in_queue"},
		}
		if len(lines) != 3 || strings.Join(lines[0], ",") != strings.Join(want[0], ",") {
			t.Fatalf("CSV:\n%s", resp.Body)
		}
		if l := lines[1]; l[0] != "Alice Doe" || l[2] != "2" || l[3] != "1" || l[6] != "0" || l[7] != "" || l[11] != "3" || l[12] != "1" || l[13] != "1" || l[16] != "1" || l[19] != "1" {
			t.Errorf("alice's line %q", l)
		}
		if l := lines[2]; l[0] != "Total" || l[1] != "total" || l[2] != "2" {
			t.Errorf("total line %q", l)
		}
	})

	t.Run("an operator", func(t *testing.T) {
		if code := s.must(t, 403, "GET", "/api/reports/conversations", alice, nil).errorCode(t); code != "EFORBIDDEN" {
			t.Errorf("code %s", code)
		}
	})

	for _, bad := range []struct{ query, message string }{
		{"group=week", "Group must be day, operator or channel."},
		{"from=2026-13-01", "From must be a date, YYYY-MM-DD."},
		{"to=yesterday", "To must be a date, YYYY-MM-DD."},
		{"from=2026-02-01&to=2026-01-01", "From must not be after to (today when not given)."},
		{"from=2020-01-01&to=2022-01-02", "A report covers at most 731 days; this period has 733."},
		{"tz=Mars/Olympus", `Unknown time zone "Mars/Olympus": give an IANA name such as Europe/Paris.`},
		{"tz=" + url.QueryEscape("../../etc/passwd"), `Unknown time zone "../../etc/passwd": give an IANA name such as Europe/Paris.`},
		{"channel_id=abc", `Query parameter channel_id="abc" is not a positive integer.`},
		{"operator_id=-1", `Query parameter operator_id="-1" is not a positive integer.`},
		{"format=xml", "Format must be json or csv."},
	} {
		t.Run(bad.query, func(t *testing.T) {
			r := s.must(t, 400, "GET", "/api/reports/conversations?"+bad.query, sue, nil)
			if code, msg := r.errorCode(t), r.errorMessage(t); code != "EINVALID" || msg != bad.message {
				t.Errorf("%s %q, want EINVALID %q", code, msg, bad.message)
			}
		})
	}
}

// A visitor's rating reaches the operator: in the conversation event on their console's
// WebSocket, in their list of conversations and in the conversation itself.
func TestRatingShownToOperator(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	conv := s.finishChat(t, ch, alice, true, 1, "Too slow")
	ev := aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && path(ev, "conversation", "rating") != nil
	})
	if score, comment := num(path(ev, "conversation", "rating", "score")), path(ev, "conversation", "rating", "comment"); score != 1 || comment != "Too slow" {
		t.Errorf("event's rating %v %v", score, comment)
	}
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 1 || num(path(list[0], "rating", "score")) != 1 || path(list[0], "rating", "comment") != "Too slow" {
		t.Errorf("list %v", list)
	}
	one := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), alice, nil).object(t)
	if num(path(one, "rating", "score")) != 1 || path(one, "rating", "comment") != "Too slow" {
		t.Errorf("conversation %v", one)
	}
}
