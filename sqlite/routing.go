package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleychat/parley"
	fastjson "github.com/segmentio/encoding/json"
)

// recordRouting stores, within tx, the explanation of an assignment decision about
// conversation id (parley.RoutingStore), made now for kind.
func recordRouting(ctx context.Context, tx *wtx, id int64, kind parley.RoutingKind, now time.Time, r *parley.Routing) error {
	r.At, r.Kind = now.UTC().Truncate(time.Microsecond), kind
	body, err := fastjson.Marshal(r) // the same bytes as encoding/json, quicker: it is on the path of every start
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO conversation_routing (conversation_id, decided_at, routing) VALUES (?, ?, ?)`,
		id, now.UnixMicro(), string(body))
	return err
}

// ConversationRouting lists the routing decisions of a conversation, oldest first.
func (s *Store) ConversationRouting(ctx context.Context, conversationID int64) ([]*parley.Routing, error) {
	if err := conversationExists(ctx, s.read, conversationID); err != nil {
		return nil, fmt.Errorf("routing of conversation %d: %w", conversationID, err)
	}
	rs, err := readRouting(ctx, s.read, conversationID)
	if err != nil {
		return nil, fmt.Errorf("routing of conversation %d: %w", conversationID, err)
	}
	return rs, nil
}

func readRouting(ctx context.Context, q querier, conversationID int64) ([]*parley.Routing, error) {
	rows, err := q.QueryContext(ctx, `SELECT routing FROM conversation_routing WHERE conversation_id = ? ORDER BY id`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rs := []*parley.Routing{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		r := new(parley.Routing)
		if err := json.Unmarshal([]byte(body), r); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ids, err := json.Marshal(parley.RoutingOperators(rs))
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	nrows, err := q.QueryContext(ctx, `SELECT id, COALESCE(NULLIF(chat_name, ''), name) FROM users
		WHERE id IN (SELECT value FROM json_each(?))`, string(ids))
	if err != nil {
		return nil, err
	}
	defer nrows.Close()
	for nrows.Next() {
		var id int64
		var name string
		if err := nrows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	if err := nrows.Err(); err != nil {
		return nil, err
	}
	parley.NameRoutings(rs, names)
	return rs, nil
}
