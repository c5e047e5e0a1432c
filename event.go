package parley

import (
	"context"
	"strconv"
	"time"

	fastjson "github.com/segmentio/encoding/json"
)

// Event types pushed over the WebSockets.
const (
	EventMessage      = "message"
	EventConversation = "conversation"
	EventChannel      = "channel"
	EventTyping       = "typing"
	// Offer and accept (offers.go), on the operator's topic: an offer made to them, an
	// offer of theirs ended (Reason: accepted, declined, missed, or withdrawn), and
	// their away for missed offers set or cleared (Away).
	EventOffer      = "offer"
	EventOfferEnded = "offer_ended"
	EventOffersAway = "offers_away"
)

// Event is one push to a client, encoded as API.md's WebSocket events.
type Event struct {
	Type           string       `json:"type"`
	ConversationID int64        `json:"conversation_id,omitempty"`
	Message        *Message     `json:"message,omitempty"`
	Conversation   any          `json:"conversation,omitempty"` // *OperatorConversation or *VisitorConversation
	Channel        *ChannelView `json:"channel,omitempty"`
	Name           string       `json:"name,omitempty"`
	Seq            int64        `json:"seq,omitempty"` // read: how far the operator has read
	Offer          *Offer       `json:"offer,omitempty"`
	Reason         string       `json:"reason,omitempty"`
	Away           *bool        `json:"away,omitempty"`
}

// EncodeEvent encodes ev as encoding/json does, byte for byte, in about half its time
// (BenchmarkEncodeEvent): a message event is encoded for every message stored, and JSON
// was a tenth of the server's work under load (docs/PERFORMANCE.md, seventh round).
func EncodeEvent(ev *Event) ([]byte, error) { return fastjson.Marshal(ev) }

// Bus carries encoded events between the parts of Parley, in one process (inmem) or
// between servers (natsbus). Publish is called only after the change it announces is
// committed.
type Bus interface {
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls deliver for every payload published on topic until cancel is
	// called; a payload being handed out while cancel runs may still reach it. deliver
	// must not block: it is called in turn with the other subscribers'. Subscribe fails
	// when the bus cannot subscribe (a broker that refuses or does not answer): then
	// nothing will be delivered, and cancel is nil.
	Subscribe(topic string, deliver func(payload []byte)) (cancel func(), err error)
}

// UserTopic is where the events of one operator are published.
func UserTopic(userID int64) string { return "user." + strconv.FormatInt(userID, 10) }

// VisitorTopic is where the events of one visitor are published.
func VisitorTopic(visitorID int64) string { return "visitor." + strconv.FormatInt(visitorID, 10) }

// OperatorConversation is a conversation as an operator sees it (API: GET /api/conversations).
type OperatorConversation struct {
	ID            int64              `json:"id"`
	ChannelID     int64              `json:"channel_id"`
	Status        ConversationStatus `json:"status"`
	Language      string             `json:"language"`
	Visitor       VisitorRef         `json:"visitor"`
	Operator      *OperatorRef       `json:"operator"`
	Unread        int                `json:"unread"`
	LastMessage   *Message           `json:"last_message"`
	QueuePosition int                `json:"queue_position,omitempty"`
	PageURL       string             `json:"page_url"`
	CreatedAt     time.Time          `json:"created_at"`
	EndedAt       *time.Time         `json:"ended_at"`
	Rating        *Rating            `json:"rating"`
}

// VisitorRef names the visitor of a conversation.
type VisitorRef struct {
	Name     string `json:"name"`
	Verified bool   `json:"verified,omitempty"` // their website vouched who they are (identity.go)
}

// OperatorRef names the operator of a conversation for other operators.
type OperatorRef struct {
	ID       int64  `json:"id"`
	ChatName string `json:"chat_name"`
}

// ForOperator returns the summary as an operator sees it.
func (s *ConversationSummary) ForOperator() *OperatorConversation {
	c := &s.Conversation
	oc := &OperatorConversation{
		ID:            c.ID,
		ChannelID:     c.ChannelID,
		Status:        c.Status,
		Language:      c.Language,
		Visitor:       VisitorRef{Name: c.VisitorName, Verified: c.VisitorVerified},
		Unread:        s.Unread,
		LastMessage:   s.LastMessage,
		QueuePosition: c.QueuePosition,
		PageURL:       c.PageURL,
		CreatedAt:     c.CreatedAt,
		Rating:        c.Rating,
	}
	if c.OperatorID != 0 {
		oc.Operator = &OperatorRef{ID: c.OperatorID, ChatName: c.OperatorName}
	}
	if !c.EndedAt.IsZero() {
		t := c.EndedAt
		oc.EndedAt = &t
	}
	return oc
}

// VisitorConversation is a conversation as its visitor sees it: the operator's chat name
// and nothing else about them.
type VisitorConversation struct {
	ID            int64              `json:"id"`
	ChannelID     int64              `json:"channel_id"`
	Status        ConversationStatus `json:"status"`
	QueuePosition int                `json:"queue_position"`
	// While queued (waiting.go): the estimated wait in seconds (omitted when none can be
	// given), and whether the channel's wait limit is passed, so that the widget also
	// offers the leave-a-message form.
	EstimatedWait int              `json:"estimated_wait,omitempty"`
	OfferMessage  bool             `json:"offer_message,omitempty"`
	Language      string           `json:"language"`
	Operator      *VisitorOperator `json:"operator"`
	CreatedAt     time.Time        `json:"created_at"`
	EndedAt       *time.Time       `json:"ended_at"`
	Rating        *Rating          `json:"rating"`
}

// VisitorOperator is the operator as a visitor sees them.
type VisitorOperator struct {
	Name string `json:"name"`
}

// ForVisitor returns the conversation as its visitor sees it.
func (c *Conversation) ForVisitor() *VisitorConversation {
	vc := &VisitorConversation{
		ID:            c.ID,
		ChannelID:     c.ChannelID,
		Status:        c.Status,
		QueuePosition: c.QueuePosition,
		Language:      c.Language,
		CreatedAt:     c.CreatedAt,
		Rating:        c.Rating,
	}
	if c.OperatorID != 0 {
		vc.Operator = &VisitorOperator{Name: c.OperatorName}
	}
	if !c.EndedAt.IsZero() {
		t := c.EndedAt
		vc.EndedAt = &t
	}
	return vc
}
