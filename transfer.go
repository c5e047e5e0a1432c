package parley

import (
	"time"

	fastjson "github.com/segmentio/encoding/json"
)

// Transfer hands an active conversation over: to one operator of its channel, or to
// another channel (or its own again), where the usual rules assign it or queue it. The
// operator who hands it over (From) is never given it back by the rules: a queued
// conversation remembers them until another operator takes it.
type Transfer struct {
	ConversationID int64
	// From is the conversation's operator as the caller saw it: the store refuses the
	// transfer if the conversation has changed hands meanwhile.
	From int64
	// Exactly one of ToOperatorID and ToChannelID is set.
	ToOperatorID int64
	ToChannelID  int64
	Now          time.Time
}

// Refused returns why the conversation, in the state the store found it in (its status
// and operator), cannot be transferred as t asks; nil when it can.
func (t *Transfer) Refused(status ConversationStatus, operatorID int64) error {
	switch {
	case (t.ToOperatorID == 0) == (t.ToChannelID == 0):
		return Errorf(EINVALID, "A transfer names either an operator or a channel.")
	case status == StatusEnded:
		return Errorf(ECONFLICT, "Conversation %d has ended: it can no longer be transferred.", t.ConversationID)
	case status != StatusActive || operatorID == 0:
		return Errorf(ECONFLICT, "Conversation %d is waiting in the queue: it has no operator to hand it over.", t.ConversationID)
	case operatorID != t.From:
		return Errorf(ECONFLICT, "Conversation %d has just been handed to another operator.", t.ConversationID)
	}
	return nil
}

// JoinedMessage is the system notice the visitor reads when a conversation is handed to
// an operator: name is their chat name, or their name when they set none.
func JoinedMessage(name string) string { return name + " joined the conversation." }

// TransferRefusal says why the operator named name, a member of the channel, cannot be
// handed a conversation now: c is them as the chooser saw them (Online set by it).
func TransferRefusal(name string, c *Candidate, capacity int) *Error {
	if !c.Online && c.Away {
		return Errorf(ECONFLICT, "%s is away: their console is open, but they have been inactive too long.", name)
	}
	if !c.Online {
		return Errorf(ECONFLICT, "%s is offline.", name)
	}
	if c.OffersAway {
		return Errorf(ECONFLICT, "%s is away: they missed chat offers and have not said they are back.", name)
	}
	if capacity > 0 && c.Ongoing >= capacity {
		n := "conversations"
		if c.Ongoing == 1 {
			n = "conversation"
		}
		return Errorf(ECONFLICT, "%s already holds %d %s, the channel's limit.", name, c.Ongoing, n)
	}
	return Errorf(ECONFLICT, "%s cannot take a conversation now.", name)
}

// OperatorMessage is a message as the console sees it: an operator's message names its
// author by user id as well, so that colleagues who share a chat name are told apart.
// Visitors get the Message itself, whose author has no id.
type OperatorMessage struct {
	// Embedded by value: segmentio/encoding writes the empty omitempty fields of a
	// struct embedded by pointer (FuzzEncodeEvent found it).
	Message
	Author OperatorAuthor `json:"author"` // in place of Message.Author
}

// OperatorAuthor is a message's author as operators see it.
type OperatorAuthor struct {
	Kind AuthorKind `json:"kind"`
	Name string     `json:"name"`
	ID   int64      `json:"id,omitempty"` // the operator's user id; 0 (left out) for visitors and the system
}

// ForOperator returns the message as the console sees it.
func (m *Message) ForOperator() *OperatorMessage {
	return &OperatorMessage{Message: *m, Author: OperatorAuthor{Kind: m.Author.Kind, Name: m.Author.Name, ID: m.Author.ID}}
}

// ForOperators returns the messages as the console sees them.
func ForOperators(list []*Message) []*OperatorMessage {
	out := make([]*OperatorMessage, len(list))
	for i, m := range list {
		out[i] = m.ForOperator()
	}
	return out
}

// operatorMessageEvent is a message event as operators receive it.
type operatorMessageEvent struct {
	Type           string           `json:"type"`
	ConversationID int64            `json:"conversation_id,omitempty"`
	Message        *OperatorMessage `json:"message,omitempty"`
}

// EncodeOperatorEvent encodes ev as an operator's console receives it: as EncodeEvent
// does, except that an operator's message carries its author's id. Other events, and
// messages of visitors and of the system, are the same bytes for both sides.
func EncodeOperatorEvent(ev *Event) ([]byte, error) {
	if ev.Type != EventMessage || ev.Message == nil || ev.Message.Author.ID == 0 {
		return EncodeEvent(ev)
	}
	return fastjson.Marshal(&operatorMessageEvent{Type: ev.Type, ConversationID: ev.ConversationID, Message: ev.Message.ForOperator()})
}
