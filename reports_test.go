package parley_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// A report's period: its days in the reader's time zone (23 or 25 hours when the clocks
// change), the defaults, and the refusals.
func TestNewReportQuery(t *testing.T) {
	now := time.Date(2026, 3, 30, 23, 30, 0, 0, time.UTC) // 31 March already in Paris
	t.Run("days in a time zone", func(t *testing.T) {
		q, err := parley.NewReportQuery("2026-03-28", "2026-03-30", "Europe/Paris", "", 0, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		if q.Group != parley.ReportByDay || q.TimeZone != "Europe/Paris" || q.From() != "2026-03-28" || q.To() != "2026-03-30" {
			t.Fatalf("query %+v", q)
		}
		want := []struct {
			start string
			hours time.Duration
		}{
			{"2026-03-27T23:00:00Z", 24},
			{"2026-03-28T23:00:00Z", 23}, // summer time starts on the 29th
			{"2026-03-29T22:00:00Z", 24},
		}
		for i, d := range q.Days {
			if got := d.Start.UTC().Format(time.RFC3339); got != want[i].start || d.End.Sub(d.Start) != want[i].hours*time.Hour {
				t.Errorf("day %s: %s for %v, want %s for %dh", d.Date, got, d.End.Sub(d.Start), want[i].start, want[i].hours)
			}
			if i > 0 && !d.Start.Equal(q.Days[i-1].End) {
				t.Errorf("day %s does not start where the one before ends", d.Date)
			}
		}
	})
	t.Run("defaults: the last 30 days to today, in UTC", func(t *testing.T) {
		q, err := parley.NewReportQuery("", "", "", "operator", 0, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Days) != 30 || q.From() != "2026-03-01" || q.To() != "2026-03-30" || q.TimeZone != "UTC" {
			t.Errorf("%d days from %s to %s in %s", len(q.Days), q.From(), q.To(), q.TimeZone)
		}
		q, _ = parley.NewReportQuery("", "", "Europe/Paris", "", 0, 0, now)
		if q.To() != "2026-03-31" {
			t.Errorf("today in Paris is %s, want 2026-03-31", q.To())
		}
		q, _ = parley.NewReportQuery("2026-03-20", "", "", "", 0, 0, now)
		if q.From() != "2026-03-20" || q.To() != "2026-03-30" {
			t.Errorf("from alone: %s to %s", q.From(), q.To())
		}
	})
	for _, bad := range []struct{ from, to, tz, group string }{
		{"2026-03-31", "2026-03-01", "", ""},
		{"2024-01-01", "2026-01-01", "", ""},
		{"", "", "Local", ""},
		{"", "", "Mars/Base", ""},
		{"", "", "../zoneinfo/UTC", ""},
		{"", "", "", "week"},
		{"31/03/2026", "", "", ""},
	} {
		if _, err := parley.NewReportQuery(bad.from, bad.to, bad.tz, bad.group, 0, 0, now); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", bad, err)
		}
	}
}
