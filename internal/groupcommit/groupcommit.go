// Package groupcommit is the group commit both stores use: the messages sent at the same
// moment are handed to a batcher, which stores them in one transaction and only then
// answers each sender. Nothing waits for a batch to fill: a message that arrives while a
// batcher is idle is stored at once, alone; under load, the messages that arrive while
// one batch commits form the next.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/parleychat/parley"
)

// Request is one message waiting for a batcher.
type Request struct {
	Ctx     context.Context // the sender's: a batcher stores nothing for a sender gone
	Message parley.NewMessage
	done    chan Result // buffered: the batcher never waits for the sender
}

// Result is what became of a Request.
type Result struct {
	Message *parley.Message
	Created bool
	Err     error
}

// StoreFunc stores a batch in one transaction (or says why not, in each result) and
// sets results[i] to the outcome of batch[i]; results has the batch's length.
type StoreFunc func(batch []*Request, results []Result)

// ErrClosed answers the messages sent after Close.
var ErrClosed = errors.New("store is closed")

// Queue hands messages to its batchers. Make it with Start.
type Queue struct {
	adds     chan *Request
	quit     chan struct{} // closed by Close: the batchers stop
	stopped  chan struct{} // closed once they have
	batchers sync.WaitGroup
	once     sync.Once
}

// Start runs n batchers, each storing up to max messages at a time with store.
func Start(n, max int, store StoreFunc) *Queue {
	q := &Queue{adds: make(chan *Request, max), quit: make(chan struct{}), stopped: make(chan struct{})}
	for range n {
		q.batchers.Add(1)
		go q.batcher(max, store)
	}
	return q
}

func (q *Queue) batcher(max int, store StoreFunc) {
	defer q.batchers.Done()
	batch := make([]*Request, 0, max)
	results := make([]Result, max)
	for {
		select {
		case <-q.quit:
			return
		case r := <-q.adds:
			batch = append(batch[:0], r)
		}
		// The sender that woke the batcher handed it the processor: let the senders
		// already runnable reach the queue before taking what waits there.
		runtime.Gosched()
	more:
		for len(batch) < max {
			select {
			case r := <-q.adds:
				batch = append(batch, r)
			default:
				break more
			}
		}
		res := results[:len(batch)]
		clear(res)
		store(batch, res)
		for i, r := range batch {
			r.done <- res[i]
			batch[i] = nil
		}
	}
}

// Add stores nm with the next batch and returns once the transaction that stored it
// has committed.
func (q *Queue) Add(ctx context.Context, nm parley.NewMessage) (*parley.Message, bool, error) {
	r := &Request{Ctx: ctx, Message: nm, done: make(chan Result, 1)}
	var res Result
	select {
	case q.adds <- r:
		select {
		case res = <-r.done:
		case <-ctx.Done():
			res.Err = ctx.Err() // the message may still be stored: a resend with its client_id is safe
		case <-q.stopped:
			select {
			case res = <-r.done:
			default:
				res.Err = ErrClosed
			}
		}
	case <-ctx.Done():
		res.Err = ctx.Err()
	case <-q.quit:
		res.Err = ErrClosed
	}
	if res.Err != nil {
		return nil, false, fmt.Errorf("add message to conversation %d: %w", nm.ConversationID, res.Err)
	}
	return res.Message, res.Created, nil
}

// Close stops the batchers once the batches they are storing have committed.
func (q *Queue) Close() {
	q.once.Do(func() {
		close(q.quit)
		q.batchers.Wait()
		close(q.stopped)
	})
}
