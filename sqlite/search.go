package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/parleychat/parley"
)

// SearchConversations finds conversations by the words of their messages (the FTS5
// table message_search, migration 21) and by what is known of them. A search's SQL
// depends on its criteria, so it runs on the reader pool unprepared rather than filling
// the statement cache with every combination.
func (s *Store) SearchConversations(ctx context.Context, q parley.SearchQuery) ([]*parley.SearchResult, error) {
	where, args := searchFilters(q)
	limit := q.Limit
	if limit <= 0 {
		limit = parley.MaxSearchLimit
	}
	var query string
	if len(q.Words) == 0 {
		query = `SELECT ` + conversationColumns + conversationJoins + `
			WHERE ` + where + ` ORDER BY c.id DESC LIMIT ?`
		args = append(args, limit)
	} else {
		// found: per conversation, its newest message with every word. Its rowid
		// (conversation_id << 32 | seq) also bounds the page before the join.
		match := []any{ftsQuery(q.Words)}
		bound := ""
		if q.Before > 0 {
			bound = ` AND rowid < ?`
			match = append(match, q.Before<<32)
		}
		query = `WITH found AS (
				SELECT rowid >> 32 AS conversation_id, MAX(rowid & 4294967295) AS seq
				FROM message_search WHERE message_search MATCH ?` + bound + `
				GROUP BY rowid >> 32
			)
			SELECT ` + conversationColumns + `,
				m.seq, m.author_kind, m.author_id, m.author_name, m.body, m.created_at
			FROM found
			JOIN conversations c ON c.id = found.conversation_id
			JOIN visitors v ON v.id = c.visitor_id
			LEFT JOIN users u ON u.id = c.operator_id
			JOIN messages m ON m.conversation_id = found.conversation_id AND m.seq = found.seq
			WHERE ` + where + ` ORDER BY c.id DESC LIMIT ?`
		args = append(append(match, args...), limit)
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search conversations: %w", err)
	}
	defer rows.Close()
	out := []*parley.SearchResult{}
	for rows.Next() {
		var r parley.SearchResult
		var err error
		if len(q.Words) == 0 {
			r.Conversation, err = scanConversation(rows)
		} else {
			var m parley.Message
			var authorID, created sql.NullInt64
			r.Conversation, err = scanConversation(rows, &m.Seq, &m.Author.Kind, &authorID, &m.Author.Name, &m.Body, &created)
			m.ConversationID, m.Author.ID, m.CreatedAt = r.Conversation.ID, authorID.Int64, goTime(created)
			r.Message = &m
		}
		if err != nil {
			return nil, fmt.Errorf("search conversations: %w", err)
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search conversations: %w", err)
	}
	return out, nil
}

// indexMessage adds a message just stored to the search index, in the same transaction.
// The store does it rather than a trigger on messages: FTS5 writes its pending terms out
// at each statement of a trigger (a segment per message), which made storing a message
// three times dearer (BenchmarkAddMessageConcurrent), where one statement more costs a
// few microseconds. Deletes and changes, which anything may make, are followed by
// triggers (migration 21). System notices are not indexed.
func indexMessage(ctx context.Context, tx *wtx, m *parley.Message) error {
	if m.Author.Kind == parley.AuthorSystem {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO message_search (rowid, body) VALUES (?, ?)`, m.ConversationID<<32+m.Seq, m.Body)
	return err
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
