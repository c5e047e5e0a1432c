package parley

import (
	"context"
	"time"

	fastjson "github.com/segmentio/encoding/json"
)

// The live view: what supervisors (and admins) watch and steer — every operator with
// their presence and load, every queued conversation with its wait, every active one with
// how long its visitor has waited for an answer — and a conversation given by hand.

// LiveStore is the part of the Store the live view needs.
type LiveStore interface {
	// LiveConversations lists every conversation that has not ended (queued and active),
	// by id.
	LiveConversations(ctx context.Context) ([]*LiveConversation, error)
	// LiveConversation returns one conversation, ended or not, as LiveConversations
	// lists it.
	LiveConversation(ctx context.Context, id int64) (*LiveConversation, error)
	// AssignConversation gives a queued conversation to an operator by hand (see
	// HandAssignment): they must be an enabled member of its channel, available as
	// choose finds them (given them alone, asked with no cap); else ECONFLICT says why,
	// ENOTFOUND for an unknown conversation or user. It is decided in the write
	// transaction that records it, under the locks assignment takes, so that a
	// conversation is never given to two operators: of two hand assignments of one
	// conversation, the second finds it active and is refused (HandAssignment.Refused).
	// The operator given it is told with a system notice (JoinedMessage), returned.
	AssignConversation(ctx context.Context, a HandAssignment, choose Chooser) (*Conversation, *Message, error)
}

// LiveConversation is a conversation with the times the live view shows.
type LiveConversation struct {
	Conversation
	// QueuedSince is when it last entered its channel's queue (its start, a transfer to
	// a channel, its operator's account disabled); zero when it is not queued.
	QueuedSince time.Time
	// WaitingSince is the time of the visitor's first message after their operator's
	// last one: how long the visitor has waited for an answer. Zero when the operator
	// answered last, or when it is not active.
	WaitingSince time.Time
	// LastUnansweredAt is the time of the visitor's last message when the operator has
	// not answered since; zero as WaitingSince is.
	LastUnansweredAt time.Time
}

// HandAssignment gives a queued conversation to an operator by hand: a supervisor's
// choice from the live view, or an operator taking a chat from their channels' queue.
// The channel's cap does not hold it back (the cap limits automatic assignment: a
// conversation waits in the queue precisely when every available member is at the cap,
// so a hand assignment that kept the cap could almost never be made), but the operator
// must be available: a conversation given to someone who is not there would wait unseen.
type HandAssignment struct {
	ConversationID int64
	OperatorID     int64
	Now            time.Time
}

// Refused returns why the conversation, in the state the store found it in (its status
// and operator, named operatorName), cannot be given by hand; nil when it can.
func (a *HandAssignment) Refused(status ConversationStatus, operatorID int64, operatorName string) error {
	switch {
	case status == StatusEnded:
		return Errorf(ECONFLICT, "Conversation %d has ended.", a.ConversationID)
	case status != StatusQueued && operatorID == a.OperatorID:
		return Errorf(ECONFLICT, "%s already holds conversation %d.", operatorName, a.ConversationID)
	case status != StatusQueued:
		return Errorf(ECONFLICT, "Conversation %d is no longer waiting: %s has it.", a.ConversationID, operatorName)
	}
	return nil
}

// LiveTopic is the bus topic of the live view's events, which the consoles of
// supervisors and admins receive.
const LiveTopic = "live"

// The live view's events, on LiveTopic.
const (
	// EventLiveOperator: an operator's presence or channels changed.
	EventLiveOperator = "live_operator"
	// EventLiveConversation: a conversation was queued, assigned, transferred or ended.
	EventLiveConversation = "live_conversation"
	// EventLiveMessage: a visitor or an operator wrote (the visitor's wait for an
	// answer starts or ends; the conversation's last activity moves).
	EventLiveMessage = "live_message"
)

// EventQueue tells the members of a channel that its queue changed (a conversation came,
// was taken or left): their consoles read the queue again.
const EventQueue = "queue"

// LiveOperator is one operator as the live view shows them. Ongoing and Load come with
// the snapshot only: a console counts them from the conversations it is told of.
type LiveOperator struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	ChatName   string  `json:"chat_name"`
	Role       Role    `json:"role"`
	Status     Status  `json:"status"`
	ChannelIDs []int64 `json:"channel_ids"`
	// Disabled is set, in an event only, when their account was disabled or deleted:
	// they leave the live view.
	Disabled bool `json:"disabled,omitempty"`
	// Ongoing counts their ongoing conversations in every channel.
	Ongoing *int `json:"ongoing,omitempty"`
	// Load is their ongoing conversations per channel they joined or hold one in.
	Load []ChannelLoad `json:"load,omitempty"`
}

// ChannelLoad is an operator's ongoing conversations in one channel, against its cap.
type ChannelLoad struct {
	ChannelID int64 `json:"channel_id"`
	Ongoing   int   `json:"ongoing"`
	Cap       int   `json:"max_ongoing_per_operator"` // 0: no cap
}

// LiveConversationView is a conversation as the live view shows it.
type LiveConversationView struct {
	ID             int64              `json:"id"`
	ChannelID      int64              `json:"channel_id"`
	Status         ConversationStatus `json:"status"`
	Language       string             `json:"language"`
	Visitor        VisitorRef         `json:"visitor"`
	Operator       *OperatorRef       `json:"operator"`
	PageURL        string             `json:"page_url"`
	CreatedAt      time.Time          `json:"created_at"`
	QueuePosition  int                `json:"queue_position,omitempty"`
	QueuedSince    *time.Time         `json:"queued_since"`
	LastActivityAt time.Time          `json:"last_activity_at"`
	WaitingSince   *time.Time         `json:"waiting_since"`
	// LastUnansweredAt: the visitor's last message, while the operator has not answered.
	LastUnansweredAt *time.Time `json:"last_unanswered_at"`
	// OfferedTo: a queued conversation offered to this operator until OfferExpiresAt
	// (offers.go).
	OfferedTo      int64      `json:"offered_to,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
}

// View returns the conversation as the live view shows it.
func (c *LiveConversation) View() *LiveConversationView {
	v := &LiveConversationView{
		ID:             c.ID,
		ChannelID:      c.ChannelID,
		Status:         c.Status,
		Language:       c.Language,
		Visitor:        VisitorRef{Name: c.VisitorName},
		PageURL:        c.PageURL,
		CreatedAt:      c.CreatedAt,
		QueuePosition:  c.QueuePosition,
		LastActivityAt: c.LastMessageAt,
	}
	if c.OperatorID != 0 {
		v.Operator = &OperatorRef{ID: c.OperatorID, ChatName: c.OperatorName}
	}
	if c.Status == StatusQueued && !c.QueuedSince.IsZero() {
		t := c.QueuedSince
		v.QueuedSince = &t
	}
	if c.Status == StatusQueued && c.OfferedTo != 0 {
		t := c.OfferExpiresAt
		v.OfferedTo, v.OfferExpiresAt = c.OfferedTo, &t
	}
	if c.Status == StatusActive && !c.WaitingSince.IsZero() {
		t, last := c.WaitingSince, c.LastUnansweredAt
		if last.IsZero() {
			last = t
		}
		v.WaitingSince, v.LastUnansweredAt = &t, &last
	}
	return v
}

// LiveEvent is one event of the live view (or EventQueue), as consoles receive it.
type LiveEvent struct {
	Type           string                `json:"type"`
	Operator       *LiveOperator         `json:"operator,omitempty"`
	Conversation   *LiveConversationView `json:"conversation,omitempty"`
	ConversationID int64                 `json:"conversation_id,omitempty"`
	ChannelID      int64                 `json:"channel_id,omitempty"`
	// A live_message: its author's kind, number and time.
	Author    AuthorKind `json:"author,omitempty"`
	Seq       int64      `json:"seq,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// EncodeLiveEvent encodes ev as encoding/json would.
func EncodeLiveEvent(ev *LiveEvent) ([]byte, error) { return fastjson.Marshal(ev) }
