package parley

import (
	"context"
	"time"
)

// OfflineMessage is what a visitor leaves when no operator is online: the inbox of left
// messages. It is shared by the operators of its channel: one who opens it marks it read
// for all, one who replies or marks it handled does so for all.
type OfflineMessage struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Body      string `json:"body"`
	// PageURL is the page the visitor left it from; Language the enabled language their
	// browser's languages matched.
	PageURL  string `json:"page_url"`
	Language string `json:"language"`
	// VisitorID is the visitor who left it, when the widget had their token (a visitor
	// who chatted before); nil otherwise.
	VisitorID *int64 `json:"visitor_id"`
	// ConversationID is the queued conversation the visitor left it instead of waiting
	// in (waiting.go), which then ended; nil otherwise.
	ConversationID *int64    `json:"conversation_id"`
	CreatedAt      time.Time `json:"created_at"`
	// Read is set once an operator opened it; ReadAt is when it first was.
	Read   bool       `json:"read"`
	ReadAt *time.Time `json:"read_at"`
	// Handled is set by an operator once it needs nothing more, by HandledBy at
	// HandledAt; it may be set back to unhandled.
	Handled   bool          `json:"handled"`
	HandledAt *time.Time    `json:"handled_at"`
	HandledBy *int64        `json:"handled_by"`
	Replies   []*InboxReply `json:"replies"`
}

// InboxReply is an operator's answer to a left message, sent to the visitor by email.
type InboxReply struct {
	ID        int64     `json:"id"`
	MessageID int64     `json:"message_id"`
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"` // the user's name, as colleagues know them
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// InboxStore keeps the left messages, their states, the replies to them, and where each
// operator wants the notices of new ones (an email address; none when empty).
type InboxStore interface {
	// CreateOfflineMessage stores m and sets its ID, and its CreatedAt when zero; an
	// unknown channel or visitor is ENOTFOUND.
	CreateOfflineMessage(ctx context.Context, m *OfflineMessage) error
	// OfflineMessages lists every left message, newest first, each with its replies
	// (oldest first).
	OfflineMessages(ctx context.Context) ([]*OfflineMessage, error)
	OfflineMessage(ctx context.Context, id int64) (*OfflineMessage, error)
	// MarkOfflineMessageRead records that it was read at now, unless it was before.
	MarkOfflineMessageRead(ctx context.Context, id int64, now time.Time) (*OfflineMessage, error)
	// SetOfflineMessageHandled marks it handled by the user at now, or, with handled
	// false, not handled.
	SetOfflineMessageHandled(ctx context.Context, id, userID int64, handled bool, now time.Time) (*OfflineMessage, error)
	// AddInboxReply stores the reply, sets its ID, and marks the message read and
	// handled by its author, in one transaction.
	AddInboxReply(ctx context.Context, r *InboxReply) (*OfflineMessage, error)

	// NotifySettings are where the user wants the notices of messages left ("" for
	// nowhere) and in which channels (ids, sorted); SetNotifySettings replaces them. A
	// channel's notices go to those who chose it, whether they are its members at the
	// time or not: nobody is online when a message is left, and the thirty-minute rule
	// may have removed every member.
	NotifySettings(ctx context.Context, userID int64) (email string, channels []int64, err error)
	SetNotifySettings(ctx context.Context, userID int64, email string, channels []int64) error
	// ChannelNotifyEmails are the addresses of the enabled users who chose the
	// channel's notices and set an address, sorted, without repeats.
	ChannelNotifyEmails(ctx context.Context, channelID int64) ([]string, error)
}

// EventInbox tells an operator's consoles that the inbox changed (a message was left or
// read in one of their channels): the menu bar's count and the Inbox page read it again.
const EventInbox = "inbox"

// MaxEmailLength bounds an email address (RFC 5321's path limit).
const MaxEmailLength = 254
