package main

import (
	"context"
	"fmt"
	"math"
	"time"
)

// idle: operators' consoles and visitors' WebSockets connected, nothing sent. The
// visitors connect in two halves, each followed by --hold; the server's memory is read
// after each. What the second half added, over its number of sockets, is the memory an
// idle connection costs: by then the garbage of the set-up (password hashes, conversation
// starts) has been collected and reused by the first half, which would otherwise hide
// part of the cost (or show memory given back to the system as a negative one).
func (r *runner) idle(ctx context.Context) error {
	if err := r.liveConversations(ctx, false); err != nil {
		return err
	}
	m := r.beginMeasure()
	half := len(r.convs) / 2
	var hs []int64
	var total time.Duration
	var mid procSample
	for i, part := range [][]*conversation{r.convs[:half], r.convs[half:]} {
		d, h, err := r.openVisitors(ctx, part, r.cfg.Concurrency)
		total += d
		hs = append(hs, h...)
		if err != nil {
			return err
		}
		select {
		case <-time.After(r.cfg.Hold):
		case <-ctx.Done():
			return ctx.Err()
		}
		if i == 0 {
			mid = r.sample()
		}
	}
	r.recordConnect(total, hs)
	m.end()
	if s := &r.rep.Server; s.PID != 0 && len(r.convs)-half > 0 {
		s.RSSPerConnectionKiB = float64(s.RSSAfterKiB-mid.RSSKiB) / float64(len(r.convs)-half)
	}
	return nil
}

// steady: live conversations at a fixed rate for a fixed time.
func (r *runner) steady(ctx context.Context) error {
	if err := r.liveConversations(ctx, true); err != nil {
		return err
	}
	if err := r.connectVisitors(ctx, r.cfg.Concurrency); err != nil {
		return err
	}
	r.logf("sending %.0f messages per second for %s", r.cfg.Rate, r.cfg.Duration)
	m := r.beginMeasure()
	msgs, err := r.newTraffic(0, r.cfg.Rate, r.cfg.Duration).run(ctx)
	m.end()
	msgs.Rate = r.cfg.Rate
	msgs.DurationSeconds = r.cfg.Duration.Seconds()
	r.rep.Messages = msgs
	return err
}

// max: steady steps at rising rates, until a step's p99 passes --max-p99, a message is
// lost, duplicated or refused; then, after a failure by latency alone, --refine steps
// between the highest rate held and the lowest failed. The highest rate of a step that
// passed is the rate held.
func (r *runner) max(ctx context.Context) error {
	if err := r.liveConversations(ctx, true); err != nil {
		return err
	}
	if err := r.connectVisitors(ctx, r.cfg.Concurrency); err != nil {
		return err
	}
	m := r.beginMeasure()
	defer m.end()
	l := newLadder(r.cfg)
	for step := 1; ; step++ {
		rate, refining, ok := l.next()
		if !ok {
			return nil
		}
		if refining {
			// The failed step may have left the server a backlog, or a WAL to checkpoint.
			r.logf("pause of %s before the next step", refinePause)
			select {
			case <-time.After(refinePause):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		r.logf("step %d: %.0f messages per second for %s", step, rate, r.cfg.Duration)
		sm := r.beginMeasure()
		msgs, err := r.newTraffic(step, rate, r.cfg.Duration).run(ctx)
		msgs.Rate = rate
		msgs.DurationSeconds = r.cfg.Duration.Seconds()
		st := Step{Rate: rate, Messages: msgs, Held: true, Refining: refining}
		st.ServerCPUPercent, st.ToolCPUPercent = sm.cpu()
		outcome := stepFailed
		switch {
		case err != nil:
			st.Held, st.Reason = false, err.Error()
		case msgs.Lost > 0:
			st.Held, st.Reason = false, fmt.Sprintf("%d messages lost", msgs.Lost)
		case msgs.Failed > 0:
			st.Held, st.Reason = false, fmt.Sprintf("%d sends refused or failed", msgs.Failed)
		case msgs.Duplicated > 0 || msgs.Misrouted > 0:
			st.Held, st.Reason = false, "messages duplicated or misrouted"
		case msgs.LatencyMs.P99 > float64(r.cfg.MaxP99)/1e6:
			st.Held, st.Reason = false, fmt.Sprintf("p99 %.2f ms > %s", msgs.LatencyMs.P99, r.cfg.MaxP99)
			outcome = stepSlow
		default:
			outcome = stepHeld
		}
		r.rep.Steps = append(r.rep.Steps, st)
		l.record(rate, outcome)
		if !st.Held {
			r.logf("step %d failed: %s", step, st.Reason)
			if err != nil {
				return err
			}
		} else if rate >= r.rep.HighestRateHeld {
			r.rep.HighestRateHeld = rate
			r.rep.Messages = msgs
		}
	}
}

// refinePause is the pause before each step of the refinement.
const refinePause = 3 * time.Second

// ladder chooses the rates of the max scenario's steps: from --rate, each --step-factor
// times the last, until one fails (or --max-steps, --max-rate are reached); then, if it
// failed by its latency alone, --refine more, each at the geometric mean of the highest
// rate held and the lowest failed, so that each halves the ratio between them. A step
// that lost or refused messages ends the run: the server may have dropped the sockets
// that fell behind (the relay does), and a step at any rate would then fail.
type ladder struct {
	rate, factor, maxRate float64
	steps, refine         int     // climbing steps and refining steps left
	held, failed          float64 // the highest rate held and the lowest failed; 0: none
}

// stepOutcome is how a step ended.
type stepOutcome int

const (
	stepHeld   stepOutcome = iota
	stepSlow               // failed by its latency alone
	stepFailed             // lost, refused, duplicated or misrouted messages, or broke off
)

func newLadder(c Config) *ladder {
	return &ladder{rate: c.Rate, factor: c.StepFactor, maxRate: c.MaxRate, steps: c.MaxSteps, refine: c.Refine}
}

// next returns the next step's rate, and whether it refines; ok is false when the
// steps are over.
func (l *ladder) next() (rate float64, refining, ok bool) {
	if l.failed == 0 {
		if l.steps == 0 || l.rate > l.maxRate {
			return 0, false, false
		}
		return l.rate, false, true
	}
	if l.held == 0 || l.refine <= 0 {
		return 0, false, false // nothing held to refine from, or no more refining
	}
	return math.Round(math.Sqrt(l.held * l.failed)), true, true
}

// record takes the outcome of the step at rate.
func (l *ladder) record(rate float64, o stepOutcome) {
	if l.failed == 0 {
		l.steps--
		l.rate *= l.factor
	} else {
		l.refine--
	}
	switch {
	case o == stepHeld:
		l.held = max(l.held, rate)
	case l.failed == 0 || rate < l.failed:
		l.failed = rate
	}
	if o == stepFailed {
		l.refine = 0
	}
}

// connect: visitors' WebSockets opened as fast as the server accepts them,
// --concurrency opening at a time.
func (r *runner) connect(ctx context.Context) error {
	if err := r.liveConversations(ctx, false); err != nil {
		return err
	}
	m := r.beginMeasure()
	err := r.connectVisitors(ctx, r.cfg.Concurrency)
	m.end()
	return err
}

// assign: many operators online, many conversations started at once (--concurrency at a
// time). Then each operator's GET /api/conversations must show that nobody passed the
// channel's cap and no conversation went to two operators.
func (r *runner) assign(ctx context.Context) error {
	if err := r.setUp(ctx, r.cfg.Cap); err != nil {
		return err
	}
	m := r.beginMeasure()
	d, err := r.startConversations(ctx, r.cfg.Conversations, r.cfg.Concurrency)
	m.end()
	if err != nil {
		return err
	}
	a := &r.rep.Assign
	a.Operators, a.Cap, a.Conversations = len(r.ops), r.cfg.Cap, len(r.convs)
	a.Seconds = d.Seconds()
	for _, c := range r.convs {
		if c.status == "active" {
			a.Assigned++
		} else {
			a.Queued++
		}
	}
	a.PerSecond = float64(a.Assigned) / d.Seconds()
	a.StartsPerSecond = float64(len(r.convs)) / d.Seconds()
	a.ExpectedAssigned = len(r.convs)
	if r.cfg.Cap > 0 {
		a.ExpectedAssigned = min(len(r.convs), r.cfg.Cap*len(r.ops))
	}
	r.logf("%d conversations started in %.2f s: %d assigned (%.0f/s), %d queued", len(r.convs), d.Seconds(), a.Assigned, a.PerSecond, a.Queued)
	return r.checkAssignments(ctx)
}

// checkAssignments reads every operator's conversations through the API and compares
// them with the cap and with what the visitors were told.
func (r *runner) checkAssignments(ctx context.Context) error {
	lists := make([][]listed, len(r.ops))
	err := parallel(ctx, len(r.ops), r.cfg.Concurrency, func(ctx context.Context, i int) error {
		l, err := r.cl.conversations(ctx, r.ops[i].token)
		lists[i] = l
		return err
	})
	if err != nil {
		return fmt.Errorf("check assignments: %w", err)
	}
	a := &r.rep.Assign
	owner := map[int64]*operator{}
	for i, l := range lists {
		op := r.ops[i]
		n := 0
		for _, c := range l {
			if c.ChannelID != r.chanID || c.Status != "active" {
				continue
			}
			n++
			if prev, seen := owner[c.ID]; seen && prev != op {
				a.AssignedTwice++
			}
			owner[c.ID] = op
		}
		a.MaxPerOperator = max(a.MaxPerOperator, n)
		if r.cfg.Cap > 0 && n > r.cfg.Cap {
			a.OverCap++
		}
	}
	for _, c := range r.convs {
		got := owner[c.id]
		switch {
		case c.status == "active" && got != c.op:
			a.Mismatched++ // the visitor was told one operator, the operators' lists say another
		case c.status != "active" && got != nil:
			a.Mismatched++
		}
	}
	a.Check = "ok"
	switch {
	case a.OverCap > 0:
		a.Check = fmt.Sprintf("%d operators past the cap of %d", a.OverCap, r.cfg.Cap)
	case a.AssignedTwice > 0:
		a.Check = fmt.Sprintf("%d conversations assigned to two operators", a.AssignedTwice)
	case a.Mismatched > 0:
		a.Check = fmt.Sprintf("%d conversations listed under another operator than the visitor was told", a.Mismatched)
	case a.Assigned != a.ExpectedAssigned:
		a.Check = fmt.Sprintf("%d assigned, want %d (every operator online and below the cap)", a.Assigned, a.ExpectedAssigned)
	}
	return nil
}
