package parley

import (
	"context"
	"slices"
	"time"
)

// Honest waiting: a visitor in a channel's queue is told their place and an estimated
// wait, computed from the channel's recent rate of assignments out of the queue, and past
// the channel's limit (WaitLimits) the widget also offers to leave a message. Every
// estimate given when a visitor was queued is kept with the wait that followed, so the
// reports tell how good the estimates were (WaitAccuracy).

// The estimate reads the channel's latest WaitSample assignments out of the queue within
// WaitWindow.
const (
	WaitWindow = time.Hour
	WaitSample = 10
)

// EstimateWait estimates how long the visitor at place (1: next) will wait, from the
// times the channel's latest conversations left its queue by being assigned (at most
// WaitSample, within WaitWindow before now, any order). The queue moves one place per
// (now − the oldest of them) / their number: the time since the last one counts, so a
// queue that stopped moving is estimated slower and slower. The estimate is rounded up
// to the minute. No departure in the window: no estimate (ok false), rather than a guess.
func EstimateWait(place int, departures []time.Time, now time.Time) (time.Duration, bool) {
	if place < 1 || len(departures) == 0 {
		return 0, false
	}
	oldest := slices.MinFunc(departures, func(a, b time.Time) int { return a.Compare(b) })
	span := now.Sub(oldest)
	if span < time.Minute {
		span = time.Minute // a burst of assignments says little about the next minutes
	}
	d := span * time.Duration(place) / time.Duration(len(departures))
	if r := d % time.Minute; r != 0 {
		d += time.Minute - r
	}
	return d, true
}

// WaitLimits is a channel's limit on waiting in its queue: past it the widget also
// offers the leave-a-message form (the conversation keeps its place if the visitor
// stays). Zero fields set no limit.
type WaitLimits struct {
	// MaxWaitMinutes: the estimate, or the time already waited, is longer.
	MaxWaitMinutes int `json:"max_wait_minutes"`
	// MaxPlace: the visitor's place in the line is further back.
	MaxPlace int `json:"max_place"`
}

// MaxWaitLimit bounds both fields of WaitLimits (a day, a thousand places).
const (
	MaxWaitLimitMinutes = 24 * 60
	MaxWaitLimitPlace   = 1000
)

// Validate checks the limits as an admin sets them.
func (l WaitLimits) Validate() error {
	if l.MaxWaitMinutes < 0 || l.MaxWaitMinutes > MaxWaitLimitMinutes {
		return Errorf(EINVALID, "The longest wait is between 0 (no limit) and %d minutes.", MaxWaitLimitMinutes)
	}
	if l.MaxPlace < 0 || l.MaxPlace > MaxWaitLimitPlace {
		return Errorf(EINVALID, "The furthest place is between 0 (no limit) and %d.", MaxWaitLimitPlace)
	}
	return nil
}

// Passed reports whether a visitor at place, with the estimate (known or not) and
// having waited so far, is past the limits.
func (l WaitLimits) Passed(place int, estimate time.Duration, known bool, waited time.Duration) bool {
	if l.MaxPlace > 0 && place > l.MaxPlace {
		return true
	}
	limit := time.Duration(l.MaxWaitMinutes) * time.Minute
	return limit > 0 && (waited > limit || known && estimate > limit)
}

// WaitEstimate is the estimate a visitor was given when their conversation was queued,
// and, once it was assigned, when.
type WaitEstimate struct {
	ConversationID int64
	ChannelID      int64
	Place          int
	// Estimate is the wait announced; Estimated false when none could be (no
	// assignment out of the queue within WaitWindow).
	Estimate   time.Duration
	Estimated  bool
	QueuedAt   time.Time
	AssignedAt time.Time // zero until it leaves the queue by an assignment
}

// WaitAccuracy is how good the estimates of the conversations assigned in a period were:
// the estimate given when each was queued against the wait that followed.
type WaitAccuracy struct {
	From      string `json:"from"`
	To        string `json:"to"`
	TimeZone  string `json:"time_zone"`
	ChannelID int64  `json:"channel_id,omitempty"`
	// Count is the conversations assigned in the period after an estimate was given.
	Count int `json:"count"`
	// The medians, in seconds (null without any conversation): of the estimates, of the
	// actual waits, and of |estimate − actual|.
	MedianEstimate      *float64 `json:"median_estimate"`
	MedianActual        *float64 `json:"median_actual"`
	MedianAbsoluteError *float64 `json:"median_absolute_error"`
	// WithinHalf is the share (0 to 1) whose actual wait was within ±50% of the estimate.
	WithinHalf *float64 `json:"within_half"`
}

// MeasureWaitAccuracy fills a's figures from the estimates (those without an estimate
// or not assigned are left out).
func MeasureWaitAccuracy(a *WaitAccuracy, list []*WaitEstimate) {
	var est, act, abs []float64
	within := 0
	for _, e := range list {
		if !e.Estimated || e.AssignedAt.IsZero() {
			continue
		}
		actual := e.AssignedAt.Sub(e.QueuedAt).Seconds()
		guess := e.Estimate.Seconds()
		est, act = append(est, guess), append(act, actual)
		diff := actual - guess
		if diff < 0 {
			diff = -diff
		}
		abs = append(abs, diff)
		if diff <= guess/2 {
			within++
		}
	}
	a.Count = len(est)
	if a.Count == 0 {
		return
	}
	share := float64(within) / float64(a.Count)
	a.MedianEstimate, a.MedianActual, a.MedianAbsoluteError, a.WithinHalf = median(est), median(act), median(abs), &share
}

func median(v []float64) *float64 {
	slices.Sort(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + m) / 2
	}
	return &m
}

// WaitStore keeps the channels' wait limits and the estimates given.
type WaitStore interface {
	// WaitLimits returns a channel's limits (zero when none were set); SetWaitLimits
	// sets them. An unknown channel is ENOTFOUND.
	WaitLimits(ctx context.Context, channelID int64) (WaitLimits, error)
	SetWaitLimits(ctx context.Context, channelID int64, l WaitLimits) error
	// RecordWaitEstimate keeps the estimate given when a conversation was queued (the
	// first recorded of a conversation stays). The store sets its AssignedAt itself,
	// in the transaction that assigns it out of the queue, whatever assigns it.
	RecordWaitEstimate(ctx context.Context, e *WaitEstimate) error
	// QueueDepartures returns when the channel's conversations with a recorded
	// estimate were assigned out of its queue, since then, newest first, at most limit.
	QueueDepartures(ctx context.Context, channelID int64, since time.Time, limit int) ([]time.Time, error)
	// WaitEstimates lists the estimates of the conversations assigned in [from, to)
	// (of the channel, or every channel with 0), oldest assignment first.
	WaitEstimates(ctx context.Context, channelID int64, from, to time.Time) ([]*WaitEstimate, error)
}

// VisitorLeftAMessage is the system notice that ends a queued conversation whose visitor
// left a message instead of waiting (the left message names the conversation).
const VisitorLeftAMessage = "Visitor left a message instead of waiting."

// AuditChannelWaitLimits is the audit log's action of an admin setting a channel's wait
// limits.
const AuditChannelWaitLimits = "channel.wait_limits"
