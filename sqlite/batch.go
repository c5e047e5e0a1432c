package sqlite

import (
	"context"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

// Group commit (internal/groupcommit): the messages waiting share one transaction of the
// writer. A refused message changes nothing (see addMessage), so it leaves the others of
// its batch alone.

// maxBatch bounds the messages of one transaction, so that a burst cannot hold the
// write lock for long.
const maxBatch = 256

// addBatch stores the batch in one transaction and sets the outcome of each request.
func (s *Store) addBatch(batch []*groupcommit.Request, results []groupcommit.Result) {
	ctx := context.Background() // the batch is not any one sender's
	err := s.writeTracked(ctx, func(tx *wtx) error {
		hooks, err := s.messageHooks(ctx) // false, and known, while no webhook wants messages
		if err != nil {
			return err
		}
		for i, r := range batch {
			if err := r.Ctx.Err(); err != nil {
				results[i].Err = err // the sender has gone: store nothing
				continue
			}
			m, created, err := addMessage(ctx, tx, r.Message)
			if err != nil && parley.ErrorCode(err) == parley.EINTERNAL {
				return err // the database failed: the transaction is lost
			}
			results[i] = groupcommit.Result{Message: m, Created: created, Err: err}
			if hooks && created {
				if err := enqueueWebhook(ctx, tx, parley.WebhookMessage, parley.MessageEvent(m), m.CreatedAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil { // nothing was committed
		for i := range results {
			results[i] = groupcommit.Result{Err: err}
		}
	}
}

// AddMessage appends a message to a conversation that has not ended. A message of an
// operator marks the conversation read up to it for that operator. It returns once the
// transaction that stored the message has committed.
func (s *Store) AddMessage(ctx context.Context, nm parley.NewMessage) (*parley.Message, bool, error) {
	return s.queue.Add(ctx, nm)
}
