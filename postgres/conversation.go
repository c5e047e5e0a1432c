package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// CreateVisitor adds v and sets its ID, its CreatedAt when zero, and its Name when
// empty ("Visitor #ID").
func (s *Store) CreateVisitor(ctx context.Context, v *parley.Visitor, tokenHash []byte) error {
	created := *v
	err := s.write(ctx, func(tx pgx.Tx) error {
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
func insertVisitor(ctx context.Context, tx pgx.Tx, v *parley.Visitor, tokenHash []byte) error {
	created := orNow(v.CreatedAt).UTC().Truncate(time.Microsecond)
	var id int64
	var name string
	err := tx.QueryRow(ctx, `INSERT INTO visitors (token_hash, name, created_at)
		VALUES ($1, $2, $3) RETURNING id, name`, tokenHash, v.Name, dbTime(created)).Scan(&id, &name)
	if isUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "Visitor already exists.")
	} else if err != nil {
		return err
	}
	if name == "" {
		name = visitorName(id)
		if _, err := tx.Exec(ctx, `UPDATE visitors SET name = $1 WHERE id = $2`, name, id); err != nil {
			return err
		}
	}
	v.ID, v.CreatedAt, v.Name = id, created, name
	return nil
}

// VisitorChannels lists the channels the visitor has conversations in, by id.
func (s *Store) VisitorChannels(ctx context.Context, visitorID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, s.pool, `SELECT DISTINCT channel_id FROM conversations WHERE visitor_id = $1 ORDER BY channel_id`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("list channels of visitor %d: %w", visitorID, err)
	}
	return ids, nil
}

func visitorName(id int64) string { return fmt.Sprintf("Visitor #%d", id) }

// VisitorByToken returns the visitor known by the hash of their token.
func (s *Store) VisitorByToken(ctx context.Context, tokenHash []byte) (*parley.Visitor, error) {
	var v parley.Visitor
	var created *int64
	err := s.pool.QueryRow(ctx, `SELECT id, name, created_at FROM visitors WHERE token_hash = $1`, tokenHash).
		Scan(&v.ID, &v.Name, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "Visitor not found.")
	} else if err != nil {
		return nil, fmt.Errorf("get visitor by token: %w", err)
	}
	v.CreatedAt = goTime(created)
	return &v, nil
}

// lastMessageAt is the time of conversation c's last activity: its last message, or its
// assignment if that came later.
const lastMessageAt = `GREATEST(COALESCE(c.assigned_at, 0), c.last_message_at)`

// conversationColumns and conversationJoins select what scanConversation reads. The
// operator's name is the one visitors see: the chat name, or the user's name.
const conversationColumns = `
	c.id, c.channel_id, c.status, c.language, c.visitor_id, v.name,
	COALESCE(c.operator_id, 0), COALESCE(NULLIF(u.chat_name, ''), u.name, ''),
	c.page_url, c.created_at, c.assigned_at, ` + lastMessageAt + `, c.ended_at, c.last_seq,
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
	var created, assigned, lastMessage, ended, offerExpires *int64
	var score *int32
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
	if score != nil {
		c.Rating = &parley.Rating{Score: int(*score), Comment: comment}
	}
	return &c, nil
}

func conversation(ctx context.Context, q querier, id int64) (*parley.Conversation, error) {
	c, err := scanConversation(q.QueryRow(ctx, `SELECT `+conversationColumns+conversationJoins+` WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	c, err := conversation(ctx, s.pool, id)
	if err != nil {
		return nil, fmt.Errorf("get conversation %d: %w", id, err)
	}
	return c, nil
}

// QueuedConversations lists the channel's queue, oldest first.
func (s *Store) QueuedConversations(ctx context.Context, channelID int64) ([]*parley.Conversation, error) {
	if err := channelExists(ctx, s.pool, channelID); err != nil {
		return nil, fmt.Errorf("list queue of channel %d: %w", channelID, err)
	}
	convs, err := queryConversations(ctx, s.pool, `WHERE c.channel_id = $1 AND c.status = 'queued' ORDER BY c.id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list queue of channel %d: %w", channelID, err)
	}
	return convs, nil
}

// lockChannel takes the channel's row lock for the rest of tx, which every assignment
// in the channel takes first: of several servers assigning in one channel, one decides
// at a time, on what the others committed. It returns the channel's cap, and found
// false for an unknown channel. FOR NO KEY UPDATE leaves alone the inserts that only
// refer to the channel (their foreign key check shares the row).
func lockChannel(ctx context.Context, tx pgx.Tx, channelID int64) (capacity int, found bool, err error) {
	capacity, _, found, err = lockChannelOffers(ctx, tx, channelID)
	return capacity, found, err
}

// lockChannelOffers is lockChannel that also returns the channel's offer_seconds
// (offers.go).
func lockChannelOffers(ctx context.Context, tx pgx.Tx, channelID int64) (capacity, offerSeconds int, found bool, err error) {
	err = tx.QueryRow(ctx, `SELECT max_ongoing_per_operator, offer_seconds FROM channels WHERE id = $1 FOR NO KEY UPDATE`,
		channelID).Scan(&capacity, &offerSeconds)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, false, nil
	}
	return capacity, offerSeconds, err == nil, err
}

// StartConversation creates the conversation of a visitor's first message and decides,
// in the same transaction and under the channel's lock, who gets it.
func (s *Store) StartConversation(ctx context.Context, nc parley.NewConversation, choose parley.Chooser) (*parley.Conversation, *parley.Message, bool, error) {
	now := orNow(nc.Now)
	var c *parley.Conversation
	var m *parley.Message
	created := false
	var newVisitor parley.Visitor
	err := s.write(ctx, func(tx pgx.Tx) error {
		c, m, created = nil, nil, false
		// The lock comes first: a start resent through another server at the same
		// time finds this one's conversation below, once this one has committed.
		capacity, offerSeconds, found, err := lockChannelOffers(ctx, tx, nc.ChannelID)
		if err != nil {
			return err
		}
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
			err := tx.QueryRow(ctx, `SELECT c.id FROM conversations c
				JOIN messages m ON m.conversation_id = c.id AND m.seq = `+firstSeq(nc)+`
				WHERE c.channel_id = $1 AND c.visitor_id = $2 AND m.author_kind = 'visitor' AND m.client_id = $3`,
				nc.ChannelID, nc.VisitorID, nc.ClientID).Scan(&id)
			if err == nil {
				if m, err = messageByClientID(ctx, tx, id, parley.AuthorVisitor, nc.ClientID); err != nil {
					return err
				}
				c, err = conversation(ctx, tx, id)
				return err
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if !found {
			return errChannelNotFound(nc.ChannelID)
		}
		var visitorName string
		err = tx.QueryRow(ctx, `SELECT name FROM visitors WHERE id = $1`, nc.VisitorID).Scan(&visitorName)
		if errors.Is(err, pgx.ErrNoRows) {
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
		status, operator, assigned := parley.StatusQueued, (*int64)(nil), (*int64)(nil)
		if operatorID != 0 {
			status, operator, assigned = parley.StatusActive, &operatorID, dbTime(now)
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO conversations (channel_id, visitor_id, operator_id, status, language, page_url,
				created_at, assigned_at, last_seq, last_message_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7) RETURNING id`,
			nc.ChannelID, nc.VisitorID, operator, string(status), nc.Language, nc.PageURL, now.UnixMicro(), assigned, nc.FirstSeq()).Scan(&id)
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
func replayStart(ctx context.Context, tx pgx.Tx, nc parley.NewConversation) (*parley.Visitor, int64, error) {
	var id, visitorID int64
	err := tx.QueryRow(ctx, `SELECT c.id, c.visitor_id FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE m.seq = `+firstSeq(nc)+` AND m.client_id = $1 AND m.author_kind = 'visitor'
		  AND c.channel_id = $2 AND c.created_at >= $3
		  AND NOT EXISTS (SELECT 1 FROM conversations o WHERE o.visitor_id = c.visitor_id AND o.id < c.id)
		ORDER BY c.id LIMIT 1`,
		nc.ClientID, nc.ChannelID, nc.ReplaySince.UnixMicro()).Scan(&id, &visitorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	v := parley.Visitor{ID: visitorID}
	var created *int64
	err = tx.QueryRow(ctx, `UPDATE visitors SET token_hash = $1 WHERE id = $2 RETURNING name, created_at`,
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
// back to, is passed over instead. It holds the channel's lock: of two servers
// draining one queue, the second sees what the first assigned.
func (s *Store) AssignQueued(ctx context.Context, channelID int64, now time.Time, choose parley.Chooser) ([]*parley.Conversation, error) {
	now = orNow(now)
	var assigned []*parley.Conversation
	err := s.write(ctx, func(tx pgx.Tx) error {
		capacity, offerSeconds, found, err := lockChannelOffers(ctx, tx, channelID)
		if err != nil {
			return err
		} else if !found {
			return errChannelNotFound(channelID)
		}
		assigned, err = drainQueue(ctx, tx, channelID, capacity, offerSeconds, now, choose)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign queued conversations of channel %d: %w", channelID, err)
	}
	return assigned, nil
}

// drainQueue is AssignQueued within tx, which holds the channel's lock; with offers on
// in the channel (offers.go), it offers instead of assigning, and passes over the
// conversations already offered.
func drainQueue(ctx context.Context, tx pgx.Tx, channelID int64, capacity, offerSeconds int, now time.Time, choose parley.Chooser) ([]*parley.Conversation, error) {
	assigned := []*parley.Conversation{}
	type queued struct {
		id, visitorID, exclude, offeredTo int64
		passed                            bool
		language                          string
	}
	queue, err := queryAll(ctx, tx, func(row scanner) (queued, error) {
		var q queued
		err := row.Scan(&q.id, &q.visitorID, &q.language, &q.exclude, &q.offeredTo, &q.passed)
		return q, err
	}, `SELECT id, visitor_id, language, COALESCE(handed_over_by, 0), COALESCE(offered_to, 0),
			EXISTS (SELECT 1 FROM offer_passes p WHERE p.conversation_id = conversations.id)
		FROM conversations
		WHERE channel_id = $1 AND status = 'queued' ORDER BY id`, channelID)
	if err != nil {
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
		_, err = tx.Exec(ctx, `
			UPDATE conversations
			SET status = 'active', operator_id = $1, assigned_at = $2
			WHERE id = $3`,
			operatorID, now.UnixMicro(), q.id)
		if err != nil {
			return nil, err
		}
		if err := recordRouting(ctx, tx, q.id, parley.RoutingQueue, now, &route); err != nil {
			return nil, err
		}
		if err := recordAssignment(ctx, tx, channelID, operatorID, now); err != nil {
			return nil, err
		}
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

// candidatesQuery reads every member of channel $1 as the assignment sees them: their
// languages, when they were last given a conversation, and their ongoing conversations
// (active, with activity after $2), in all channels and in this one. The count is a
// subquery per member, so that it reads the member's conversations by index whatever the
// statistics say (see the batch's statements in batch.go).
const candidatesQuery = `
	SELECT m.user_id, u.main_language, u.chat_languages, m.last_assigned_at, a.total, a.here
	FROM channel_members m
	JOIN users u ON u.id = m.user_id
	CROSS JOIN LATERAL (
		SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE c.channel_id = $1) AS here
		FROM conversations c
		WHERE c.operator_id = m.user_id AND c.status = 'active'
		  AND GREATEST(COALESCE(c.assigned_at, 0), c.last_message_at) > $2) a
	WHERE m.channel_id = $1
	ORDER BY m.user_id`

// candidates reads the channel's candidates at now within tx; Online is left to the
// chooser.
func candidates(ctx context.Context, tx pgx.Tx, channelID int64, now time.Time) ([]parley.Candidate, error) {
	since := now.Add(-parley.OngoingWindow).UnixMicro()
	return queryAll(ctx, tx, func(row scanner) (parley.Candidate, error) {
		var c parley.Candidate
		var main, chat string
		var last *int64
		if err := row.Scan(&c.OperatorID, &main, &chat, &last, &c.Load, &c.Ongoing); err != nil {
			return c, err
		}
		var langs []string
		if err := json.Unmarshal([]byte(chat), &langs); err != nil {
			return c, fmt.Errorf("chat languages of user %d: %w", c.OperatorID, err)
		}
		if main != "" {
			c.Languages = append(c.Languages, main)
		}
		for _, l := range langs {
			if l != main {
				c.Languages = append(c.Languages, l)
			}
		}
		c.LastAssigned = goTime(last)
		return c, nil
	}, candidatesQuery, channelID, since)
}

// decide reads the assignment snapshot of a channel inside tx, which holds the
// channel's lock, and asks choose (memory only: the lock is not held across any I/O
// but the database's); it returns the decision with its explanation: the chosen
// operator, or 0 when the conversation must wait in the queue. exclude is the operator
// who handed the conversation over, if any; conversationID the conversation decided
// about (0 for a new one), whose offer some may have missed.
func decide(ctx context.Context, tx pgx.Tx, channelID, conversationID, visitorID int64, capacity int, language string, exclude int64, now time.Time, choose parley.Chooser) (parley.Routing, error) {
	var none parley.Routing
	list, err := candidates(ctx, tx, channelID, now)
	if err != nil {
		return none, err
	}
	req := parley.AssignRequest{Cap: capacity, Language: language, Exclude: exclude}
	if err := withOffers(ctx, tx, channelID, conversationID, list, &req); err != nil {
		return none, err
	}
	err = tx.QueryRow(ctx, `
		SELECT operator_id FROM conversations
		WHERE visitor_id = $1 AND channel_id = $2 AND operator_id IS NOT NULL
		ORDER BY id DESC LIMIT 1`, visitorID, channelID).Scan(&req.PreviousOperatorID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return none, err
	}
	route := choose(req, list)
	operatorID := route.OperatorID
	if operatorID == 0 {
		return route, nil
	}
	if exclude != 0 && operatorID == exclude {
		return none, fmt.Errorf("chooser gave conversation back to user %d, who handed it over", operatorID)
	}
	for _, c := range list {
		if c.OperatorID == operatorID {
			return route, nil
		}
	}
	return none, fmt.Errorf("chooser picked user %d, who is not a member of channel %d", operatorID, channelID)
}

func recordAssignment(ctx context.Context, tx pgx.Tx, channelID, operatorID int64, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE channel_members SET last_assigned_at = $1 WHERE channel_id = $2 AND user_id = $3`,
		now.UnixMicro(), channelID, operatorID)
	return err
}

// insertMessage stores m, whose seq its conversation's row already counts.
func insertMessage(ctx context.Context, tx pgx.Tx, m *parley.Message) error {
	var authorID, fileID *int64
	if m.Author.ID != 0 {
		authorID = &m.Author.ID
	}
	if m.Attachment != nil {
		fileID = &m.Attachment.ID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.ConversationID, m.Seq, string(m.Author.Kind), authorID, m.Author.Name, m.Body, m.CreatedAt.UnixMicro(), nullString(m.ClientID), fileID)
	return err
}

// conversationStatus returns the status of the conversation, ENOTFOUND if unknown.
func conversationStatus(ctx context.Context, tx pgx.Tx, id int64) (parley.ConversationStatus, error) {
	var status parley.ConversationStatus
	err := tx.QueryRow(ctx, `SELECT status FROM conversations WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errConversationNotFound(id)
	}
	return status, err
}

// messageByClientID finds the message an author of that kind sent with that key.
func messageByClientID(ctx context.Context, q querier, conversationID int64, kind parley.AuthorKind, clientID string) (*parley.Message, error) {
	return scanMessage(q.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND author_kind = $2 AND client_id = $3`, conversationID, string(kind), clientID))
}

// messageColumns are a message's, and those of its file, if any, from the files table
// (read by subqueries: files and messages share column names).
const messageColumns = `conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id,
	(SELECT f.name FROM files f WHERE f.id = file_id), (SELECT f.content_type FROM files f WHERE f.id = file_id),
	(SELECT f.size FROM files f WHERE f.id = file_id)`

func scanMessage(row scanner) (*parley.Message, error) {
	var m parley.Message
	var authorID, created, fileID, fileSize *int64
	var clientID, fileName, fileType *string
	if err := row.Scan(&m.ConversationID, &m.Seq, &m.Author.Kind, &authorID, &m.Author.Name, &m.Body, &created, &clientID,
		&fileID, &fileName, &fileType, &fileSize); err != nil {
		return nil, err
	}
	if fileID != nil && fileName != nil && fileType != nil && fileSize != nil {
		m.Attachment = &parley.Attachment{ID: *fileID, Name: *fileName, ContentType: *fileType, Size: *fileSize}
	}
	if clientID != nil {
		m.ClientID = *clientID
	}
	if authorID != nil {
		m.Author.ID = *authorID
	}
	m.CreatedAt = goTime(created)
	return &m, nil
}

// Messages lists the conversation's messages after afterSeq, oldest first, at most
// limit of them when limit is positive.
func (s *Store) Messages(ctx context.Context, conversationID, afterSeq int64, limit int) ([]*parley.Message, error) {
	var n *int // NULL: no limit
	if limit > 0 {
		n = &limit
	}
	msgs, err := queryAll(ctx, s.pool, scanMessage, `
		SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		conversationID, afterSeq, n)
	if err != nil {
		return nil, fmt.Errorf("list messages of conversation %d: %w", conversationID, err)
	}
	if len(msgs) == 0 {
		// An unknown conversation is not the same as one with nothing new.
		if err := conversationExists(ctx, s.pool, conversationID); err != nil {
			return nil, fmt.Errorf("list messages of conversation %d: %w", conversationID, err)
		}
	}
	return msgs, nil
}

// MarkRead records that the user read the conversation up to seq. The mark never moves
// backwards, and never past the conversation's last message.
func (s *Store) MarkRead(ctx context.Context, userID, conversationID, seq int64) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
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

func markRead(ctx context.Context, tx pgx.Tx, userID, conversationID, seq int64) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO conversation_reads (user_id, conversation_id, last_read_seq)
		SELECT $1, c.id, GREATEST(0, LEAST($3, c.last_seq)) FROM conversations c WHERE c.id = $2
		ON CONFLICT (user_id, conversation_id)
		DO UPDATE SET last_read_seq = GREATEST(conversation_reads.last_read_seq, excluded.last_read_seq)`,
		userID, conversationID, seq)
	return err
}

// summaryQuery selects a conversation with what user $1 needs to list it: the number of
// messages others wrote after what the user read (their read mark, or their own last
// message in it if later: whoever answers has read what came before; none once the
// conversation has ended), and the last message.
const summaryQuery = `SELECT ` + conversationColumns + `,
	CASE WHEN c.status = 'ended' THEN 0 ELSE (SELECT COUNT(*) FROM messages m
	 WHERE m.conversation_id = c.id
	   AND m.seq > GREATEST(
	       COALESCE((SELECT r.last_read_seq FROM conversation_reads r
	                 WHERE r.user_id = $1 AND r.conversation_id = c.id), 0),
	       COALESCE((SELECT o.seq FROM messages o
	                 WHERE o.conversation_id = c.id AND o.author_kind = 'operator' AND o.author_id = $1
	                 ORDER BY o.seq DESC LIMIT 1), 0))
	   AND NOT (m.author_kind = 'operator' AND m.author_id IS NOT DISTINCT FROM $1)) END,
	lm.conversation_id, lm.seq, lm.author_kind, lm.author_id, lm.author_name, lm.body, lm.created_at
` + conversationJoins + `
	LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq`

func scanSummary(row scanner) (*parley.ConversationSummary, error) {
	var unread int
	var lmConv, lmSeq, lmAuthorID, lmCreated *int64
	var lmKind, lmName, lmBody *string
	c, err := scanConversation(row, &unread, &lmConv, &lmSeq, &lmKind, &lmAuthorID, &lmName, &lmBody, &lmCreated)
	if err != nil {
		return nil, err
	}
	s := &parley.ConversationSummary{Conversation: *c, Unread: unread}
	if lmSeq != nil {
		s.LastMessage = &parley.Message{
			ConversationID: *lmConv,
			Seq:            *lmSeq,
			Author:         parley.Author{Kind: parley.AuthorKind(*lmKind), Name: *lmName},
			Body:           *lmBody,
			CreatedAt:      goTime(lmCreated),
		}
		if lmAuthorID != nil {
			s.LastMessage.Author.ID = *lmAuthorID
		}
	}
	return s, nil
}

// OperatorConversations lists the conversations assigned to the operator, newest
// activity first.
func (s *Store) OperatorConversations(ctx context.Context, userID int64) ([]*parley.ConversationSummary, error) {
	list, err := queryAll(ctx, s.pool, scanSummary, summaryQuery+`
		WHERE c.operator_id = $1 ORDER BY `+lastMessageAt+` DESC, c.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list conversations of user %d: %w", userID, err)
	}
	return list, nil
}

// ConversationSummary returns one conversation as the user would list it.
func (s *Store) ConversationSummary(ctx context.Context, userID, conversationID int64) (*parley.ConversationSummary, error) {
	cs, err := scanSummary(s.pool.QueryRow(ctx, summaryQuery+` WHERE c.id = $2`, userID, conversationID))
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := s.write(ctx, hooked(ctx, &c, parley.WebhookEnded, now, func(tx pgx.Tx) error {
		// The update waits for the row's lock and checks the status again after it, so
		// that of two servers ending a conversation at once, the second is refused.
		var seq int64
		err := tx.QueryRow(ctx, `UPDATE conversations SET status = 'ended', ended_at = $1 WHERE id = $2
			AND status <> 'ended' RETURNING last_seq`, now.UnixMicro(), conversationID).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := conversationStatus(ctx, tx, conversationID); err != nil {
				return err
			}
			return parley.Errorf(parley.ECONFLICT, "Conversation %d has already ended.", conversationID)
		} else if err != nil {
			return err
		}
		m = nil
		if notice != "" {
			m = &parley.Message{
				ConversationID: conversationID,
				Seq:            seq + 1,
				Author:         parley.Author{Kind: parley.AuthorSystem},
				Body:           notice,
				CreatedAt:      now,
			}
			if _, err := tx.Exec(ctx, `UPDATE conversations SET last_seq = $1, last_message_at = $2 WHERE id = $3`,
				m.Seq, now.UnixMicro(), conversationID); err != nil {
				return err
			}
			if err := insertMessage(ctx, tx, m); err != nil {
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		status, err := conversationStatus(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if status != parley.StatusEnded {
			return parley.Errorf(parley.ECONFLICT, "Only an ended conversation can be rated.")
		}
		_, err = tx.Exec(ctx, `UPDATE conversations SET rating_score = $1, rating_comment = $2 WHERE id = $3`,
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
