package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/parleychat/parley"
)

// CreateVisitor adds v and sets its ID, its CreatedAt when zero, and its Name when
// empty ("Visitor #ID").
func (s *Store) CreateVisitor(ctx context.Context, v *parley.Visitor, tokenHash []byte) error {
	created := *v
	err := s.writeTracked(ctx, func(tx *wtx) error {
		created = *v
		return insertVisitor(ctx, tx, &created, tokenHash)
	})
	if err != nil {
		return fmt.Errorf("create visitor: %w", err)
	}
	*v = created
	return nil
}

// insertVisitor adds v within tx and sets its ID, its CreatedAt when zero, and its Name
// when empty ("Visitor #ID").
func insertVisitor(ctx context.Context, tx *wtx, v *parley.Visitor, tokenHash []byte) error {
	created := orNow(v.CreatedAt).UTC().Truncate(time.Microsecond)
	res, err := tx.ExecContext(ctx, `INSERT INTO visitors (token_hash, name, created_at) VALUES (?, ?, ?)`,
		tokenHash, v.Name, dbTime(created))
	if isUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "Visitor already exists.")
	} else if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	name := v.Name
	if name == "" {
		name = visitorName(id)
		if _, err := tx.ExecContext(ctx, `UPDATE visitors SET name = ? WHERE id = ?`, name, id); err != nil {
			return err
		}
	}
	v.ID, v.CreatedAt, v.Name = id, created, name
	return nil
}

// VisitorChannels lists the channels the visitor has conversations in, by id.
func (s *Store) VisitorChannels(ctx context.Context, visitorID int64) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT channel_id FROM conversations WHERE visitor_id = ? ORDER BY channel_id`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("list channels of visitor %d: %w", visitorID, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list channels of visitor %d: %w", visitorID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func visitorName(id int64) string { return fmt.Sprintf("Visitor #%d", id) }

// VisitorByToken returns the visitor known by the hash of their token.
func (s *Store) VisitorByToken(ctx context.Context, tokenHash []byte) (*parley.Visitor, error) {
	var v parley.Visitor
	var created sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT id, name, created_at FROM visitors WHERE token_hash = ?`, tokenHash).
		Scan(&v.ID, &v.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "Visitor not found.")
	} else if err != nil {
		return nil, fmt.Errorf("get visitor by token: %w", err)
	}
	v.CreatedAt = goTime(created)
	return &v, nil
}

// lastSeq is the seq of the last message of conversation c, and lastMessageAt the time
// of its last activity: its last message, or its assignment if that came later. Both
// are read from the messages (a seek to the conversation's last entry of the primary
// key), so that storing a message writes nothing else.
const (
	lastSeq = `COALESCE((SELECT ls.seq FROM messages ls WHERE ls.conversation_id = c.id
		ORDER BY ls.seq DESC LIMIT 1), 0)`
	lastMessageAt = `MAX(COALESCE(c.assigned_at, 0), COALESCE((SELECT la.created_at FROM messages la
		WHERE la.conversation_id = c.id ORDER BY la.seq DESC LIMIT 1), c.created_at))`
)

// conversationColumns and conversationJoins select what scanConversation reads. The
// operator's name is the one visitors see: the chat name, or the user's name.
const conversationColumns = `
	c.id, c.channel_id, c.status, c.language, c.visitor_id, v.name,
	COALESCE(c.operator_id, 0), COALESCE(NULLIF(u.chat_name, ''), u.name, ''),
	c.page_url, c.created_at, c.assigned_at, ` + lastMessageAt + `, c.ended_at, ` + lastSeq + `,
	CASE WHEN c.status = 'queued' THEN (
		SELECT COUNT(*) FROM conversations q
		WHERE q.channel_id = c.channel_id AND q.status = 'queued' AND q.id <= c.id
	) ELSE 0 END,
	c.rating_score, c.rating_comment,
	EXISTS (SELECT 1 FROM visitor_identities vi WHERE vi.visitor_id = c.visitor_id AND vi.channel_id = c.channel_id),
	CASE WHEN c.status = 'queued' THEN COALESCE(c.offered_to, 0) ELSE 0 END, c.offer_expires_at`

const conversationJoins = `
	FROM conversations c
	JOIN visitors v ON v.id = c.visitor_id
	LEFT JOIN users u ON u.id = c.operator_id`

func scanConversation(row scanner, extra ...any) (*parley.Conversation, error) {
	var c parley.Conversation
	var created, assigned, lastMessage, ended, score, offerExpires sql.NullInt64
	var comment string
	dest := append([]any{
		&c.ID, &c.ChannelID, &c.Status, &c.Language, &c.VisitorID, &c.VisitorName,
		&c.OperatorID, &c.OperatorName,
		&c.PageURL, &created, &assigned, &lastMessage, &ended, &c.LastSeq,
		&c.QueuePosition,
		&score, &comment, &c.VisitorVerified,
		&c.OfferedTo, &offerExpires,
	}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.AssignedAt, c.LastMessageAt, c.EndedAt = goTime(created), goTime(assigned), goTime(lastMessage), goTime(ended)
	if c.OfferedTo != 0 {
		c.OfferExpiresAt = goTime(offerExpires)
	}
	if score.Valid {
		c.Rating = &parley.Rating{Score: int(score.Int64), Comment: comment}
	}
	return &c, nil
}

func conversation(ctx context.Context, q querier, id int64) (*parley.Conversation, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationColumns+conversationJoins+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errConversationNotFound(id)
	}
	return c, err
}

func queryConversations(ctx context.Context, q querier, where string, args ...any) ([]*parley.Conversation, error) {
	scan := func(row scanner) (*parley.Conversation, error) { return scanConversation(row) }
	return queryAll(ctx, q, scan, `SELECT `+conversationColumns+conversationJoins+` `+where, args...)
}

// Conversation returns the conversation with the id.
func (s *Store) Conversation(ctx context.Context, id int64) (*parley.Conversation, error) {
	c, err := conversation(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("get conversation %d: %w", id, err)
	}
	return c, nil
}

// QueuedConversations lists the channel's queue, oldest first.
func (s *Store) QueuedConversations(ctx context.Context, channelID int64) ([]*parley.Conversation, error) {
	if err := channelExists(ctx, s.read, channelID); err != nil {
		return nil, fmt.Errorf("list queue of channel %d: %w", channelID, err)
	}
	convs, err := queryConversations(ctx, s.read, `WHERE c.channel_id = ? AND c.status = 'queued' ORDER BY c.id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list queue of channel %d: %w", channelID, err)
	}
	return convs, nil
}

// StartConversation creates the conversation of a visitor's first message and decides,
// in the same write transaction, who gets it.
func (s *Store) StartConversation(ctx context.Context, nc parley.NewConversation, choose parley.Chooser) (*parley.Conversation, *parley.Message, bool, error) {
	now := orNow(nc.Now)
	var c *parley.Conversation
	var m *parley.Message
	created := false
	var newVisitor parley.Visitor
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if nc.NewVisitor != nil && nc.ClientID != "" && !nc.ReplaySince.IsZero() {
			v, id, err := replayStart(ctx, tx, nc)
			if err != nil {
				return err
			}
			if v != nil {
				newVisitor = *v
				if m, err = messageByClientID(ctx, tx, id, parley.AuthorVisitor, nc.ClientID); err != nil {
					return err
				}
				c, err = conversation(ctx, tx, id)
				return err
			}
		}
		if nc.NewVisitor != nil {
			newVisitor = *nc.NewVisitor
			if err := insertVisitor(ctx, tx, &newVisitor, nc.VisitorTokenHash); err != nil {
				return err
			}
			nc.VisitorID = newVisitor.ID
		}
		if nc.ClientID != "" {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT c.id FROM conversations c
				JOIN messages m ON m.conversation_id = c.id AND m.seq = `+firstSeq(nc)+`
				WHERE c.channel_id = ? AND c.visitor_id = ? AND m.author_kind = 'visitor' AND m.client_id = ?`,
				nc.ChannelID, nc.VisitorID, nc.ClientID).Scan(&id)
			if err == nil {
				if m, err = messageByClientID(ctx, tx, id, parley.AuthorVisitor, nc.ClientID); err != nil {
					return err
				}
				c, err = conversation(ctx, tx, id)
				return err
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var capacity, offerSeconds int
		err := tx.QueryRowContext(ctx, `SELECT max_ongoing_per_operator, offer_seconds FROM channels WHERE id = ?`, nc.ChannelID).Scan(&capacity, &offerSeconds)
		if errors.Is(err, sql.ErrNoRows) {
			return errChannelNotFound(nc.ChannelID)
		} else if err != nil {
			return err
		}
		var visitorName string
		err = tx.QueryRowContext(ctx, `SELECT name FROM visitors WHERE id = ?`, nc.VisitorID).Scan(&visitorName)
		if errors.Is(err, sql.ErrNoRows) {
			return parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", nc.VisitorID)
		} else if err != nil {
			return err
		}

		route, err := decide(ctx, tx, nc.ChannelID, 0, nc.VisitorID, capacity, nc.Language, 0, now, choose)
		if err != nil {
			return err
		}
		operatorID, offerTo := route.OperatorID, int64(0)
		if operatorID != 0 && offerSeconds > 0 {
			// Offered: it waits in the queue until the operator accepts (offers.go).
			offerTo, operatorID = operatorID, 0
			route.Offer = parley.OfferMade
		}
		status, operator, assigned := parley.StatusQueued, any(nil), any(nil)
		if operatorID != 0 {
			status, operator, assigned = parley.StatusActive, operatorID, now.UnixMicro()
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO conversations (channel_id, visitor_id, operator_id, status, language, page_url,
				created_at, assigned_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
			nc.ChannelID, nc.VisitorID, operator, string(status), nc.Language, nc.PageURL, now.UnixMicro(), assigned)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := recordRouting(ctx, tx, id, parley.RoutingStart, now, &route); err != nil {
			return err
		}
		if offerTo != 0 {
			if err := makeOffer(ctx, tx, id, offerTo, offerSeconds, now); err != nil {
				return err
			}
		}
		if operatorID != 0 {
			if err := recordAssignment(ctx, tx, nc.ChannelID, operatorID, now); err != nil {
				return err
			}
			tx.a.assigned(id, nc.ChannelID, operatorID, now)
		}
		first, err := insertChatbotExchange(ctx, tx, id, nc.Chatbot, visitorName, now)
		if err != nil {
			return err
		}
		m = &parley.Message{
			ConversationID: id,
			Seq:            first,
			Author:         parley.Author{Kind: parley.AuthorVisitor, Name: visitorName},
			Body:           nc.Body,
			ClientID:       nc.ClientID,
			CreatedAt:      now.UTC().Truncate(time.Microsecond),
		}
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		if nc.Visit != nil {
			if err := recordVisit(ctx, tx, nc.VisitorID, nc.Visit); err != nil {
				return err
			}
		}
		created = true
		if c, err = conversation(ctx, tx, id); err != nil {
			return err
		}
		return startedHooks(ctx, tx, c, now)
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("start conversation in channel %d: %w", nc.ChannelID, err)
	}
	if nc.NewVisitor != nil {
		*nc.NewVisitor = newVisitor
	}
	return c, m, created, nil
}

// replayStart finds the conversation a start without a token already made (see
// NewConversation.ReplaySince) and gives its visitor the new token hash. It returns a
// nil visitor when there is none.
func replayStart(ctx context.Context, tx *wtx, nc parley.NewConversation) (*parley.Visitor, int64, error) {
	var id, visitorID int64
	err := tx.QueryRowContext(ctx, `SELECT c.id, c.visitor_id FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE m.seq = `+firstSeq(nc)+` AND m.client_id = ? AND m.author_kind = 'visitor'
		  AND c.channel_id = ? AND c.created_at >= ?
		  AND NOT EXISTS (SELECT 1 FROM conversations o WHERE o.visitor_id = c.visitor_id AND o.id < c.id)
		ORDER BY c.id LIMIT 1`,
		nc.ClientID, nc.ChannelID, nc.ReplaySince.UnixMicro()).Scan(&id, &visitorID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	v := parley.Visitor{ID: visitorID}
	var created sql.NullInt64
	err = tx.QueryRowContext(ctx, `UPDATE visitors SET token_hash = ? WHERE id = ? RETURNING name, created_at`,
		nc.VisitorTokenHash, visitorID).Scan(&v.Name, &created)
	if isUnique(err) {
		return nil, 0, parley.Errorf(parley.ECONFLICT, "Visitor already exists.")
	} else if err != nil {
		return nil, 0, err
	}
	v.CreatedAt = goTime(created)
	return &v, id, nil
}

// AssignQueued gives the channel's queued conversations, oldest first, to operators as
// choose decides, and stops at the first one nobody can take, so that a younger
// conversation never jumps the queue; one handed over by an operator, whom it may not go
// back to, is passed over instead.
func (s *Store) AssignQueued(ctx context.Context, channelID int64, now time.Time, choose parley.Chooser) ([]*parley.Conversation, error) {
	now = orNow(now)
	var assigned []*parley.Conversation
	err := s.writeTracked(ctx, func(tx *wtx) error {
		var err error
		assigned, err = drainQueue(ctx, tx, channelID, now, choose)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign queued conversations of channel %d: %w", channelID, err)
	}
	return assigned, nil
}

// drainQueue is AssignQueued within tx; with offers on in the channel (offers.go), it
// offers instead of assigning, and passes over the conversations already offered.
func drainQueue(ctx context.Context, tx *wtx, channelID int64, now time.Time, choose parley.Chooser) ([]*parley.Conversation, error) {
	assigned := []*parley.Conversation{}
	var capacity, offerSeconds int
	err := tx.QueryRowContext(ctx, `SELECT max_ongoing_per_operator, offer_seconds FROM channels WHERE id = ?`, channelID).Scan(&capacity, &offerSeconds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errChannelNotFound(channelID)
	} else if err != nil {
		return nil, err
	}
	type queued struct {
		id, visitorID, exclude, offeredTo int64
		passed                            bool
		language                          string
	}
	var queue []queued
	rows, err := tx.QueryContext(ctx, `
		SELECT id, visitor_id, language, COALESCE(handed_over_by, 0), COALESCE(offered_to, 0),
			EXISTS (SELECT 1 FROM offer_passes p WHERE p.conversation_id = conversations.id)
		FROM conversations
		WHERE channel_id = ? AND status = 'queued' ORDER BY id`, channelID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.id, &q.visitorID, &q.language, &q.exclude, &q.offeredTo, &q.passed); err != nil {
			rows.Close()
			return nil, err
		}
		queue = append(queue, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var ids []int64
	for _, q := range queue {
		if q.offeredTo != 0 {
			continue // offered, and so no longer waiting for a decision
		}
		route, err := decide(ctx, tx, channelID, q.id, q.visitorID, capacity, q.language, q.exclude, now, choose)
		if err != nil {
			return nil, err
		}
		operatorID := route.OperatorID
		if operatorID == 0 {
			if q.exclude != 0 || q.passed {
				continue // perhaps only the operator who handed it over (or passed) is free: they may take the next
			}
			break
		}
		if offerSeconds > 0 {
			route.Offer = parley.OfferMade
			if err := recordRouting(ctx, tx, q.id, parley.RoutingQueue, now, &route); err != nil {
				return nil, err
			}
			if err := makeOffer(ctx, tx, q.id, operatorID, offerSeconds, now); err != nil {
				return nil, err
			}
			ids = append(ids, q.id)
			continue
		}
		// A conversation that waited longer than the ongoing window would not count
		// towards its new operator's load; its assignment is its latest activity.
		_, err = tx.ExecContext(ctx, `
			UPDATE conversations
			SET status = 'active', operator_id = ?1, assigned_at = ?2
			WHERE id = ?3`,
			operatorID, now.UnixMicro(), q.id)
		if err != nil {
			return nil, err
		}
		tx.live.drop(q.id)
		if err := recordRouting(ctx, tx, q.id, parley.RoutingQueue, now, &route); err != nil {
			return nil, err
		}
		if err := recordAssignment(ctx, tx, channelID, operatorID, now); err != nil {
			return nil, err
		}
		tx.a.assigned(q.id, channelID, operatorID, now)
		ids = append(ids, q.id)
	}
	for _, id := range ids {
		c, err := conversation(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if c.Status == parley.StatusActive {
			if err := enqueueWebhook(ctx, tx, parley.WebhookAssigned, parley.ConversationEvent(parley.WebhookAssigned, c, now), now); err != nil {
				return nil, err
			}
		}
		assigned = append(assigned, c)
	}
	return assigned, nil
}

// decide builds the assignment snapshot of a channel inside tx and asks choose; it
// returns the decision with its explanation: the chosen operator, or 0 when the
// conversation must wait in the queue. exclude is the operator who handed the
// conversation over, if any; conversationID the conversation decided about (0 for a
// new one), whose offer some may have missed.
func decide(ctx context.Context, tx *wtx, channelID, conversationID, visitorID int64, capacity int, language string, exclude int64, now time.Time, choose parley.Chooser) (parley.Routing, error) {
	candidates, err := tx.a.candidates(ctx, tx, channelID, now)
	if err != nil {
		return parley.Routing{}, err
	}
	req := parley.AssignRequest{Cap: capacity, Language: language, Exclude: exclude}
	if err := withOffers(ctx, tx, channelID, conversationID, candidates, &req); err != nil {
		return parley.Routing{}, err
	}
	err = tx.QueryRowContext(ctx, `
		SELECT operator_id FROM conversations
		WHERE visitor_id = ? AND channel_id = ? AND operator_id IS NOT NULL
		ORDER BY id DESC LIMIT 1`, visitorID, channelID).Scan(&req.PreviousOperatorID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return parley.Routing{}, err
	}
	route := choose(req, candidates)
	operatorID := route.OperatorID
	if operatorID == 0 {
		return route, nil
	}
	if exclude != 0 && operatorID == exclude {
		return parley.Routing{}, fmt.Errorf("chooser gave conversation back to user %d, who handed it over", operatorID)
	}
	for _, c := range candidates {
		if c.OperatorID == operatorID {
			return route, nil
		}
	}
	return parley.Routing{}, fmt.Errorf("chooser picked user %d, who is not a member of channel %d", operatorID, channelID)
}

func recordAssignment(ctx context.Context, tx *wtx, channelID, operatorID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE channel_members SET last_assigned_at = ? WHERE channel_id = ? AND user_id = ?`,
		now.UnixMicro(), channelID, operatorID)
	return err
}

func insertMessage(ctx context.Context, tx *wtx, m *parley.Message) error {
	tx.live.drop(m.ConversationID) // addMessage puts it back
	var authorID, fileID any
	if m.Author.ID != 0 {
		authorID = m.Author.ID
	}
	if m.Attachment != nil {
		fileID = m.Attachment.ID
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ConversationID, m.Seq, string(m.Author.Kind), authorID, m.Author.Name, m.Body, m.CreatedAt.UnixMicro(), nullString(m.ClientID), fileID)
	if err != nil {
		return err
	}
	return indexMessage(ctx, tx, m)
}

// appendMessage gives m the next seq of its conversation and stores it.
func appendMessage(ctx context.Context, tx *wtx, m *parley.Message) error {
	if err := tx.QueryRowContext(ctx, `SELECT `+lastSeq+` + 1 FROM conversations c WHERE c.id = ?`,
		m.ConversationID).Scan(&m.Seq); err != nil {
		return err
	}
	return insertMessage(ctx, tx, m)
}

// conversationStatus returns the status of the conversation, ENOTFOUND if unknown.
func conversationStatus(ctx context.Context, tx *wtx, id int64) (parley.ConversationStatus, error) {
	var status parley.ConversationStatus
	err := tx.QueryRowContext(ctx, `SELECT status FROM conversations WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errConversationNotFound(id)
	}
	return status, err
}

// addMessage appends the message of nm to its conversation within tx. created is false
// when the author already sent it (same ClientID): m is then the stored one. A message
// refused (unknown or ended conversation, unknown author, resend) changes nothing, so
// the other messages of tx are unharmed; any other error loses the transaction.
//
// The common case is one statement, the insert, whose foreign key finds an unknown
// author: what it needs of the conversation (status, channel, operator, last seq, the
// keys its messages were sent with) the writer remembers (live.go), and reads only for
// the first message it stores in a conversation. A resend is told from a new message in
// memory, so that no index of keys is written per message (a page of the WAL each).
// Nothing else is written: the conversation's last seq and time are read from its
// messages, and an operator's own message counts as read by them where unread messages
// are counted (summaryQuery).
func addMessage(ctx context.Context, tx *wtx, nm parley.NewMessage) (m *parley.Message, created bool, err error) {
	switch nm.Author.Kind {
	case parley.AuthorVisitor, parley.AuthorOperator, parley.AuthorSystem:
	default:
		return nil, false, parley.Errorf(parley.EINVALID, "Unknown message author %q.", nm.Author.Kind)
	}
	m = &parley.Message{
		ConversationID: nm.ConversationID,
		Author:         nm.Author,
		Body:           nm.Body,
		ClientID:       nm.ClientID,
		CreatedAt:      orNow(nm.Now).UTC().Truncate(time.Microsecond),
	}
	lc, ok := tx.live.get(nm.ConversationID)
	if !ok {
		err = tx.QueryRowContext(ctx, `SELECT c.channel_id, COALESCE(c.operator_id, 0), c.status, `+lastSeq+`
			FROM conversations c WHERE c.id = ?`, nm.ConversationID).Scan(&lc.channelID, &lc.operatorID, &lc.status, &lc.lastSeq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, errConversationNotFound(nm.ConversationID)
		} else if err != nil {
			return nil, false, err
		}
	}
	var key uint64
	if nm.ClientID != "" {
		if lc.sent == nil {
			if lc.sent, err = sentKeys(ctx, tx, nm.ConversationID); err != nil {
				return nil, false, err
			}
		}
		key = sentKey(nm.Author.Kind, nm.ClientID)
		if _, seen := lc.sent[key]; seen {
			// Most likely a resend; or another key with the same hash, then stored.
			stored, err := messageByClientID(ctx, tx, nm.ConversationID, nm.Author.Kind, nm.ClientID)
			if err == nil {
				tx.live.put(nm.ConversationID, lc)
				return stored, false, nil // a resend is answered with the stored message, even after the end
			} else if !errors.Is(err, sql.ErrNoRows) {
				return nil, false, err
			}
		}
	}
	tx.live.put(nm.ConversationID, lc)
	if lc.status == parley.StatusEnded {
		return nil, false, parley.Errorf(parley.ECONFLICT, "Conversation %d has ended.", nm.ConversationID)
	}
	if nm.FileID != 0 {
		if m.Attachment, err = messageFile(ctx, tx, nm.ConversationID, nm.FileID); err != nil {
			return nil, false, err
		}
	}
	m.Seq = lc.lastSeq + 1
	err = insertMessage(ctx, tx, m)
	switch {
	case isForeignKey(err) && nm.Author.ID != 0:
		return nil, false, errUserNotFound(nm.Author.ID)
	case err != nil:
		return nil, false, err
	}
	lc.lastSeq = m.Seq
	tx.live.put(m.ConversationID, lc)
	if nm.ClientID != "" {
		tx.live.addSent(lc, key)
	}
	if lc.status == parley.StatusActive {
		tx.a.messaged(m.ConversationID, lc.channelID, lc.operatorID, m.CreatedAt)
	}
	return m, true, nil
}

// sentKeys reads the keys of the conversation's messages stored with a client_id.
func sentKeys(ctx context.Context, tx *wtx, conversationID int64) (map[uint64]struct{}, error) {
	rows, err := tx.QueryContext(ctx, `SELECT author_kind, client_id FROM messages
		WHERE conversation_id = ? AND client_id IS NOT NULL`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sent := map[uint64]struct{}{}
	for rows.Next() {
		var kind, clientID string
		if err := rows.Scan(&kind, &clientID); err != nil {
			return nil, err
		}
		sent[sentKey(parley.AuthorKind(kind), clientID)] = struct{}{}
	}
	return sent, rows.Err()
}

// messageByClientID finds the message an author of that kind sent with that key (among
// the conversation's messages: no index of keys is kept).
func messageByClientID(ctx context.Context, q querier, conversationID int64, kind parley.AuthorKind, clientID string) (*parley.Message, error) {
	return scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND author_kind = ? AND client_id = ?`, conversationID, string(kind), clientID))
}

// messageColumns are a message's, and those of its file, if any, from the files table
// (read by subqueries: files and messages share column names).
const messageColumns = `conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id,
	(SELECT f.name FROM files f WHERE f.id = file_id), (SELECT f.content_type FROM files f WHERE f.id = file_id),
	(SELECT f.size FROM files f WHERE f.id = file_id)`

func scanMessage(row scanner) (*parley.Message, error) {
	var m parley.Message
	var authorID, created, fileID, fileSize sql.NullInt64
	var clientID, fileName, fileType sql.NullString
	if err := row.Scan(&m.ConversationID, &m.Seq, &m.Author.Kind, &authorID, &m.Author.Name, &m.Body, &created, &clientID,
		&fileID, &fileName, &fileType, &fileSize); err != nil {
		return nil, err
	}
	if fileID.Valid {
		m.Attachment = &parley.Attachment{ID: fileID.Int64, Name: fileName.String, ContentType: fileType.String, Size: fileSize.Int64}
	}
	m.ClientID = clientID.String
	m.Author.ID = authorID.Int64
	m.CreatedAt = goTime(created)
	return &m, nil
}

// Messages lists the conversation's messages after afterSeq, oldest first, at most
// limit of them when limit is positive.
func (s *Store) Messages(ctx context.Context, conversationID, afterSeq int64, limit int) ([]*parley.Message, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	msgs, err := queryAll(ctx, s.read, scanMessage, `
		SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		conversationID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list messages of conversation %d: %w", conversationID, err)
	}
	if len(msgs) == 0 {
		// An unknown conversation is not the same as one with nothing new.
		if err := conversationExists(ctx, s.read, conversationID); err != nil {
			return nil, fmt.Errorf("list messages of conversation %d: %w", conversationID, err)
		}
	}
	return msgs, nil
}

// MarkRead records that the user read the conversation up to seq. The mark never moves
// backwards, and never past the conversation's last message.
func (s *Store) MarkRead(ctx context.Context, userID, conversationID, seq int64) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := conversationExists(ctx, tx, conversationID); err != nil {
			return err
		}
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		return markRead(ctx, tx, userID, conversationID, seq)
	})
	if err != nil {
		return fmt.Errorf("mark conversation %d read by user %d: %w", conversationID, userID, err)
	}
	return nil
}

func markRead(ctx context.Context, tx *wtx, userID, conversationID, seq int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO conversation_reads (user_id, conversation_id, last_read_seq)
		SELECT ?1, c.id, MAX(0, MIN(?3, `+lastSeq+`)) FROM conversations c WHERE c.id = ?2
		ON CONFLICT (user_id, conversation_id)
		DO UPDATE SET last_read_seq = MAX(last_read_seq, excluded.last_read_seq)`,
		userID, conversationID, seq)
	return err
}

// summaryQuery selects a conversation with what user ?1 needs to list it: the number of
// messages others wrote after what the user read (their read mark, or their own last
// message in it if later: whoever answers has read what came before; none once the
// conversation has ended), and the last message.
const summaryQuery = `SELECT ` + conversationColumns + `,
	CASE WHEN c.status = 'ended' THEN 0 ELSE (SELECT COUNT(*) FROM messages m
	 WHERE m.conversation_id = c.id
	   AND m.seq > MAX(
	       COALESCE((SELECT r.last_read_seq FROM conversation_reads r
	                 WHERE r.user_id = ?1 AND r.conversation_id = c.id), 0),
	       COALESCE((SELECT o.seq FROM messages o
	                 WHERE o.conversation_id = c.id AND o.author_kind = 'operator' AND o.author_id = ?1
	                 ORDER BY o.seq DESC LIMIT 1), 0))
	   AND NOT (m.author_kind = 'operator' AND m.author_id IS ?1)) END,
	lm.conversation_id, lm.seq, lm.author_kind, lm.author_id, lm.author_name, lm.body, lm.created_at
` + conversationJoins + `
	LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = ` + lastSeq

func scanSummary(row scanner) (*parley.ConversationSummary, error) {
	var unread int
	var lmConv, lmSeq, lmAuthorID, lmCreated sql.NullInt64
	var lmKind, lmName, lmBody sql.NullString
	c, err := scanConversation(row, &unread, &lmConv, &lmSeq, &lmKind, &lmAuthorID, &lmName, &lmBody, &lmCreated)
	if err != nil {
		return nil, err
	}
	s := &parley.ConversationSummary{Conversation: *c, Unread: unread}
	if lmSeq.Valid {
		s.LastMessage = &parley.Message{
			ConversationID: lmConv.Int64,
			Seq:            lmSeq.Int64,
			Author:         parley.Author{Kind: parley.AuthorKind(lmKind.String), Name: lmName.String, ID: lmAuthorID.Int64},
			Body:           lmBody.String,
			CreatedAt:      goTime(lmCreated),
		}
	}
	return s, nil
}

// OperatorConversations lists the conversations assigned to the operator, newest
// activity first.
func (s *Store) OperatorConversations(ctx context.Context, userID int64) ([]*parley.ConversationSummary, error) {
	list, err := queryAll(ctx, s.read, scanSummary, summaryQuery+`
		WHERE c.operator_id = ?1 ORDER BY `+lastMessageAt+` DESC, c.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list conversations of user %d: %w", userID, err)
	}
	return list, nil
}

// ConversationSummary returns one conversation as the user would list it.
func (s *Store) ConversationSummary(ctx context.Context, userID, conversationID int64) (*parley.ConversationSummary, error) {
	cs, err := scanSummary(s.read.QueryRowContext(ctx, summaryQuery+` WHERE c.id = ?2`, userID, conversationID))
	if errors.Is(err, sql.ErrNoRows) {
		err = errConversationNotFound(conversationID)
	}
	if err != nil {
		return nil, fmt.Errorf("get conversation %d for user %d: %w", conversationID, userID, err)
	}
	return cs, nil
}

// EndConversation ends the conversation and appends the notice, if any, as a system
// message.
func (s *Store) EndConversation(ctx context.Context, conversationID int64, notice string, now time.Time) (*parley.Conversation, *parley.Message, error) {
	now = orNow(now).UTC().Truncate(time.Microsecond)
	var c *parley.Conversation
	var m *parley.Message
	err := s.writeTracked(ctx, hooked(ctx, &c, parley.WebhookEnded, now, func(tx *wtx) error {
		status, err := conversationStatus(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if status == parley.StatusEnded {
			return parley.Errorf(parley.ECONFLICT, "Conversation %d has already ended.", conversationID)
		}
		var operatorID int64
		if err := tx.QueryRowContext(ctx, `UPDATE conversations SET status = 'ended', ended_at = ? WHERE id = ?
			RETURNING COALESCE(operator_id, 0)`, now.UnixMicro(), conversationID).Scan(&operatorID); err != nil {
			return err
		}
		tx.live.drop(conversationID)
		tx.a.ended(conversationID, operatorID)
		if notice != "" {
			m = &parley.Message{
				ConversationID: conversationID,
				Author:         parley.Author{Kind: parley.AuthorSystem},
				Body:           notice,
				CreatedAt:      now,
			}
			if err := appendMessage(ctx, tx, m); err != nil {
				return err
			}
		}
		c, err = conversation(ctx, tx, conversationID)
		return err
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("end conversation %d: %w", conversationID, err)
	}
	return c, m, nil
}

// RateConversation records the visitor's rating of an ended conversation; rating again
// replaces it.
func (s *Store) RateConversation(ctx context.Context, conversationID int64, r parley.Rating) error {
	if !parley.ValidScore(r.Score) {
		return parley.Errorf(parley.EINVALID, "A rating is 5, 3 or 1.")
	}
	err := s.writeTracked(ctx, func(tx *wtx) error {
		status, err := conversationStatus(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if status != parley.StatusEnded {
			return parley.Errorf(parley.ECONFLICT, "Only an ended conversation can be rated.")
		}
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET rating_score = ?, rating_comment = ? WHERE id = ?`,
			r.Score, r.Comment, conversationID)
		if err != nil {
			return err
		}
		c, err := conversation(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		now := time.Now()
		return enqueueWebhook(ctx, tx, parley.WebhookRated, parley.ConversationEvent(parley.WebhookRated, c, now), now)
	})
	if err != nil {
		return fmt.Errorf("rate conversation %d: %w", conversationID, err)
	}
	return nil
}

// firstSeq is the number of a start's first message, as a literal: with 1, the queries
// use the index of first messages' keys (messages_first_client_id).
func firstSeq(nc parley.NewConversation) string { return strconv.FormatInt(nc.FirstSeq(), 10) }
