package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// A known month of conversations, every figure of the report checked: per day, per
// operator, per channel, the totals, the filters by channel and operator, and the days
// cut in another time zone. The times are chosen so that every median and percentile
// falls between two values (interpolated) or on one.
func testConversationReport(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web, sales := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Sales", 0)
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	mustJoin(t, s, web.ID, alice.ID, bob.ID)
	mustJoin(t, s, sales.ID, alice.ID, bob.ID)
	day := func(d, hour int) time.Time { return time.Date(2026, 1, d, hour, 0, 0, 0, time.UTC) }
	sec := func(at time.Time, n int) time.Time { return at.Add(time.Duration(n) * time.Second) }
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}
	op := func(u *parley.User) parley.Author {
		return parley.Author{Kind: parley.AuthorOperator, Name: u.Name, ID: u.ID}
	}
	start := func(ch *parley.Channel, at time.Time, choose parley.Chooser) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vi").ID, Body: "Hello", Now: at}, choose)
		return c
	}
	rate := func(c *parley.Conversation, score int) {
		if err := s.RateConversation(ctx, c.ID, parley.Rating{Score: score, Comment: "Said so"}); err != nil {
			t.Fatal(err)
		}
	}
	assignQueued := func(ch *parley.Channel, at time.Time, to *parley.User) {
		if got, err := s.AssignQueued(ctx, ch.ID, at, pick(to.ID)); err != nil || len(got) != 1 {
			t.Fatalf("AssignQueued: %d assigned, %v; want 1", len(got), err)
		}
	}

	// 5 January: c1 answered at once, c2 waits in the queue, c3 waits and leaves.
	c1at := day(5, 10)
	c1 := start(web, c1at, pick(alice.ID))
	mustAdd(t, s, c1.ID, op(alice), "Hi", sec(c1at, 30))
	mustAdd(t, s, c1.ID, visitor, "Thanks", sec(c1at, 60))
	mustAdd(t, s, c1.ID, op(alice), "Bye", sec(c1at, 90))
	mustEnd(t, s, c1.ID, parley.OperatorLeftMessage, sec(c1at, 600))
	rate(c1, 5)

	c2at := day(5, 11)
	c2 := start(web, c2at, queue)
	assignQueued(web, sec(c2at, 120), bob)
	mustAdd(t, s, c2.ID, op(bob), "Sorry for the wait", sec(c2at, 150))
	mustEnd(t, s, c2.ID, parley.OperatorLeftMessage, sec(c2at, 1200))
	rate(c2, 1)

	c3at := day(5, 12)
	c3 := start(sales, c3at, queue)
	mustAdd(t, s, c3.ID, visitor, "Anyone?", sec(c3at, 60))
	mustEnd(t, s, c3.ID, parley.VisitorLeftMessage, sec(c3at, 300))

	// 6 January: c4 assigned but never answered; c5 answered, then transferred (its
	// first assignment stays the start); c6 answered and still going on; c8 assigned,
	// given back to the queue and assigned again (still not a wait in the queue).
	c4at := day(6, 10)
	c4 := start(sales, c4at, pick(alice.ID))
	mustEnd(t, s, c4.ID, parley.VisitorLeftMessage, sec(c4at, 240))
	rate(c4, 3)

	c5at := day(6, 11)
	c5 := start(web, c5at, pick(bob.ID))
	mustAdd(t, s, c5.ID, op(bob), "Let me ask Alice", sec(c5at, 45))
	if _, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c5.ID, From: bob.ID, ToOperatorID: alice.ID, Now: sec(c5at, 100)}, pick(alice.ID)); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, c5.ID, op(alice), "Alice here", sec(c5at, 130))
	mustEnd(t, s, c5.ID, parley.OperatorLeftMessage, sec(c5at, 900))
	rate(c5, 5)

	c6at := day(6, 12)
	c6 := start(web, c6at, pick(alice.ID))
	mustAdd(t, s, c6.ID, op(alice), "Hi", sec(c6at, 10))

	c8at := day(6, 13)
	c8 := start(web, c8at, pick(bob.ID))
	if got, err := s.RequeueConversations(ctx, bob.ID); err != nil || len(got) != 1 || got[0].ID != c8.ID {
		t.Fatalf("RequeueConversations: %v, %v; want c8 alone", got, err)
	}
	assignQueued(web, sec(c8at, 200), alice)
	mustAdd(t, s, c8.ID, op(alice), "Back to you", sec(c8at, 210))

	// 31 January, the month's last second: c7 counts on its start's day.
	c7at := time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC)
	c7 := start(web, c7at, pick(bob.ID))
	mustAdd(t, s, c7.ID, op(bob), "Hi", sec(c7at, 5))
	mustEnd(t, s, c7.ID, parley.OperatorLeftMessage, sec(c7at, 60))

	// Outside the month, by a second: counted by none of the month's figures.
	c0 := start(web, time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), pick(alice.ID))
	mustAdd(t, s, c0.ID, op(alice), "Hi", time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC))
	c9at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	c9 := start(web, c9at, pick(alice.ID))
	mustAdd(t, s, c9.ID, op(alice), "Hi", sec(c9at, 20))
	mustEnd(t, s, c9.ID, parley.OperatorLeftMessage, sec(c9at, 40))
	rate(c9, 1)

	a, b := strconv.FormatInt(alice.ID, 10), strconv.FormatInt(bob.ID, 10)
	w, sl := strconv.FormatInt(web.ID, 10), strconv.FormatInt(sales.ID, 10)
	// Each line: key conversations answered first-answer(median/p90) queued
	// queue-wait(median/p90) ended duration(median) messages rated good okay bad
	// (shares) missed missed-in-queue. Times in seconds; - for none.
	tests := []struct {
		name      string
		from, to  string
		tz, group string
		channel   int64
		operator  int64
		want      []string // the rows by key, then the total
	}{
		{"per day", "2026-01-01", "2026-01-31", "", "day", 0, 0, []string{
			"2026-01-05 conv=3 answered=2 first=90/138 queued=2 wait=210/282 ended=3 duration=600 messages=8 rated=2 good=1(0.5) okay=0(0) bad=1(0.5) missed=1 in_queue=1",
			"2026-01-06 conv=4 answered=3 first=45/177 queued=0 wait=-/- ended=2 duration=570 messages=8 rated=2 good=1(0.5) okay=1(0.5) bad=0(0) missed=1 in_queue=0",
			"2026-01-31 conv=1 answered=1 first=5/5 queued=0 wait=-/- ended=1 duration=60 messages=2 rated=0 good=0(-) okay=0(-) bad=0(-) missed=0 in_queue=0",
			"total conv=8 answered=6 first=37.5/180 queued=2 wait=210/282 ended=6 duration=450 messages=18 rated=4 good=2(0.5) okay=1(0.25) bad=1(0.25) missed=2 in_queue=1",
		}},
		{"per operator", "2026-01-01", "2026-01-31", "UTC", "operator", 0, 0, sortedByKey(
			"total conv=8 answered=6 first=37.5/180 queued=2 wait=210/282 ended=6 duration=450 messages=18 rated=4 good=2(0.5) okay=1(0.25) bad=1(0.25) missed=2 in_queue=1",
			" conv=1 answered=0 first=-/- queued=1 wait=300/300 ended=1 duration=300 messages=2 rated=0 good=0(-) okay=0(-) bad=0(-) missed=1 in_queue=1",
			a+" conv=5 answered=4 first=37.5/160.5 queued=0 wait=-/- ended=3 duration=600 messages=12 rated=3 good=2(0.6667) okay=1(0.3333) bad=0(0) missed=1 in_queue=0",
			b+" conv=2 answered=2 first=77.5/135.5 queued=1 wait=120/120 ended=2 duration=630 messages=4 rated=1 good=0(0) okay=0(0) bad=1(1) missed=0 in_queue=0",
		)},
		{"per channel", "2026-01-01", "2026-01-31", "", "channel", 0, 0, sortedByKey(
			"total conv=8 answered=6 first=37.5/180 queued=2 wait=210/282 ended=6 duration=450 messages=18 rated=4 good=2(0.5) okay=1(0.25) bad=1(0.25) missed=2 in_queue=1",
			w+" conv=6 answered=6 first=37.5/180 queued=1 wait=120/120 ended=4 duration=750 messages=15 rated=3 good=2(0.6667) okay=0(0) bad=1(0.3333) missed=0 in_queue=0",
			sl+" conv=2 answered=0 first=-/- queued=1 wait=300/300 ended=2 duration=270 messages=3 rated=1 good=0(0) okay=1(1) bad=0(0) missed=2 in_queue=1",
		)},
		{"one channel, per day", "2026-01-01", "2026-01-31", "", "day", sales.ID, 0, []string{
			"2026-01-05 conv=1 answered=0 first=-/- queued=1 wait=300/300 ended=1 duration=300 messages=2 rated=0 good=0(-) okay=0(-) bad=0(-) missed=1 in_queue=1",
			"2026-01-06 conv=1 answered=0 first=-/- queued=0 wait=-/- ended=1 duration=240 messages=1 rated=1 good=0(0) okay=1(1) bad=0(0) missed=1 in_queue=0",
			"total conv=2 answered=0 first=-/- queued=1 wait=300/300 ended=2 duration=270 messages=3 rated=1 good=0(0) okay=1(1) bad=0(0) missed=2 in_queue=1",
		}},
		{"one operator, per channel", "2026-01-01", "2026-01-31", "", "channel", 0, alice.ID, sortedByKey(
			"total conv=5 answered=4 first=37.5/160.5 queued=0 wait=-/- ended=3 duration=600 messages=12 rated=3 good=2(0.6667) okay=1(0.3333) bad=0(0) missed=1 in_queue=0",
			w+" conv=4 answered=4 first=37.5/160.5 queued=0 wait=-/- ended=2 duration=750 messages=11 rated=2 good=2(1) okay=0(0) bad=0(0) missed=0 in_queue=0",
			sl+" conv=1 answered=0 first=-/- queued=0 wait=-/- ended=1 duration=240 messages=1 rated=1 good=0(0) okay=1(1) bad=0(0) missed=1 in_queue=0",
		)},
		{"one channel and operator", "2026-01-05", "2026-01-05", "", "operator", web.ID, bob.ID, []string{
			b + " conv=1 answered=1 first=150/150 queued=1 wait=120/120 ended=1 duration=1200 messages=2 rated=1 good=0(0) okay=0(0) bad=1(1) missed=0 in_queue=0",
			"total conv=1 answered=1 first=150/150 queued=1 wait=120/120 ended=1 duration=1200 messages=2 rated=1 good=0(0) okay=0(0) bad=1(1) missed=0 in_queue=0",
		}},
		// New York is UTC-5 in January: its 31 January ends at 05:00 UTC on 1 February,
		// and takes c9.
		{"New York's days", "2026-01-31", "2026-01-31", "America/New_York", "day", 0, 0, []string{
			"2026-01-31 conv=2 answered=2 first=12.5/18.5 queued=0 wait=-/- ended=2 duration=50 messages=4 rated=1 good=0(0) okay=0(0) bad=1(1) missed=0 in_queue=0",
			"total conv=2 answered=2 first=12.5/18.5 queued=0 wait=-/- ended=2 duration=50 messages=4 rated=1 good=0(0) okay=0(0) bad=1(1) missed=0 in_queue=0",
		}},
		// Auckland is UTC+13 in January: its 6 January runs from 11:00 UTC on the 5th to
		// 11:00 UTC on the 6th: c2, c3 and c4.
		{"Auckland's days", "2026-01-06", "2026-01-06", "Pacific/Auckland", "day", 0, 0, []string{
			"2026-01-06 conv=3 answered=1 first=150/150 queued=2 wait=210/282 ended=3 duration=300 messages=5 rated=2 good=0(0) okay=1(0.5) bad=1(0.5) missed=2 in_queue=1",
			"total conv=3 answered=1 first=150/150 queued=2 wait=210/282 ended=3 duration=300 messages=5 rated=2 good=0(0) okay=1(0.5) bad=1(0.5) missed=2 in_queue=1",
		}},
		{"a period without conversations", "2026-03-01", "2026-03-31", "", "operator", 0, 0, []string{
			"total conv=0 answered=0 first=-/- queued=0 wait=-/- ended=0 duration=- messages=0 rated=0 good=0(-) okay=0(-) bad=0(-) missed=0 in_queue=0",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := parley.NewReportQuery(tc.from, tc.to, tc.tz, tc.group, tc.channel, tc.operator, t0)
			if err != nil {
				t.Fatal(err)
			}
			rows, total, err := s.ConversationReport(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(rows, func(a, b parley.ReportRow) int { return strings.Compare(a.Key, b.Key) })
			var got []string
			for _, r := range append(rows, total) {
				got = append(got, formatReportRow(r))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}

	t.Run("bad query", func(t *testing.T) {
		_, _, err := s.ConversationReport(ctx, parley.ReportQuery{Group: "week", Days: []parley.ReportDay{{Date: "2026-01-01", Start: day(1, 0), End: day(2, 0)}}})
		wantCode(t, err, parley.EINVALID)
	})
}

// sortedByKey orders report lines by their key, the total last.
func sortedByKey(total string, rows ...string) []string {
	slices.Sort(rows)
	return append(rows, total)
}

// formatReportRow writes every figure of a report's row on one line.
func formatReportRow(r parley.ReportRow) string {
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	return fmt.Sprintf("%s conv=%d answered=%d first=%s/%s queued=%d wait=%s/%s ended=%d duration=%s messages=%d rated=%d good=%d(%s) okay=%d(%s) bad=%d(%s) missed=%d in_queue=%d",
		r.Key, r.Conversations, r.Answered, f(r.FirstAnswerMedian), f(r.FirstAnswerP90), r.Queued,
		f(r.QueueWaitMedian), f(r.QueueWaitP90), r.Ended, f(r.DurationMedian), r.Messages, r.Rated,
		r.Good, f(r.GoodShare), r.Okay, f(r.OkayShare), r.Bad, f(r.BadShare), r.Missed, r.MissedInQueue)
}
