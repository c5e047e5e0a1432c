package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

var _ parley.DataRequestStore = (*Store)(nil)

// likePattern is a LIKE pattern matching s anywhere, its wildcards escaped with \.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// FindVisitors lists the visitors q selects, newest first.
func (s *Store) FindVisitors(ctx context.Context, q parley.VisitorQuery, limit int) ([]*parley.VisitorRecord, error) {
	name := ""
	if q.Name != "" {
		name = likePattern(q.Name)
	}
	scan := func(row scanner) (*parley.VisitorRecord, error) {
		var v parley.VisitorRecord
		var created, seen, last sql.NullInt64
		if err := row.Scan(&v.ID, &v.Name, &created, &seen, &v.Conversations, &last); err != nil {
			return nil, err
		}
		v.CreatedAt = goTime(created)
		v.LastSeenAt, v.LastConversationAt = optTime(seen), optTime(last)
		return &v, nil
	}
	list, err := queryAll(ctx, s.read, scan, `
		SELECT v.id, v.name, v.created_at, v.last_seen_at,
		       (SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = v.id),
		       (SELECT MAX(c.created_at) FROM conversations c WHERE c.visitor_id = v.id)
		FROM visitors v
		WHERE (?1 = 0 OR v.id = ?1) AND (?2 = '' OR v.name LIKE ?2 ESCAPE '\')
		  AND (?4 = 0 OR v.id = (SELECT c.visitor_id FROM conversations c WHERE c.id = ?4))
		ORDER BY v.id DESC LIMIT ?3`, q.ID, name, limit, q.ConversationID)
	if err != nil {
		return nil, fmt.Errorf("find visitors: %w", err)
	}
	return list, nil
}

func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := goTime(n)
	return &t
}

// LeftMessagesOf lists the messages left with the subject's email address or by the
// visitor, newest first.
func (s *Store) LeftMessagesOf(ctx context.Context, d parley.DataSubject) ([]*parley.OfflineMessage, error) {
	scan := func(row scanner) (*parley.OfflineMessage, error) {
		var m parley.OfflineMessage
		var created sql.NullInt64
		err := row.Scan(&m.ID, &m.ChannelID, &m.Name, &m.Email, &m.Body, &created)
		m.CreatedAt = goTime(created)
		return &m, err
	}
	list, err := queryAll(ctx, s.read, scan, `SELECT id, channel_id, name, email, body, created_at FROM offline_messages
		WHERE (? <> '' AND lower(email) = lower(?)) OR (? <> 0 AND visitor_id = ?)
		ORDER BY created_at DESC, id DESC`, d.Email, d.Email, d.VisitorID, d.VisitorID)
	if err != nil {
		return nil, fmt.Errorf("list left messages of a data subject: %w", err)
	}
	return list, nil
}

// ConversationFiles lists a conversation's files, oldest first.
func (s *Store) ConversationFiles(ctx context.Context, conversationID int64) ([]*parley.File, error) {
	scan := func(row scanner) (*parley.File, error) { return scanFile(row) }
	list, err := queryAll(ctx, s.read, scan, `SELECT `+fileColumns+` FROM files WHERE conversation_id = ? ORDER BY id`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("list files of conversation %d: %w", conversationID, err)
	}
	return list, nil
}

// affected runs a statement and counts the rows it changed.
func affected(ctx context.Context, q querier, query string, args ...any) (int, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EraseData erases what is held about the subject, in one transaction.
func (s *Store) EraseData(ctx context.Context, d parley.DataSubject, now time.Time, entry *parley.AuditEntry) (*parley.Erased, error) {
	now = orNow(now).UTC().Truncate(time.Microsecond)
	var erased *parley.Erased
	// Not tracked: conversations end and change visitor, which the writer's memory
	// mirrors; the next decision reads it again.
	err := s.write(ctx, func(tx *wtx) error {
		e := &parley.Erased{VisitorID: d.VisitorID}
		if d.VisitorID != 0 {
			if err := visitorExists(ctx, tx, d.VisitorID); err != nil {
				return err
			}
			const convs = `(SELECT id FROM conversations WHERE visitor_id = ?)`
			var err error
			// The webhooks' copies of their conversations' events and messages, and of
			// the messages they left.
			if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries
				WHERE json_extract(payload, '$.conversation.visitor_id') = ?1
				OR json_extract(payload, '$.offline_message.visitor_id') = ?1
				OR json_extract(payload, '$.message.conversation_id') IN (SELECT id FROM conversations WHERE visitor_id = ?1)`, d.VisitorID); err != nil {
				return err
			}
			if e.Messages, err = affected(ctx, tx, `DELETE FROM messages WHERE conversation_id IN `+convs, d.VisitorID); err != nil {
				return err
			}
			if e.Files, err = affected(ctx, tx, `DELETE FROM files WHERE conversation_id IN `+convs, d.VisitorID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_reads WHERE conversation_id IN `+convs, d.VisitorID); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE visitor_id = ?`, d.VisitorID).Scan(&e.Conversations); err != nil {
				return err
			}
			if e.Conversations > 0 {
				// The shells go to a visitor of their own, whom no token reaches.
				anon := &parley.Visitor{Name: parley.ErasedVisitorName, CreatedAt: now}
				if err := insertVisitor(ctx, tx, anon, randomHash()); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE conversations SET visitor_id = ?, page_url = '', rating_comment = '',
					status = 'ended', ended_at = COALESCE(ended_at, ?) WHERE visitor_id = ?`, anon.ID, now.UnixMicro(), d.VisitorID); err != nil {
					return err
				}
			}
			if e.PageViews, err = affected(ctx, tx, `DELETE FROM page_views WHERE visitor_id = ?`, d.VisitorID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM visitor_contexts WHERE visitor_id = ?`, d.VisitorID); err != nil {
				return err
			}
			// Their left messages go with them (the key would only forget whose they were).
			if e.LeftMessages, err = affected(ctx, tx, `DELETE FROM offline_messages WHERE visitor_id = ?`, d.VisitorID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM visitors WHERE id = ?`, d.VisitorID); err != nil {
				return err
			}
		}
		if d.Email != "" {
			var err error
			n, err := affected(ctx, tx, `DELETE FROM offline_messages WHERE lower(email) = lower(?)`, d.Email)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries
				WHERE lower(json_extract(payload, '$.offline_message.email')) = lower(?)`, d.Email); err != nil {
				return err
			}
			e.LeftMessages += n
		}
		if entry != nil {
			entry.At = now
			entry.Detail, _ = json.Marshal(e)
			if err := addAudit(ctx, tx, entry); err != nil {
				return err
			}
		}
		erased = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("erase data of visitor %d: %w", d.VisitorID, err)
	}
	return erased, nil
}

// randomHash is a token hash no token has: 32 random bytes.
func randomHash() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// RetentionSettings returns the admin's retention rule.
func (s *Store) RetentionSettings(ctx context.Context) (*parley.RetentionSettings, error) {
	var r parley.RetentionSettings
	var last sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT days, last_sweep_at FROM retention_settings WHERE id = 1`).Scan(&r.Days, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return &parley.RetentionSettings{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("get retention settings: %w", err)
	}
	r.LastSweepAt = optTime(last)
	return &r, nil
}

// SetRetentionSettings changes the number of days conversations are kept.
func (s *Store) SetRetentionSettings(ctx context.Context, r *parley.RetentionSettings) error {
	_, err := s.exec(ctx, `INSERT INTO retention_settings (id, days) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET days = excluded.days`, r.Days)
	if err != nil {
		return fmt.Errorf("set retention settings: %w", err)
	}
	return nil
}

// lastActivity is when conversation c was last active: its last message or assignment
// (an end without a notice, as the sweep's own, is none).
const lastActivity = lastMessageAt

// ExpiredConversations lists the conversations not ended that were last active before
// cutoff, oldest first.
func (s *Store) ExpiredConversations(ctx context.Context, cutoff time.Time, limit int) ([]*parley.Conversation, error) {
	list, err := queryConversations(ctx, s.read, `
		WHERE c.status <> 'ended' AND c.created_at < ?1 AND `+lastActivity+` < ?1
		ORDER BY c.id LIMIT ?2`, cutoff.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("list expired conversations: %w", err)
	}
	return list, nil
}

// SweepRetention runs the retention rule once, if it is due.
func (s *Store) SweepRetention(ctx context.Context, now time.Time, every time.Duration) (*parley.RetentionSweep, error) {
	now = orNow(now).UTC().Truncate(time.Microsecond)
	sweep := &parley.RetentionSweep{}
	err := s.write(ctx, func(tx *wtx) error {
		*sweep = parley.RetentionSweep{}
		var days int
		err := tx.QueryRowContext(ctx, `UPDATE retention_settings SET last_sweep_at = ?1
			WHERE id = 1 AND days > 0 AND (last_sweep_at IS NULL OR last_sweep_at <= ?2) RETURNING days`,
			now.UnixMicro(), now.Add(-every).UnixMicro()).Scan(&days)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no rule, or swept within the interval
		} else if err != nil {
			return err
		}
		sweep.Ran = true
		sweep.Cutoff = now.Add(-time.Duration(days) * 24 * time.Hour)
		cutoff := sweep.Cutoff.UnixMicro()
		// The webhooks' deliveries as old, delivered or not (the last retry comes within a
		// day): their payloads hold copies of what the rule erases.
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE created_at < ?`, cutoff); err != nil {
			return err
		}
		type conv struct{ id, visitor int64 }
		expired, err := queryAll(ctx, tx, func(row scanner) (conv, error) {
			var c conv
			return c, row.Scan(&c.id, &c.visitor)
		}, `SELECT c.id, c.visitor_id FROM conversations c WHERE c.created_at < ?1 AND `+lastActivity+` < ?1
			ORDER BY c.id LIMIT ?2`, cutoff, parley.RetentionBatch)
		if err != nil || len(expired) == 0 {
			return err
		}
		ids, visitors := make([]int64, len(expired)), make([]int64, len(expired))
		for i, c := range expired {
			ids[i], visitors[i] = c.id, c.visitor
		}
		idList, _ := json.Marshal(ids)
		const in = `(SELECT value FROM json_each(?))`
		if sweep.Messages, err = affected(ctx, tx, `DELETE FROM messages WHERE conversation_id IN `+in, string(idList)); err != nil {
			return err
		}
		if sweep.Files, err = affected(ctx, tx, `DELETE FROM files WHERE conversation_id IN `+in, string(idList)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_reads WHERE conversation_id IN `+in, string(idList)); err != nil {
			return err
		}
		if sweep.Conversations, err = affected(ctx, tx, `DELETE FROM conversations WHERE id IN `+in, string(idList)); err != nil {
			return err
		}
		visitorList, _ := json.Marshal(visitors)
		if sweep.Visitors, err = queryAll(ctx, tx, scanID, `DELETE FROM visitors WHERE id IN (SELECT value FROM json_each(?1))
			AND COALESCE(last_seen_at, created_at) < ?2
			AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id) RETURNING id`, string(visitorList), cutoff); err != nil {
			return err
		}
		if len(expired) == parley.RetentionBatch {
			// More may wait: the next sweep is due at once.
			if _, err := tx.ExecContext(ctx, `UPDATE retention_settings SET last_sweep_at = ? WHERE id = 1`, now.Add(-every).UnixMicro()); err != nil {
				return err
			}
		}
		return addAudit(ctx, tx, parley.RetentionAuditEntry(now, sweep))
	})
	if err != nil {
		return nil, fmt.Errorf("sweep retention: %w", err)
	}
	return sweep, nil
}

func scanID(row scanner) (int64, error) {
	var id int64
	err := row.Scan(&id)
	return id, err
}
