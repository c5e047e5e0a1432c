package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

// SearchConversations finds conversations by the words of their messages (the FTS5
// table message_search, migration 21) and by what is known of them. A search's SQL
// depends on its criteria, so it runs on the reader pool unprepared rather than filling
// the statement cache with every combination.
func (s *Store) SearchConversations(ctx context.Context, q parley.SearchQuery) ([]*parley.SearchResult, error) {
	if err := s.flushSearch(ctx); err != nil {
		return nil, err
	}
	where, args := searchFilters(q)
	limit := q.Limit
	if limit <= 0 {
		limit = parley.MaxSearchLimit
	}
	if len(q.Words) == 0 {
		out, err := s.searchRows(ctx, false, `SELECT `+conversationColumns+conversationJoins+`
			WHERE `+where+` ORDER BY c.id DESC LIMIT ?`, append(args, limit)...)
		if err != nil {
			return nil, fmt.Errorf("search conversations: %w", err)
		}
		return out, nil
	}

	// FTS5 lists the messages with the words newest conversation first (rowid
	// descending: conversation_id << 32 | seq), a chunk at a time; the conversations of
	// each chunk, with their newest such message, go through the filters, until a page
	// is full or no message is left. A word in every conversation is then found in the
	// newest few, instead of grouping every message that holds it first.
	match := ftsQuery(q.Words)
	bound := int64(math.MaxInt64)
	if q.Before > 0 {
		bound = q.Before << 32
	}
	query := `WITH found (conversation_id, seq) AS (SELECT value ->> 0, value ->> 1 FROM json_each(?))
		SELECT ` + conversationColumns + `,
			m.seq, m.author_kind, m.author_id, m.author_name, m.body, m.created_at
		FROM found
		JOIN conversations c ON c.id = found.conversation_id
		JOIN visitors v ON v.id = c.visitor_id
		LEFT JOIN users u ON u.id = c.operator_id
		JOIN messages m ON m.conversation_id = found.conversation_id AND m.seq = found.seq
		WHERE ` + where + ` ORDER BY c.id DESC LIMIT ?`
	out := []*parley.SearchResult{}
	for chunk := 256; len(out) < limit && bound > 0; chunk = min(2*chunk, 8192) {
		found, next, err := s.searchChunk(ctx, match, bound, chunk)
		if err != nil {
			return nil, fmt.Errorf("search conversations: %w", err)
		}
		if len(found) == 0 {
			break
		}
		page, err := s.searchRows(ctx, true, query, append(append([]any{found}, args...), limit-len(out))...)
		if err != nil {
			return nil, fmt.Errorf("search conversations: %w", err)
		}
		out = append(out, page...)
		bound = next
	}
	return out, nil
}

// searchChunk reads at most n messages that match, newest conversation first, below the
// rowid bound. It returns their conversations, each once with its newest such message,
// as the JSON array [[conversation_id, seq], …], and the bound of the next chunk: 0 when
// no message is left. A conversation cut by the chunk's end is skipped by the next.
func (s *Store) searchChunk(ctx context.Context, match string, bound int64, n int) (string, int64, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT rowid FROM message_search
		WHERE message_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`, match, bound, n)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var b strings.Builder
	last, count := int64(-1), 0
	for rows.Next() {
		var rowid int64
		if err := rows.Scan(&rowid); err != nil {
			return "", 0, err
		}
		count++
		if id := rowid >> 32; id != last {
			if last >= 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%d,%d]", id, rowid&(1<<32-1))
			last = id
		}
	}
	if err := rows.Err(); err != nil {
		return "", 0, err
	}
	if last < 0 {
		return "", 0, nil
	}
	next := int64(0)
	if count == n {
		next = last << 32
	}
	return "[" + b.String() + "]", next, nil
}

// searchRows runs a search's query; withMessage tells that each row ends with the
// columns of the message found.
func (s *Store) searchRows(ctx context.Context, withMessage bool, query string, args ...any) ([]*parley.SearchResult, error) {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*parley.SearchResult{}
	for rows.Next() {
		var r parley.SearchResult
		var err error
		if !withMessage {
			r.Conversation, err = scanConversation(rows)
		} else {
			var m parley.Message
			var authorID, created sql.NullInt64
			r.Conversation, err = scanConversation(rows, &m.Seq, &m.Author.Kind, &authorID, &m.Author.Name, &m.Body, &created)
			if err == nil {
				m.ConversationID, m.Author.ID, m.CreatedAt = r.Conversation.ID, authorID.Int64, goTime(created)
				r.Message = &m
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// indexMessage puts a message just stored on the search index's pending list, in the same
// transaction; flushSearch indexes it. FTS5 writes a segment of the index at each commit
// (and merges them as they pile up): indexing in the message's own transaction made a
// message a fifth dearer under load (BenchmarkAddMessageConcurrent, scripts/compare.sh),
// where a plain insert costs a few microseconds. System notices are not indexed.
func indexMessage(ctx context.Context, tx *wtx, m *parley.Message) error {
	if m.Author.Kind == parley.AuthorSystem {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO message_search_pending (rowid) VALUES (?)`, m.ConversationID<<32+m.Seq)
	return err
}

// searchFlushEvery is how often the store indexes the messages stored meanwhile, and
// searchFlushChunk the most it indexes in one transaction: the writer is held for a few
// milliseconds at a time at most, between the message batches.
var (
	searchFlushEvery = 100 * time.Millisecond
	searchFlushChunk = 500
)

// flushSearch indexes the pending messages, a chunk per transaction: one segment for
// each chunk. A search flushes first, so that it finds every message stored before it.
func (s *Store) flushSearch(ctx context.Context) error {
	for {
		// Most of the time nothing waits: a look on the reader costs less than the writer.
		var pending bool
		if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM message_search_pending)`).Scan(&pending); err != nil || !pending {
			return err
		}
		// Tracked: the index is nothing the assignment snapshot or the live
		// conversations mirror.
		err := s.writeTracked(ctx, func(tx *wtx) error {
			const chunk = `SELECT rowid FROM message_search_pending ORDER BY rowid LIMIT ?`
			if _, err := tx.ExecContext(ctx, `INSERT INTO message_search (rowid, body)
				SELECT m.conversation_id << 32 | m.seq, m.body FROM (`+chunk+`) p
				JOIN messages m ON m.conversation_id = p.rowid >> 32 AND m.seq = p.rowid & 4294967295`, searchFlushChunk); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM message_search_pending WHERE rowid IN (`+chunk+`)`, searchFlushChunk)
			return err
		})
		if err != nil {
			return fmt.Errorf("index messages for search: %w", err)
		}
	}
}

// searchIndexer flushes the search index's pending messages every searchFlushEvery until
// s.quit is closed.
func (s *Store) searchIndexer() {
	defer close(s.indexed)
	t := time.NewTicker(searchFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			// A failure leaves the messages pending: the next tick, or search, tries again.
			_ = s.flushSearch(context.Background())
		}
	}
}

// ftsQuery is an FTS5 query for conversations with every word, each as a prefix: each
// is quoted as an FTS5 string (any quote in it doubled), so that no text the operator
// types is read as FTS5's syntax.
func ftsQuery(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(`"` + strings.ReplaceAll(w, `"`, `""`) + `"*`)
	}
	return b.String()
}

// searchFilters is the WHERE clause of q's criteria but its words, with its arguments.
func searchFilters(q parley.SearchQuery) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if q.Visitor != "" {
		add(`v.name LIKE ? ESCAPE '\'`, "%"+likeEscape(q.Visitor)+"%")
	}
	if q.OperatorID != 0 {
		add(`c.operator_id = ?`, q.OperatorID)
	}
	if q.ChannelID != 0 {
		add(`c.channel_id = ?`, q.ChannelID)
	}
	if q.Rating != 0 {
		add(`c.rating_score = ?`, q.Rating)
	}
	if !q.From.IsZero() {
		add(`c.created_at >= ?`, q.From.UnixMicro())
	}
	if !q.To.IsZero() {
		add(`c.created_at < ?`, q.To.UnixMicro())
	}
	if q.Before > 0 {
		add(`c.id < ?`, q.Before)
	}
	if q.ReaderID != 0 {
		add(`(c.operator_id = ? OR c.channel_id IN (SELECT cm.channel_id FROM channel_members cm WHERE cm.user_id = ?))`, q.ReaderID, q.ReaderID)
	}
	return strings.Join(conds, " AND "), args
}

// likeEscape makes s match itself only in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
