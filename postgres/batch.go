package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

// Group commit (internal/groupcommit). A transaction's fixed cost (its round trips, the
// WAL flush of its commit) is most of what storing one chat message costs, so messages
// sent at the same time share a transaction, one batch at a time per server.
//
// A batch runs in a fixed number of statements, in two round trips, whatever its size:
// it locks its conversations' rows (in id order, so that two batches never wait for
// each other in a cycle), reads which keys were already used and which authors exist,
// decides each message in Go, then inserts the new messages and moves their
// conversations' last seq in one statement each. A refused message (unknown or ended
// conversation, unknown author, a resend) is decided in Go and sends no statement, so
// it cannot abort the transaction of the others. Should the batch fail anyway (a value
// PostgreSQL refuses, a deadlock with another transaction), each of its messages is
// stored again alone, so that one bad message fails only itself.

const (
	// maxBatch bounds the messages of one transaction, so that a burst cannot hold
	// many rows' locks for long.
	maxBatch = 256
	// batchers is the number of batches a server stores at once. A second one overlaps
	// round trips, and holds more messages a second on one server
	// (BenchmarkAddMessageParallel), but it splits the same messages into more, smaller
	// transactions that wait for each other's row locks: on several servers their
	// latency and the servers' CPU were higher at both rates measured (docs/PERFORMANCE.md).
	batchers = 1
	// batchTimeout bounds the time a batch may take, retries included.
	batchTimeout = 30 * time.Second
)

// The batch's statements that read or update rows by key among many are written so that
// their plan is an index lookup per key whatever the table's statistics say. pgx prepares
// them, and PostgreSQL may keep a generic plan made while the tables were nearly empty (a
// new installation, before autovacuum's first ANALYZE): a join would then scan the whole
// table for every batch, growing with it. OFFSET 0 keeps the subquery from being turned
// into such a join; `= ANY` keeps the update on the primary key
// (TestBatchStatementsUseIndexes).
const (
	// sqlLockConversations locks the conversations $1 (sorted) and reads what deciding
	// their messages needs.
	sqlLockConversations = `SELECT id, status, last_seq FROM conversations WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
	// sqlAuthors finds which of the users $1 exist, deleted or not, as the messages'
	// foreign key accepts.
	sqlAuthors = `SELECT id FROM users WHERE id = ANY($1)`
	// sqlStoredKeys finds the messages already stored with the keys ($1 conversation,
	// $2 author kind, $3 client_id: arrays of one length).
	sqlStoredKeys = `SELECT m.* FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k (conversation_id, author_kind, client_id)
		CROSS JOIN LATERAL (SELECT ` + messageColumns + ` FROM messages
			WHERE conversation_id = k.conversation_id AND author_kind = k.author_kind AND client_id = k.client_id
			OFFSET 0) m`
	// sqlMoveLastSeq sets the last seq ($2) and time ($3) of the conversations $1.
	sqlMoveLastSeq = `UPDATE conversations
		SET last_seq = ($2::bigint[])[array_position($1::bigint[], id)],
		    last_message_at = ($3::bigint[])[array_position($1::bigint[], id)]
		WHERE id = ANY($1::bigint[])`
)

// warmBatchConn readies a new batch connection before its first batch: it runs the
// batch's statements once, on no message, in a transaction it rolls back. A new backend
// opens the tables and indexes, and plans each statement, at its first execution: the
// first batch after a start waited for all of it (about 20 ms), and so did the messages
// queued behind it.
func warmBatchConn(ctx context.Context, conn *pgx.Conn) error {
	var b pgx.Batch
	b.Queue(`BEGIN`)
	b.Queue(sqlLockConversations, []int64{})
	b.Queue(sqlStoredKeys, []int64{}, []string{}, []string{})
	b.Queue(sqlAuthors, []int64{})
	b.Queue(sqlMessageHooks)
	queueInserts(&b, insertions{}, nil, nil)
	b.Queue(`ROLLBACK`)
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("ready a batch connection: %w", err)
	}
	return nil
}

// addBatch stores the batch and sets the outcome of each request, in order.
func (s *Store) addBatch(batch []*groupcommit.Request, results []groupcommit.Result) {
	// The batch is not any one sender's, but a database that stops answering must not
	// hold the batcher for ever.
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	err := s.storeMessages(ctx, batch, results)
	var refused *pgconn.PgError
	if err == nil {
		return
	} else if len(batch) == 1 || !errors.As(err, &refused) {
		// Storing them one by one would fail the same way (the connection broke, the
		// database is down): each sender may resend, with its client_id.
		for i := range results {
			results[i] = groupcommit.Result{Err: storeError(err)}
		}
		return
	}
	// PostgreSQL refused something in the batch: a message's value, or the
	// transaction itself (a deadlock). Each message alone fails or succeeds on its own.
	for i := range batch {
		if err := s.storeMessages(ctx, batch[i:i+1], results[i:i+1]); err != nil {
			results[i] = groupcommit.Result{Err: storeError(err)}
		}
	}
}

// storeMessages stores the messages of batch in one transaction and sets their results;
// an error means none was stored (unless the connection broke while the commit was under
// way: a sender that resends with its client_id gets the stored message back), and the
// results are then to be ignored.
func (s *Store) storeMessages(ctx context.Context, batch []*groupcommit.Request, results []groupcommit.Result) error {
	c, err := s.batchPool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	if err := addMessages(ctx, c.Conn(), batch, results, &s.hooks); err != nil {
		// The transaction is open, aborted or already ended: end it, or drop the
		// connection if even that fails.
		if _, rerr := c.Exec(ctx, `ROLLBACK`); rerr != nil {
			c.Conn().Close(ctx)
		}
		return err
	}
	return nil
}

// liveConv is what deciding a message needs of its conversation, read under its lock.
type liveConv struct {
	status  parley.ConversationStatus
	lastSeq int64
	lastAt  int64 // the created_at of the last message stored by this batch
	changed bool
}

// sentKey is a message as a resend names it.
type sentKey struct {
	conversationID int64
	kind           parley.AuthorKind
	clientID       string
}

// addMessages decides and stores the messages of batch in one transaction on conn, in
// two round trips: BEGIN goes with the reads, COMMIT with the writes. It sets the
// result of each message; an error leaves the transaction for the caller to roll back.
// While some enabled webhook wants messages (hooks), the writes also put each message
// in the webhooks' outbox; while that is unknown, the reads find out.
func addMessages(ctx context.Context, conn *pgx.Conn, batch []*groupcommit.Request, results []groupcommit.Result, hooks *parley.WebhookFlag) error {
	n := len(batch)
	convIDs, authorIDs, fileIDs := make([]int64, 0, n), make([]int64, 0, n), []int64(nil)
	keyConvs, keyKinds, keyIDs := make([]int64, 0, n), make([]string, 0, n), make([]string, 0, n)
	for _, r := range batch {
		nm := r.Message
		convIDs = append(convIDs, nm.ConversationID)
		if nm.Author.ID != 0 {
			authorIDs = append(authorIDs, nm.Author.ID)
		}
		if nm.FileID != 0 {
			fileIDs = append(fileIDs, nm.FileID)
		}
		if nm.ClientID != "" {
			keyConvs = append(keyConvs, nm.ConversationID)
			keyKinds = append(keyKinds, string(nm.Author.Kind))
			keyIDs = append(keyIDs, nm.ClientID)
		}
	}
	slices.Sort(convIDs)
	convIDs = slices.Compact(convIDs)

	// One round trip: the statements run in order, so the reads after the lock see
	// what the transactions that held the rows before committed.
	var b pgx.Batch
	b.Queue(`BEGIN`)
	convs := map[int64]*liveConv{}
	b.Queue(sqlLockConversations, convIDs).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				var c liveConv
				if err := rows.Scan(&id, &c.status, &c.lastSeq); err != nil {
					return err
				}
				convs[id] = &c
			}
			return rows.Err()
		})
	stored := map[sentKey]*parley.Message{}
	if len(keyIDs) > 0 {
		b.Queue(sqlStoredKeys, keyConvs, keyKinds, keyIDs).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					m, err := scanMessage(rows)
					if err != nil {
						return err
					}
					stored[sentKey{m.ConversationID, m.Author.Kind, m.ClientID}] = m
				}
				return rows.Err()
			})
	}
	authors := map[int64]bool{}
	if len(authorIDs) > 0 {
		b.Queue(sqlAuthors, authorIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				authors[id] = true
			}
			return rows.Err()
		})
	}
	files := map[int64]*messageFile{}
	if len(fileIDs) > 0 {
		b.Queue(`SELECT id, conversation_id, name, content_type, size FROM files WHERE id = ANY($1)`, fileIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var f messageFile
				if err := rows.Scan(&f.ID, &f.conversationID, &f.Name, &f.ContentType, &f.Size); err != nil {
					return err
				}
				files[f.ID] = &f
			}
			return rows.Err()
		})
	}
	someHooks, known, gen := hooks.Get()
	var found *bool // allocated only when the flag is unknown
	if !known {
		found = new(bool)
		b.Queue(sqlMessageHooks).QueryRow(func(row pgx.Row) error { return row.Scan(found) })
	}
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		return err
	}
	if !known {
		someHooks = *found
		hooks.Set(gen, someHooks)
	}

	ins := newInsertions(n)
	var hookPayloads []string
	var hookTimes []int64
	for i, r := range batch {
		m, created, err := decideMessage(r, convs, stored, authors, files)
		results[i] = groupcommit.Result{Message: m, Created: created, Err: err}
		if !created {
			continue
		}
		var authorID *int64
		if m.Author.ID != 0 {
			authorID = &m.Author.ID
		}
		ins.conv = append(ins.conv, m.ConversationID)
		ins.seq = append(ins.seq, m.Seq)
		ins.created = append(ins.created, m.CreatedAt.UnixMicro())
		ins.authorID = append(ins.authorID, authorID)
		ins.kind = append(ins.kind, string(m.Author.Kind))
		ins.name = append(ins.name, m.Author.Name)
		ins.body = append(ins.body, m.Body)
		ins.clientID = append(ins.clientID, nullString(m.ClientID))
		var fileID *int64
		if m.Attachment != nil {
			fileID = &m.Attachment.ID
		}
		ins.fileID = append(ins.fileID, fileID)
		if someHooks {
			hookPayloads = append(hookPayloads, string(parley.MessageEvent(m)))
			hookTimes = append(hookTimes, m.CreatedAt.UnixMicro())
		}
	}
	b = pgx.Batch{}
	if len(ins.conv) > 0 {
		queueInserts(&b, ins, convIDs, convs)
	}
	if len(hookPayloads) > 0 {
		b.Queue(sqlEnqueueMessages, hookPayloads, hookTimes)
	}
	b.Queue(`COMMIT`)
	return conn.SendBatch(ctx, &b).Close()
}

// queueInserts queues the statements that store the messages ins and move their
// conversations' last seq and time.
func queueInserts(b *pgx.Batch, ins insertions, convIDs []int64, convs map[int64]*liveConv) {
	var upd struct{ id, seq, at []int64 }
	for _, id := range convIDs {
		if c := convs[id]; c != nil && c.changed {
			upd.id, upd.seq, upd.at = append(upd.id, id), append(upd.seq, c.lastSeq), append(upd.at, c.lastAt)
		}
	}
	b.Queue(`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::bigint[])`,
		ins.conv, ins.seq, ins.kind, ins.authorID, ins.name, ins.body, ins.created, ins.clientID, ins.fileID)
	b.Queue(sqlMoveLastSeq, upd.id, upd.seq, upd.at)
}

// storeError is the error of a message stored alone: a value PostgreSQL refuses to
// store is the sender's mistake.
func storeError(err error) error {
	var e *pgconn.PgError
	if errors.As(err, &e) && (e.Code == "22021" || e.Code == "22P05") { // invalid byte sequence, untranslatable character
		return parley.Errorf(parley.EINVALID, "The message holds characters that cannot be stored.")
	}
	return err
}

// insertions are the columns of the messages a batch stores.
type insertions struct {
	conv, seq, created []int64
	authorID, fileID   []*int64
	kind, name, body   []string
	clientID           []*string
}

func newInsertions(n int) insertions {
	return insertions{
		conv: make([]int64, 0, n), seq: make([]int64, 0, n), created: make([]int64, 0, n),
		authorID: make([]*int64, 0, n), fileID: make([]*int64, 0, n),
		kind: make([]string, 0, n), name: make([]string, 0, n), body: make([]string, 0, n),
		clientID: make([]*string, 0, n),
	}
}

// messageFile is a file as a batch read it for the messages that carry it.
type messageFile struct {
	parley.Attachment
	conversationID int64
}

// decideMessage decides the message of r against what its batch read and stored so far:
// the message to store (created true), the one stored already with its key, or the
// refusal. A message to store updates convs and stored.
func decideMessage(r *groupcommit.Request, convs map[int64]*liveConv, stored map[sentKey]*parley.Message, authors map[int64]bool, files map[int64]*messageFile) (*parley.Message, bool, error) {
	nm := r.Message
	if err := r.Ctx.Err(); err != nil {
		return nil, false, err // the sender has gone: store nothing
	}
	switch nm.Author.Kind {
	case parley.AuthorVisitor, parley.AuthorOperator, parley.AuthorSystem:
	default:
		return nil, false, parley.Errorf(parley.EINVALID, "Unknown message author %q.", nm.Author.Kind)
	}
	c := convs[nm.ConversationID]
	if c == nil {
		return nil, false, errConversationNotFound(nm.ConversationID)
	}
	key := sentKey{nm.ConversationID, nm.Author.Kind, nm.ClientID}
	if nm.ClientID != "" {
		if m := stored[key]; m != nil {
			return m, false, nil // a resend is answered with the stored message, even after the end
		}
	}
	if c.status == parley.StatusEnded {
		return nil, false, parley.Errorf(parley.ECONFLICT, "Conversation %d has ended.", nm.ConversationID)
	}
	if nm.Author.ID != 0 && !authors[nm.Author.ID] {
		return nil, false, errUserNotFound(nm.Author.ID)
	}
	var attachment *parley.Attachment
	if nm.FileID != 0 {
		f := files[nm.FileID]
		if f == nil || f.conversationID != nm.ConversationID {
			return nil, false, parley.Errorf(parley.EINVALID, "File %d is not a file of conversation %d.", nm.FileID, nm.ConversationID)
		}
		a := f.Attachment
		attachment = &a
	}
	m := &parley.Message{
		ConversationID: nm.ConversationID,
		Seq:            c.lastSeq + 1,
		Author:         nm.Author,
		Body:           nm.Body,
		ClientID:       nm.ClientID,
		CreatedAt:      orNow(nm.Now).UTC().Truncate(time.Microsecond),
		Attachment:     attachment,
	}
	c.lastSeq, c.lastAt, c.changed = m.Seq, m.CreatedAt.UnixMicro(), true
	if nm.ClientID != "" {
		stored[key] = m
	}
	return m, true, nil
}

// AddMessage appends a message to a conversation that has not ended. It returns once
// the transaction that stored the message has committed.
func (s *Store) AddMessage(ctx context.Context, nm parley.NewMessage) (*parley.Message, bool, error) {
	return s.queue.Add(ctx, nm)
}
