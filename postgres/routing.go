package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleychat/parley"
	fastjson "github.com/segmentio/encoding/json"
)

// recordRouting stores, within tx, the explanation of an assignment decision about
// conversation id (parley.RoutingStore), made now for kind.
func recordRouting(ctx context.Context, tx pgx.Tx, id int64, kind parley.RoutingKind, now time.Time, r *parley.Routing) error {
	r.At, r.Kind = now.UTC().Truncate(time.Microsecond), kind
	body, err := fastjson.Marshal(r) // the same bytes as encoding/json, quicker: it is on the path of every start
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO conversation_routing (conversation_id, decided_at, routing) VALUES ($1, $2, $3)`,
		id, now.UnixMicro(), string(body))
	return err
}

// ConversationRouting lists the routing decisions of a conversation, oldest first.
func (s *Store) ConversationRouting(ctx context.Context, conversationID int64) ([]*parley.Routing, error) {
	rs, err := s.conversationRouting(ctx, conversationID)
	if err != nil {
		return nil, fmt.Errorf("routing of conversation %d: %w", conversationID, err)
	}
	return rs, nil
}

func (s *Store) conversationRouting(ctx context.Context, conversationID int64) ([]*parley.Routing, error) {
	if err := conversationExists(ctx, s.pool, conversationID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT routing FROM conversation_routing WHERE conversation_id = $1 ORDER BY id`, conversationID)
	if err != nil {
		return nil, err
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	rs := make([]*parley.Routing, len(bodies))
	for i, body := range bodies {
		rs[i] = new(parley.Routing)
		if err := json.Unmarshal([]byte(body), rs[i]); err != nil {
			return nil, err
		}
	}
	names := map[int64]string{}
	nrows, err := s.pool.Query(ctx, `SELECT id, COALESCE(NULLIF(chat_name, ''), name) FROM users WHERE id = ANY($1)`,
		parley.RoutingOperators(rs))
	if err != nil {
		return nil, err
	}
	var id int64
	var name string
	if _, err := pgx.ForEachRow(nrows, []any{&id, &name}, func() error { names[id] = name; return nil }); err != nil {
		return nil, err
	}
	parley.NameRoutings(rs, names)
	return rs, nil
}
