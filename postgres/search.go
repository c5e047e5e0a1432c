package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/parleychat/parley"
)

// searchVector is the expression of the GIN index messages_search (migration 11): the
// 'simple' configuration (lowercase, no stemming: visitors write in many languages and
// a stemmer is right for one only) over the body without its accents (parley_fold). A
// query must spell it exactly so, and repeat the index's condition, for the index to
// answer it.
const searchVector = `to_tsvector('simple'::regconfig, parley_fold(m.body))`

// SearchConversations finds conversations by the words of their messages and by what is
// known of them.
func (s *Store) SearchConversations(ctx context.Context, q parley.SearchQuery) ([]*parley.SearchResult, error) {
	query, args := searchSQL(q)
	rows, err := s.pool.Query(ctx, query, args...)
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
			var authorID, created *int64
			r.Conversation, err = scanConversation(rows, &m.Seq, &m.Author.Kind, &authorID, &m.Author.Name, &m.Body, &created)
			if err == nil {
				m.ConversationID, m.CreatedAt = r.Conversation.ID, goTime(created)
				if authorID != nil {
					m.Author.ID = *authorID
				}
				r.Message = &m
			}
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

// searchSQL is the statement of a search, with its arguments.
func searchSQL(q parley.SearchQuery) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = parley.MaxSearchLimit
	}
	if len(q.Words) == 0 {
		where := searchFilters(q, arg)
		return `SELECT ` + conversationColumns + conversationJoins + `
			WHERE ` + where + ` ORDER BY c.id DESC LIMIT ` + arg(limit), args
	}
	// found: per conversation, its newest message with every word.
	match := arg(tsQuery(q.Words))
	bound := ""
	if q.Before > 0 {
		bound = ` AND m.conversation_id < ` + arg(q.Before)
	}
	found := `SELECT m.conversation_id, MAX(m.seq) AS seq FROM messages m
		WHERE m.author_kind <> 'system' AND ` + searchVector + ` @@ to_tsquery('simple'::regconfig, parley_fold(` + match + `))` + bound + `
		GROUP BY m.conversation_id`
	where := searchFilters(q, arg)
	return `WITH found AS (` + found + `)
		SELECT ` + conversationColumns + `,
			m.seq, m.author_kind, m.author_id, m.author_name, m.body, m.created_at
		FROM found
		JOIN conversations c ON c.id = found.conversation_id
		JOIN visitors v ON v.id = c.visitor_id
		LEFT JOIN users u ON u.id = c.operator_id
		JOIN messages m ON m.conversation_id = found.conversation_id AND m.seq = found.seq
		WHERE ` + where + ` ORDER BY c.id DESC LIMIT ` + arg(limit), args
}

// tsQuery is a tsquery for messages with every word, each as a prefix: each is quoted as
// a tsquery lexeme (any quote or backslash in it escaped), so that no text the operator
// types is read as tsquery's syntax. parley_fold takes the accents off it in the query,
// as the index does from the bodies.
func tsQuery(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(`'` + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(w) + `':*`)
	}
	return b.String()
}

// searchFilters is the WHERE clause of q's criteria but its words; arg adds an argument
// and names its placeholder.
func searchFilters(q parley.SearchQuery, arg func(any) string) string {
	conds := []string{"true"}
	if q.Visitor != "" {
		conds = append(conds, `v.name ILIKE `+arg("%"+likeEscape(q.Visitor)+"%")+` ESCAPE '\'`)
	}
	if q.OperatorID != 0 {
		conds = append(conds, `c.operator_id = `+arg(q.OperatorID))
	}
	if q.ChannelID != 0 {
		conds = append(conds, `c.channel_id = `+arg(q.ChannelID))
	}
	if q.Rating != 0 {
		conds = append(conds, `c.rating_score = `+arg(q.Rating))
	}
	if !q.From.IsZero() {
		conds = append(conds, `c.created_at >= `+arg(q.From.UnixMicro()))
	}
	if !q.To.IsZero() {
		conds = append(conds, `c.created_at < `+arg(q.To.UnixMicro()))
	}
	if q.Before > 0 {
		conds = append(conds, `c.id < `+arg(q.Before))
	}
	if q.ReaderID != 0 {
		r := arg(q.ReaderID)
		conds = append(conds, `(c.operator_id = `+r+` OR c.channel_id IN (SELECT cm.channel_id FROM channel_members cm WHERE cm.user_id = `+r+`))`)
	}
	return strings.Join(conds, " AND ")
}

// likeEscape makes s match itself only in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
