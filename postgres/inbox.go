package postgres

import (
	"context"
	"errors"

	"fmt"
	"github.com/jackc/pgx/v5"
	"slices"
	"time"

	"github.com/parleychat/parley"
)

// The inbox of left messages (parley.InboxStore).

const offlineColumns = `id, channel_id, name, email, body, page_url, language, visitor_id, created_at, read_at, handled_at, handled_by, conversation_id`

func scanOffline(row scanner) (*parley.OfflineMessage, error) {
	var m parley.OfflineMessage
	var visitor, handledBy, created, read, handled, conversation *int64
	if err := row.Scan(&m.ID, &m.ChannelID, &m.Name, &m.Email, &m.Body, &m.PageURL, &m.Language, &visitor,
		&created, &read, &handled, &handledBy, &conversation); err != nil {
		return nil, err
	}
	m.CreatedAt = goTime(created)
	m.VisitorID, m.ConversationID = visitor, conversation
	if read != nil {
		t := goTime(read)
		m.Read, m.ReadAt = true, &t
	}
	if handled != nil {
		t := goTime(handled)
		m.Handled, m.HandledAt, m.HandledBy = true, &t, handledBy
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := channelExists(ctx, tx, m.ChannelID); err != nil {
			return err
		}
		var visitor any
		if m.VisitorID != nil {
			ok, err := exists(ctx, tx, `SELECT 1 FROM visitors WHERE id = $1`, *m.VisitorID)
			if err != nil {
				return err
			} else if !ok {
				return parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", *m.VisitorID)
			}
			visitor = *m.VisitorID
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO offline_messages (channel_id, name, email, body, page_url, language, visitor_id, created_at, conversation_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			m.ChannelID, m.Name, m.Email, m.Body, m.PageURL, m.Language, visitor, created.UnixMicro(), m.ConversationID).Scan(&id); err != nil {
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
	list, err := s.queryOffline(ctx, s.pool, `SELECT `+offlineColumns+` FROM offline_messages ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list offline messages: %w", err)
	}
	return list, nil
}

// OfflineMessage returns one left message with its replies.
func (s *Store) OfflineMessage(ctx context.Context, id int64) (*parley.OfflineMessage, error) {
	m, err := s.offlineMessage(ctx, s.pool, id)
	if err != nil {
		return nil, fmt.Errorf("offline message %d: %w", id, err)
	}
	return m, nil
}

func (s *Store) offlineMessage(ctx context.Context, q querier, id int64) (*parley.OfflineMessage, error) {
	list, err := s.queryOffline(ctx, q, `SELECT `+offlineColumns+` FROM offline_messages WHERE id = $1`, id)
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
	rows, err := q.Query(ctx, query, args...)
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
		filter, fargs = `WHERE r.message_id = $1`, []any{list[0].ID}
	}
	rrows, err := q.Query(ctx, `
		SELECT r.id, r.message_id, r.user_id, u.name, r.body, r.created_at
		FROM inbox_replies r JOIN users u ON u.id = r.user_id `+filter+` ORDER BY r.id`, fargs...)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var r parley.InboxReply
		var created *int64
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE offline_messages SET read_at = $1 WHERE id = $2 AND read_at IS NULL`,
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if handled {
			if err := userExists(ctx, tx, userID); err != nil {
				return err
			}
			t := orNow(now).UnixMicro()
			_, err = tx.Exec(ctx, `UPDATE offline_messages SET handled_at = $1, handled_by = $2, read_at = coalesce(read_at, $1) WHERE id = $3`,
				t, userID, id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE offline_messages SET handled_at = NULL, handled_by = NULL WHERE id = $1`, id)
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		ok, err := exists(ctx, tx, `SELECT 1 FROM offline_messages WHERE id = $1`, r.MessageID)
		if err != nil {
			return err
		} else if !ok {
			return errOfflineNotFound(r.MessageID)
		}
		if err := userExists(ctx, tx, r.UserID); err != nil {
			return err
		}
		t := created.UnixMicro()
		if err := tx.QueryRow(ctx, `INSERT INTO inbox_replies (message_id, user_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			r.MessageID, r.UserID, r.Body, t).Scan(&r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE offline_messages SET read_at = coalesce(read_at, $1), handled_at = $1, handled_by = $2 WHERE id = $3`,
			t, r.UserID, r.MessageID); err != nil {
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
	err := s.pool.QueryRow(ctx, `SELECT email FROM notify_emails WHERE user_id = $1`, userID).Scan(&email)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", nil, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	ids, err := queryIDs(ctx, s.pool, `SELECT channel_id FROM notify_channels WHERE user_id = $1 ORDER BY channel_id`, userID)
	if err != nil {
		return "", nil, fmt.Errorf("notify settings of user %d: %w", userID, err)
	}
	return email, ids, nil
}

// SetNotifySettings replaces the user's notice address and channels.
func (s *Store) SetNotifySettings(ctx context.Context, userID int64, email string, channels []int64) error {
	channels = slices.Compact(slices.Sorted(slices.Values(channels)))
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		for _, id := range channels {
			if err := channelExists(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notify_channels WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, id := range channels {
			if _, err := tx.Exec(ctx, `INSERT INTO notify_channels (channel_id, user_id) VALUES ($1, $2)`, id, userID); err != nil {
				return err
			}
		}
		if email == "" {
			_, err := tx.Exec(ctx, `DELETE FROM notify_emails WHERE user_id = $1`, userID)
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO notify_emails (user_id, email) VALUES ($1, $2)
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
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT e.email FROM notify_channels c
		JOIN notify_emails e ON e.user_id = c.user_id
		JOIN users u ON u.id = c.user_id
		WHERE c.channel_id = $1 AND NOT u.disabled AND u.deleted_at IS NULL
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
