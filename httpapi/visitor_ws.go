package httpapi

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/parleychat/parley"
	fastjson "github.com/segmentio/encoding/json"
)

// originRecheck is how long a visitor WebSocket of another website keeps what it learnt
// of a conversation's channel before asking again: a channel's list of websites may
// change while the socket stays open.
const originRecheck = 10 * time.Second

// originFilter keeps the events of a visitor WebSocket opened by a page of another
// website than Parley's to the conversations whose channel allows that website. The
// upgrade only checked that one of the visitor's channels allows it. Only such sockets
// pay for the filter: one decode of the event's conversation id, and a look-up of its
// channel once per conversation every originRecheck.
type originFilter struct {
	s       *Server
	visitor *parley.Visitor
	origin  string

	mu       sync.Mutex
	verdicts map[int64]originVerdict // by conversation
}

type originVerdict struct {
	allowed bool
	until   time.Time
}

func newOriginFilter(s *Server, v *parley.Visitor, origin string) *originFilter {
	return &originFilter{s: s, visitor: v, origin: origin, verdicts: make(map[int64]originVerdict)}
}

// allows reports whether an event may reach the socket. It is called by the bus, so it
// never waits for more than the one read of a conversation's channel.
func (f *originFilter) allows(payload []byte) bool {
	var ev struct {
		ConversationID int64 `json:"conversation_id"`
		Conversation   struct {
			ID int64 `json:"id"`
		} `json:"conversation"`
	}
	if err := fastjson.Unmarshal(payload, &ev); err != nil {
		return false
	}
	id := ev.ConversationID
	if id == 0 {
		id = ev.Conversation.ID
	}
	if id == 0 {
		return true // about no conversation, so about no channel
	}
	now := time.Now()
	f.mu.Lock()
	v, ok := f.verdicts[id]
	f.mu.Unlock()
	if ok && now.Before(v.until) {
		return v.allowed
	}
	err := f.s.service.VisitorConversationAllowsOrigin(context.Background(), f.visitor, id, f.origin)
	if err != nil && parley.ErrorCode(err) == parley.EINTERNAL {
		f.s.logger.Error("check origin of visitor event", "conversation", id, "err", err)
		return false // not remembered: asked again at the next event
	}
	v = originVerdict{allowed: err == nil, until: now.Add(originRecheck)}
	f.mu.Lock()
	f.verdicts[id] = v
	f.mu.Unlock()
	return v.allowed
}

// visitorFrame does what a visitor's frame asks. A socket of another website (origin
// not empty) may act only on the conversations whose channel allows that website, as
// the REST API; typing beyond the address's budget is dropped without an answer, since
// the widget sends it as the person types.
func (s *Server) visitorFrame(ctx context.Context, v *parley.Visitor, ip netip.Addr, origin string, f clientFrame) (*parley.Event, error) {
	switch f.Type {
	case "typing":
		if s.limits.allowTyping(ip) != nil {
			return nil, nil
		}
		if origin != "" {
			if err := s.service.VisitorConversationAllowsOrigin(ctx, v, f.ConversationID, origin); err != nil {
				return nil, err
			}
		}
		return nil, s.service.VisitorTyping(ctx, v, f.ConversationID)
	case "send":
		if origin != "" {
			if err := s.service.VisitorConversationAllowsOrigin(ctx, v, f.ConversationID, origin); err != nil {
				return nil, err
			}
		}
		return sentReply(s.sendVisitorMessage(ctx, v, ip, f.ConversationID, f.Body, f.ClientID))
	default:
		return nil, parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
	}
}
