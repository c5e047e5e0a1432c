package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// traffic is one open-loop sending phase: n messages at a fixed rate over the live
// conversations, alternately from the visitor and from the operator of each. Message seq
// is scheduled at start + seq/rate whatever happens to the others, and its latency is
// counted from that moment to its arrival on the other side's WebSocket, so a slow
// server makes the latency grow instead of silently lowering the rate (no coordinated
// omission).
type traffic struct {
	r        *runner
	prefix   string // run id and step: deliveries of other runs or steps are not counted
	n        int
	interval float64 // nanoseconds between two scheduled sends
	start    time.Time
	convs    []*conversation
	targets  []sendTarget // per conversation: URLs and credentials of both sides
	padding  []byte

	issued    atomic.Int64
	acked     []atomic.Uint32 // ackNone, ackSent, ackOK, ackFailed
	delivered []atomic.Uint32 // times seen on the receiving side
	latency   []atomic.Int64  // scheduled send to first delivery, ns
	lag       []atomic.Int64  // scheduled send to the request's start, ns: the tool's own delay
	misrouted atomic.Int64
	lastSeen  atomic.Int64 // the last first delivery, ns after start
}

const (
	ackNone   = iota
	ackSent   // written as a frame; its answer has not come yet
	ackOK     // stored: 201, or the sender's own copy of the message event
	ackFailed // refused (an error status or frame), or the request failed
)

type sendTarget struct {
	visitorURL, visitorAuth   string
	operatorURL, operatorAuth string
}

func (r *runner) newTraffic(step int, rate float64, d time.Duration) *traffic {
	n := int(rate * d.Seconds())
	t := &traffic{
		r:         r,
		prefix:    r.runID + "." + strconv.Itoa(step),
		n:         n,
		interval:  1e9 / rate,
		convs:     r.convs,
		targets:   make([]sendTarget, len(r.convs)),
		padding:   bytes.Repeat([]byte("x"), r.cfg.BodySize),
		acked:     make([]atomic.Uint32, n),
		delivered: make([]atomic.Uint32, n),
		latency:   make([]atomic.Int64, n),
		lag:       make([]atomic.Int64, n),
	}
	for i, c := range r.convs {
		t.targets[i] = sendTarget{
			visitorURL:   fmt.Sprintf("%s/livechat/conversations/%d/messages", r.cl.base, c.id),
			visitorAuth:  "Bearer " + c.visitorToken,
			operatorURL:  fmt.Sprintf("%s/api/conversations/%d/messages", r.cl.base, c.id),
			operatorAuth: "Bearer " + c.op.token,
		}
	}
	return t
}

// sched is when message seq is due, in nanoseconds after start.
func (t *traffic) sched(seq int) int64 { return int64(float64(seq) * t.interval) }

// route says which conversation carries message seq and who sends it: the visitor for
// even numbers, the operator for odd ones, so each conversation gets a question and its
// answer in turn.
func (t *traffic) route(seq int) (conv int, fromVisitor bool) {
	return (seq / 2) % len(t.convs), seq%2 == 0
}

// run sends every message on schedule, waits for the senders, then for late deliveries
// (at most the grace), and returns what happened.
func (t *traffic) run(ctx context.Context) (Messages, error) {
	r := t.r
	r.cur.Store(t)
	defer r.cur.Store(nil)
	jobs := make(chan int, 4*r.cfg.Workers)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.sender(ctx, jobs)
		}()
	}

	// start is taken before the timer is armed, so that every tick comes at or just
	// after its scheduled send, never just before it.
	t.start = time.Now()
	p, err := newPacer(r.cfg.Pacer, t.start, time.Duration(math.Ceil(t.interval)))
	if err != nil {
		close(jobs)
		wg.Wait()
		return Messages{}, err
	}
	next := 0
schedule:
	for next < t.n {
		due := min(int(float64(time.Since(t.start))/t.interval)+1, t.n)
		for ; next < due; next++ {
			select {
			case jobs <- next:
			case <-ctx.Done():
				break schedule
			}
		}
		if next < t.n {
			if err := p.WaitUntil(time.Duration(t.sched(next))); err != nil {
				break
			}
		}
	}
	p.Close()
	close(jobs)
	wg.Wait()

	deadline := time.Now().Add(r.cfg.Grace)
	for time.Now().Before(deadline) && ctx.Err() == nil && t.waiting() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if ctx.Err() != nil {
		return t.result(), ctx.Err()
	}
	return t.result(), nil
}

// waiting is the number of messages whose answer, or whose delivery, has not come yet.
func (t *traffic) waiting() int {
	n := 0
	for i := range t.n {
		switch t.acked[i].Load() {
		case ackSent:
			n++
		case ackOK:
			if t.delivered[i].Load() == 0 {
				n++
			}
		}
	}
	return n
}

// sender sends the messages it is handed, one at a time: as a frame on the sender's
// WebSocket (--send ws), or as a POST on its keep-alive HTTP connection (--send http).
func (t *traffic) sender(ctx context.Context, jobs <-chan int) {
	buf := make([]byte, 0, 192+len(t.padding))
	id := make([]byte, 0, 64)
	for seq := range jobs {
		sched := t.sched(seq)
		t.lag[seq].Store(int64(time.Since(t.start)) - sched)
		t.issued.Add(1)
		conv, fromVisitor := t.route(seq)
		id = clientID(id[:0], t.prefix, seq, sched)
		if t.r.cfg.Send == SendWS {
			buf = t.sendFrame(buf[:0], seq, conv, fromVisitor, id)
		} else {
			buf = t.post(ctx, buf[:0], seq, conv, fromVisitor, id)
		}
	}
}

// appendBody appends the message body and its client_id as JSON fields.
func (t *traffic) appendBody(buf, id []byte) []byte {
	buf = append(buf, `"body":"m `...)
	buf = append(buf, id...)
	buf = append(buf, ' ')
	buf = append(buf, t.padding[:max(0, len(t.padding)-len(id)-3)]...)
	buf = append(buf, `","client_id":"`...)
	buf = append(buf, id...)
	return append(buf, `"}`...)
}

// sendFrame writes the message as a send frame on the sender's own WebSocket. Its answer
// comes back on that socket: the message event carrying its client_id (receive), or an
// error frame naming it.
func (t *traffic) sendFrame(buf []byte, seq, conv int, fromVisitor bool, id []byte) []byte {
	c := t.convs[conv]
	conn := c.conn
	if !fromVisitor {
		conn = c.op.conn
	}
	buf = append(buf, `{"type":"send","conversation_id":`...)
	buf = strconv.AppendInt(buf, c.id, 10)
	buf = append(buf, ',')
	buf = t.appendBody(buf, id)
	t.acked[seq].Store(ackSent)
	if err := conn.Write(context.Background(), websocket.MessageText, buf); err != nil {
		t.acked[seq].Store(ackFailed)
		t.r.errs.add(errorKind("send", err))
	}
	return buf
}

// post sends the message as an HTTP request and reads its answer.
func (t *traffic) post(ctx context.Context, buf []byte, seq, conv int, fromVisitor bool, id []byte) []byte {
	r := t.r
	target := &t.targets[conv]
	url, auth := target.operatorURL, target.operatorAuth
	if fromVisitor {
		url, auth = target.visitorURL, target.visitorAuth
	}
	buf = t.appendBody(append(buf, '{'), id)
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(buf))
	if err != nil {
		t.acked[seq].Store(ackFailed)
		r.errs.add("send: " + err.Error())
		return buf
	}
	req.Header = http.Header{"Authorization": {auth}, "Content-Type": {"application/json"}}
	resp, err := r.cl.api.Do(req)
	if err != nil {
		t.acked[seq].Store(ackFailed)
		r.errs.add(errorKind("send", err))
		return buf
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
		t.acked[seq].Store(ackOK)
		io.Copy(io.Discard, resp.Body)
	case http.StatusOK: // stored before: the client_id was not unique
		t.acked[seq].Store(ackOK)
		r.errs.add("send: HTTP 200 (client_id replayed)")
		io.Copy(io.Discard, resp.Body)
	default:
		t.acked[seq].Store(ackFailed)
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		r.errs.add(errorKind("send", decodeAPIError("send", resp.StatusCode, data)))
	}
	return buf
}

// receive counts one frame that reached a WebSocket of side, owned by owner.
func (t *traffic) receive(data []byte, side string, owner any) {
	arrival := int64(time.Since(t.start))
	convID, id, ok := parseDelivery(data)
	if !ok {
		t.refused(data)
		return
	}
	seq, sched, ok := parseClientID(id, t.prefix)
	if !ok || seq >= t.n {
		return
	}
	conv, fromVisitor := t.route(seq)
	c := t.convs[conv]
	switch side {
	case sideVisitor:
		if fromVisitor {
			// The visitor's own message: the answer to its send frame.
			if owner == c {
				t.acked[seq].CompareAndSwap(ackSent, ackOK)
			}
			return
		}
		if owner != c {
			t.misrouted.Add(1)
			return
		}
	case sideOperator:
		if !fromVisitor {
			// The operator's own message: the answer to its send frame.
			if owner == c.op {
				t.acked[seq].CompareAndSwap(ackSent, ackOK)
			}
			return
		}
		if owner != c.op {
			t.misrouted.Add(1)
			return
		}
	}
	if convID != c.id {
		t.misrouted.Add(1)
		return
	}
	if t.delivered[seq].Add(1) != 1 {
		return
	}
	t.latency[seq].Store(max(1, arrival-sched))
	for {
		last := t.lastSeen.Load()
		if arrival <= last || t.lastSeen.CompareAndSwap(last, arrival) {
			break
		}
	}
}

// refused counts an error frame that answers one of this traffic's send frames.
func (t *traffic) refused(data []byte) {
	id, code, ok := parseRefusal(data)
	if !ok {
		return
	}
	if seq, _, ok := parseClientID(id, t.prefix); ok && seq < t.n {
		t.acked[seq].Store(ackFailed)
		t.r.errs.add("send: " + string(code))
	}
}

// writeLatencies writes each message's latency in ms to the file at path, a line per
// message in the order they were due, 0 for one not delivered.
func (t *traffic) writeLatencies(path string) error {
	var b []byte
	for i := range t.n {
		var ms float64
		if t.delivered[i].Load() > 0 {
			ms = float64(t.latency[i].Load()) / 1e6
		}
		b = strconv.AppendFloat(b, ms, 'f', 3, 64)
		b = append(b, '\n')
	}
	return os.WriteFile(path, b, 0o644)
}

// result counts what happened to every message.
func (t *traffic) result() Messages {
	m := Messages{
		Planned:   t.n,
		Sent:      int(t.issued.Load()),
		Misrouted: int(t.misrouted.Load()),
	}
	lat := make([]int64, 0, t.n)
	lag := make([]int64, 0, t.n)
	for i := range t.n {
		ack, seen := t.acked[i].Load(), t.delivered[i].Load()
		switch ack {
		case ackOK:
			m.Acknowledged++
		case ackFailed:
			m.Failed++
		case ackSent: // neither answered nor refused within the grace
			m.Failed++
			t.r.errs.add("send: no answer")
		}
		if ack != ackNone {
			lag = append(lag, t.lag[i].Load())
		}
		if seen > 0 {
			m.Delivered++
			lat = append(lat, t.latency[i].Load())
		}
		if seen > 1 {
			m.Duplicated++
		}
		if ack == ackOK && seen == 0 {
			m.Lost++
		}
	}
	if last := t.lastSeen.Load(); last > 0 {
		m.DeliveredPerSecond = float64(m.Delivered) / (float64(last) / 1e9)
	}
	m.LatencyMs = percentiles(lat)
	m.SendLagMs = percentiles(lag)
	if f := t.r.cfg.Latencies; f != "" {
		if err := t.writeLatencies(f); err != nil {
			t.r.errs.add("latencies: " + err.Error())
		}
	}
	return m
}
