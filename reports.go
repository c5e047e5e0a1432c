package parley

import (
	"context"
	"math"
	"strings"
	"time"
)

// Reports: what a team lead reads of the conversations of a period, per day, operator or
// channel. The stores compute the figures by SQL (ReportStore); the service names the rows
// and fills the days without conversations.

// ReportGroup is what one row of a report stands for.
type ReportGroup string

const (
	ReportByDay      ReportGroup = "day"
	ReportByOperator ReportGroup = "operator"
	ReportByChannel  ReportGroup = "channel"
)

// MaxReportDays bounds a report's period: two years, leap day included.
const MaxReportDays = 731

// DefaultReportDays is the period of a report that names none: the last 30 days, today
// included.
const DefaultReportDays = 30

// ReportDay is one day of a report: from its midnight to the next in the report's time
// zone (23 or 25 hours on the days the clocks change).
type ReportDay struct {
	Date  string // YYYY-MM-DD
	Start time.Time
	End   time.Time
}

// ReportQuery asks for the figures of the conversations started in Days, the days of one
// period oldest first, one after the other.
type ReportQuery struct {
	Days       []ReportDay
	TimeZone   string // the IANA name the days were cut in
	Group      ReportGroup
	ChannelID  int64 // 0: every channel
	OperatorID int64 // 0: every operator
}

// From is the query's first day, To its last.
func (q ReportQuery) From() string { return q.Days[0].Date }
func (q ReportQuery) To() string   { return q.Days[len(q.Days)-1].Date }

// NewReportQuery checks and reads a report's parameters as the API takes them: from and
// to are dates (YYYY-MM-DD, both included; empty: the last DefaultReportDays days to
// today, at now), tz an IANA time zone ("": UTC), group "day" (or ""), "operator" or
// "channel".
func NewReportQuery(from, to, tz, group string, channelID, operatorID int64, now time.Time) (ReportQuery, error) {
	q := ReportQuery{Group: ReportGroup(group), ChannelID: channelID, OperatorID: operatorID, TimeZone: tz}
	switch q.Group {
	case "":
		q.Group = ReportByDay
	case ReportByDay, ReportByOperator, ReportByChannel:
	default:
		return q, Errorf(EINVALID, "Group must be day, operator or channel.")
	}
	if channelID < 0 || operatorID < 0 {
		return q, Errorf(EINVALID, "A channel or operator id is a positive number.")
	}
	if q.TimeZone == "" {
		q.TimeZone = "UTC"
	}
	// time.LoadLocation also reads files: a name with a path in it is no time zone.
	if len(q.TimeZone) > 64 || q.TimeZone == "Local" || strings.ContainsAny(q.TimeZone, `\.`) {
		return q, Errorf(EINVALID, "Unknown time zone %q: give an IANA name such as Europe/Paris.", q.TimeZone)
	}
	loc, err := time.LoadLocation(q.TimeZone)
	if err != nil {
		return q, Errorf(EINVALID, "Unknown time zone %q: give an IANA name such as Europe/Paris.", q.TimeZone)
	}
	today := now.In(loc)
	last := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	first := last.AddDate(0, 0, 1-DefaultReportDays)
	if from != "" {
		if first, err = time.Parse(time.DateOnly, from); err != nil {
			return q, Errorf(EINVALID, "From must be a date, YYYY-MM-DD.")
		}
	}
	if to != "" {
		if last, err = time.Parse(time.DateOnly, to); err != nil {
			return q, Errorf(EINVALID, "To must be a date, YYYY-MM-DD.")
		}
	}
	if from == "" && to != "" {
		first = last.AddDate(0, 0, 1-DefaultReportDays)
	}
	if first.After(last) {
		return q, Errorf(EINVALID, "From must not be after to (today when not given).")
	}
	if n := int(last.Sub(first)/(24*time.Hour)) + 1; n > MaxReportDays {
		return q, Errorf(EINVALID, "A report covers at most %d days; this period has %d.", MaxReportDays, n)
	}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		next := d.AddDate(0, 0, 1)
		q.Days = append(q.Days, ReportDay{
			Date:  d.Format(time.DateOnly),
			Start: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc),
			End:   time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc),
		})
	}
	return q, nil
}

// ReportRow is the figures of one day, operator or channel of a report, or of the whole
// period (the total). Times are in seconds; a median or percentile is null when no
// conversation of the row has the time (none answered, none waited, none ended), a share
// when none was rated. Percentiles are continuous (interpolated between the two nearest
// values, as PostgreSQL's percentile_cont).
type ReportRow struct {
	// Key is the row's day (YYYY-MM-DD), operator id or channel id; "" for the
	// conversations no operator took; "total" for the total.
	Key string `json:"key"`
	// Label is what a reader sees: the day, the operator's name, the channel's name.
	Label string `json:"label"`
	// Conversations started in the row's days (and by its operator, in its channel).
	Conversations int64 `json:"conversations"`
	// Answered: conversations an operator wrote in. FirstAnswer: from the visitor's first
	// message (the start) to the first operator message, over those answered.
	Answered          int64    `json:"answered"`
	FirstAnswerMedian *float64 `json:"first_answer_median"`
	FirstAnswerP90    *float64 `json:"first_answer_p90"`
	// Queued: conversations that waited in the queue at the start, no operator being
	// available. QueueWait: from the start to the first assignment, or to the end for
	// those that ended in the queue, over the queued ones (those still waiting have no
	// wait yet).
	Queued          int64    `json:"queued"`
	QueueWaitMedian *float64 `json:"queue_wait_median"`
	QueueWaitP90    *float64 `json:"queue_wait_p90"`
	// Ended conversations, and their duration from the start to the end.
	Ended          int64    `json:"ended"`
	DurationMedian *float64 `json:"duration_median"`
	// Messages of visitors and operators (not the system's notices).
	Messages int64 `json:"messages"`
	// Ratings: how many conversations were rated, how many good (5), okay (3) and bad (1),
	// and each one's share of the rated ones (0 to 1).
	Rated     int64    `json:"rated"`
	Good      int64    `json:"good"`
	Okay      int64    `json:"okay"`
	Bad       int64    `json:"bad"`
	GoodShare *float64 `json:"good_share"`
	OkayShare *float64 `json:"okay_share"`
	BadShare  *float64 `json:"bad_share"`
	// Missed: conversations that ended with no operator answer; MissedInQueue: those of
	// them that ended in the queue, never assigned.
	Missed        int64 `json:"missed"`
	MissedInQueue int64 `json:"missed_in_queue"`
}

// ReportTotalKey is the key of a report's total row.
const ReportTotalKey = "total"

// SetShares sets the shares of each rating from the counts.
func (r *ReportRow) SetShares() {
	r.GoodShare, r.OkayShare, r.BadShare = nil, nil, nil
	if r.Rated == 0 {
		return
	}
	share := func(n int64) *float64 {
		v := math.Round(float64(n)/float64(r.Rated)*10000) / 10000
		return &v
	}
	r.GoodShare, r.OkayShare, r.BadShare = share(r.Good), share(r.Okay), share(r.Bad)
}

// ReportSeconds is a time the store computed in microseconds, as a report gives it: in
// seconds, to the millisecond (so that both stores' floating-point sums agree).
func ReportSeconds(micros float64) *float64 {
	v := math.Round(micros/1000) / 1000
	return &v
}

// Report is a report as the API gives it.
type Report struct {
	From       string      `json:"from"`
	To         string      `json:"to"`
	TimeZone   string      `json:"tz"`
	Group      ReportGroup `json:"group"`
	ChannelID  int64       `json:"channel_id,omitempty"`
	OperatorID int64       `json:"operator_id,omitempty"`
	Rows       []ReportRow `json:"rows"`
	Total      ReportRow   `json:"total"`
}

// ReportStore computes reports.
type ReportStore interface {
	// ConversationReport computes the figures of the conversations started in q's days,
	// in q's channel and with q's operator (the one the conversation is, or was last,
	// assigned to) when set, one row per key of q.Group that has conversations (Key set,
	// Label empty; in no particular order), and the total (Key ReportTotalKey).
	ConversationReport(ctx context.Context, q ReportQuery) (rows []ReportRow, total ReportRow, err error)
}
