package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley"
)

// The inbox of left messages (parley.InboxStore).

const offlineColumns = `id, channel_id, name, email, body, page_url, language, visitor_id, created_at, read_at, handled_at, handled_by, conversation_id`

func scanOffline(row scanner) (*parley.OfflineMessage, error) {
	var m parley.OfflineMessage
	var visitor, handledBy, created, read, handled, conversation sql.NullInt64
	if err := row.Scan(&m.ID, &m.ChannelID, &m.Name, &m.Email, &m.Body, &m.PageURL, &m.Language, &visitor,
		&created, &read, &handled, &handledBy, &conversation); err != nil {
		return nil, err
	}
	m.CreatedAt = goTime(created)
	if visitor.Valid {
		m.VisitorID = &visitor.Int64
	}
	if conversation.Valid {
		m.ConversationID = &conversation.Int64
	}
	if read.Valid {
		t := goTime(read)
		m.Read, m.ReadAt = true, &t
	}
	if handled.Valid {
		t := goTime(handled)
		m.Handled, m.HandledAt = true, &t
		if handledBy.Valid {
			m.HandledBy = &handledBy.Int64
		}
	}
	m.Replies = []*parley.InboxReply{}
	return &m, nil
}

func errOfflineNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Left message %d not found.", id)
}

// CreateOfflineMessage stores what a visitor left while nobody was online, and sets
// m's ID, and its CreatedAt when zero.
func (s *Store) CreateOfflineMessage(ctx context.Context, m *parley.OfflineMessage) error {
	created := orNow(m.CreatedAt).UTC().Truncate(time.Microsecond)
	var id int64
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := channelExists(ctx, tx, m.ChannelID); err != nil {
			return err
		}
		var visitor any
		if m.VisitorID != nil {
			ok, err := exists(ctx, tx, `SELECT 1 FROM visitors WHERE id = ?`, *m.VisitorID)
			if err != nil {
				return err
			} else if !ok {
				return parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", *m.VisitorID)
			}
			visitor = *m.VisitorID
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO offline_messages (channel_id, name, email, body, page_url, language, visitor_id, created_at, conversation_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ChannelID, m.Name, m.Email, m.Body, m.PageURL, m.Language, visitor, created.UnixMicro(), m.ConversationID)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		left := *m
		left.ID, left.CreatedAt = id, created
		return enqueueWebhook(ctx, tx, parley.WebhookMessageLeft, parley.MessageLeftEvent(&left), created)
	})
	if err != nil {
		return fmt.Errorf("create offline message in channel %d: %w", m.ChannelID, err)
	}
	m.ID, m.CreatedAt = id, created
	m.Replies = []*parley.InboxReply{}
	return nil
}

// OfflineMessages lists every offline message, newest first, with their replies.
func (s *Store) OfflineMessages(ctx context.Context) ([]*parley.OfflineMessage, error) {
	list, err := s.queryOffline(ctx, s.read, `SELECT `+offlineColumns+` FROM offline_messages ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list offline messages: %w", err)
	}
	return list, nil
}

// OfflineMessage returns one left message with its replies.
func (s *Store) OfflineMessage(ctx context.Context, id int64) (*parley.OfflineMessage, error) {
	m, err := s.offlineMessage(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("offline message %d: %w", id, err)
	}
	return m, nil
}

func (s *Store) offlineMessage(ctx context.Context, q querier, id int64) (*parley.OfflineMessage, error) {
	list, err := s.queryOffline(ctx, q, `SELECT `+offlineColumns+` FROM offline_messages WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errOfflineNotFound(id)
	}
	return list[0], nil
}

// queryOffline reads the left messages query returns, then their replies in one query.
func (s *Store) queryOffline(ctx context.Context, q querier, query string, args ...any) ([]*parley.OfflineMessage, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*parley.OfflineMessage{}
	byID := map[int64]*parley.OfflineMessage{}
	for rows.Next() {
		m, err := scanOffline(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, m)
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(list) == 0 {
		return list, nil
	}
	// Replies are few: reading them all and keeping those of the list costs one query.
	filter, fargs := ``, []any{}
	if len(list) == 1 {
		filter, fargs = `WHERE r.message_id = ?`, []any{list[0].ID}
	}
	rrows, err := q.QueryContext(ctx, `
		SELECT r.id, r.message_id, r.user_id, u.name, r.body, r.created_at
		FROM inbox_replies r JOIN users u ON u.id = r.user_id `+filter+` ORDER BY r.id`, fargs...)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var r parley.InboxReply
		var created sql.NullInt64
		if err := rrows.Scan(&r.ID, &r.MessageID, &r.UserID, &r.UserName, &r.Body, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = goTime(created)
		if m := byID[r.MessageID]; m != nil {
			m.Replies = append(m.Replies, &r)
		}
	}
	return list, rrows.Err()
}

// MarkOfflineMessageRead records the first time the message was read.
func (s *Store) MarkOfflineMessageRead(ctx context.Context, id int64, now time.Time) (*parley.OfflineMessage, error) {
	var m *parley.OfflineMessage
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE offline_messages SET read_at = ? WHERE id = ? AND read_at IS NULL`,
			orNow(now).UnixMicro(), id); err != nil {
			return err
		}
		var err error
		m, err = s.offlineMessage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mark offline message %d read: %w", id, err)
	}
	return m, nil
}

// SetOfflineMessageHandled marks the message handled by the user, or not handled.
func (s *Store) SetOfflineMessageHandled(ctx context.Context, id, userID int64, handled bool, now time.Time) (*parley.OfflineMessage, error) {
	var m *parley.OfflineMessage
	err := s.writeTracked(ctx, func(tx *wtx) error {
		var err error
		if handled {
			if err := userExists(ctx, tx, userID); err != nil {
				return err
			}
			t := orNow(now).UnixMicro()
			_, err = tx.ExecContext(ctx, `UPDATE offline_messages SET handled_at = ?, handled_by = ?, read_at = coalesce(read_at, ?) WHERE id = ?`,
				t, userID, t, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE offline_messages SET handled_at = NULL, handled_by = NULL WHERE id = ?`, id)
		}
		if err != nil {
			return err
		}
		m, err = s.offlineMessage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set offline message %d handled: %w", id, err)
	}
	return m, nil
}

// AddInboxReply stores an operator's reply and marks its message read and handled.
func (s *Store) AddInboxReply(ctx context.Context, r *parley.InboxReply) (*parley.OfflineMessage, error) {
	created := orNow(r.CreatedAt).UTC().Truncate(time.Microsecond)
	var m *parley.OfflineMessage
	err := s.writeTracked(ctx, func(tx *wtx) error {
		ok, err := exists(ctx, tx, `SELECT 1 FROM offline_messages WHERE id = ?`, r.MessageID)
		if err != nil {
			return err
		} else if !ok {
			return errOfflineNotFound(r.MessageID)
		}
		if err := userExists(ctx, tx, r.UserID); err != nil {
			return err
		}
		t := created.UnixMicro()
		res, err := tx.ExecContext(ctx, `INSERT INTO inbox_replies (message_id, user_id, body, created_at) VALUES (?, ?, ?, ?)`,
			r.MessageID, r.UserID, r.Body, t)
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE offline_messages SET read_at = coalesce(read_at, ?), handled_at = ?, handled_by = ? WHERE id = ?`,
			t, t, r.UserID, r.MessageID); err != nil {
			return err
		}
		m, err = s.offlineMessage(ctx, tx, r.MessageID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reply to offline message %d: %w", r.MessageID, err)
	}
	r.CreatedAt = created
	for _, got := range m.Replies {
		if got.ID == r.ID {
			r.UserName = got.UserName
		}
	}
	return m, nil
}

// NotifySettings returns where and for which channels the user wants notices.
func (s *Store) NotifySettings(ctx context.Context, userID int64) (string, []int64, error) {
	var email string
	err := s.read.QueryRowContext(ctx, `SELECT email FROM notify_emails WHERE user_id = ?`, userID).Scan(&email)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	ids, err := queryIDs(ctx, s.read, `SELECT channel_id FROM notify_channels WHERE user_id = ? ORDER BY channel_id`, userID)
	if err != nil {
		return "", nil, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	return email, ids, nil
}

// SetNotifySettings replaces the user's notice address and channels.
func (s *Store) SetNotifySettings(ctx context.Context, userID int64, email string, channels []int64) error {
	channels = slices.Compact(slices.Sorted(slices.Values(channels)))
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		for _, id := range channels {
			if err := channelExists(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_channels WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, id := range channels {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_channels (channel_id, user_id) VALUES (?, ?)`, id, userID); err != nil {
				return err
			}
		}
		if email == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM notify_emails WHERE user_id = ?`, userID)
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO notify_emails (user_id, email) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email`, userID, email)
		return err
	})
	if err != nil {
		return fmt.Errorf("set notify settings of user %d: %w", userID, err)
	}
	return nil
}

// ChannelNotifyEmails lists the addresses that want the channel's notices.
func (s *Store) ChannelNotifyEmails(ctx context.Context, channelID int64) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT DISTINCT e.email FROM notify_channels c
		JOIN notify_emails e ON e.user_id = c.user_id
		JOIN users u ON u.id = c.user_id
		WHERE c.channel_id = ? AND u.disabled = 0 AND u.deleted_at IS NULL
		ORDER BY e.email`, channelID)
	if err != nil {
		return nil, fmt.Errorf("notify emails of channel %d: %w", channelID, err)
	}
	defer rows.Close()
	list := []string{}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("notify emails of channel %d: %w", channelID, err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}
