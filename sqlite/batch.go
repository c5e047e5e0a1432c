package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/parleychat/parley"
)

// Group commit. A transaction's fixed cost (taking the write lock, writing the changed
// pages to the WAL, releasing) is most of what storing one chat message costs. Messages
// sent at the same time therefore share a transaction: one goroutine takes the messages
// waiting for the writer, stores them all in one transaction (a refused message changes
// nothing, see addMessage, so it leaves the others alone), commits, and only then
// answers each sender. Nothing waits for a batch to fill: a message that arrives while
// the writer is idle is stored at once, alone; under load, the messages that arrive
// while one batch commits form the next.

// maxBatch bounds the messages of one transaction, so that a burst cannot hold the
// write lock for long.
const maxBatch = 256

// addRequest is one AddMessage waiting for the batcher.
type addRequest struct {
	ctx  context.Context
	nm   parley.NewMessage
	done chan addResult // buffered: the batcher never waits for the sender
}

type addResult struct {
	m       *parley.Message
	created bool
	err     error
}

// batcher stores the messages sent to s.adds until s.quit is closed.
func (s *Store) batcher() {
	defer close(s.stopped)
	batch := make([]*addRequest, 0, maxBatch)
	results := make([]addResult, 0, maxBatch)
	for {
		select {
		case <-s.quit:
			return
		case r := <-s.adds:
			batch = append(batch[:0], r)
		}
		// The sender that woke the batcher handed it the processor: let the senders
		// already runnable reach the queue before taking what waits there.
		runtime.Gosched()
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-s.adds:
				batch = append(batch, r)
			default:
				break more
			}
		}
		results = s.addBatch(batch, results[:0])
		for i, r := range batch {
			r.done <- results[i]
			batch[i] = nil
		}
	}
}

// addBatch stores the batch in one transaction and returns the outcome of each request.
func (s *Store) addBatch(batch []*addRequest, results []addResult) []addResult {
	results = results[:len(batch)]
	clear(results)
	ctx := context.Background() // the batch is not any one sender's
	err := s.writeTracked(ctx, func(tx *wtx) error {
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i].err = err // the sender has gone: store nothing
				continue
			}
			m, created, err := addMessage(ctx, tx, r.nm)
			if err != nil && parley.ErrorCode(err) == parley.EINTERNAL {
				return err // the database failed: the transaction is lost
			}
			results[i] = addResult{m: m, created: created, err: err}
		}
		return nil
	})
	if err != nil { // nothing was committed
		for i := range results {
			results[i] = addResult{err: err}
		}
	}
	return results
}

// AddMessage appends a message to a conversation that has not ended. A message of an
// operator marks the conversation read up to it for that operator. It returns once the
// transaction that stored the message has committed.
func (s *Store) AddMessage(ctx context.Context, nm parley.NewMessage) (*parley.Message, bool, error) {
	r := &addRequest{ctx: ctx, nm: nm, done: make(chan addResult, 1)}
	var res addResult
	select {
	case s.adds <- r:
		select {
		case res = <-r.done:
		case <-ctx.Done():
			res.err = ctx.Err() // the message may still be stored: a resend with its client_id is safe
		case <-s.stopped:
			select {
			case res = <-r.done:
			default:
				res.err = errStoreClosed
			}
		}
	case <-ctx.Done():
		res.err = ctx.Err()
	case <-s.quit:
		res.err = errStoreClosed
	}
	if res.err != nil {
		return nil, false, fmt.Errorf("add message to conversation %d: %w", nm.ConversationID, res.err)
	}
	return res.m, res.created, nil
}

var errStoreClosed = errors.New("store is closed")
