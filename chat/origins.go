package chat

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/parleychat/parley"
)

// MaxAllowedOrigins bounds a channel's list of websites.
const MaxAllowedOrigins = 50

// normalizeOrigins checks a channel's allowed origins and writes each as
// scheme://host[:port] in lower case, without duplicates.
func normalizeOrigins(list []string) ([]string, error) {
	if len(list) > MaxAllowedOrigins {
		return nil, parley.Errorf(parley.EINVALID, "A channel allows at most %d origins.", MaxAllowedOrigins)
	}
	out := make([]string, 0, len(list))
	for _, o := range list {
		n, ok := normalizeOrigin(o)
		if !ok {
			return nil, parley.Errorf(parley.EINVALID, "Origin %q is not a website origin such as https://www.example.com.", o)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func normalizeOrigin(o string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// allows reports whether a page of origin may use the channel's widget.
func allows(ch *parley.Channel, origin string) bool {
	if len(ch.AllowedOrigins) == 0 {
		return true
	}
	n, ok := normalizeOrigin(origin)
	return ok && slices.Contains(ch.AllowedOrigins, n)
}

// ChannelAllowsOrigin reports whether a page of origin may use the widget API of the channel.
func (s *Service) ChannelAllowsOrigin(ctx context.Context, channelID int64, origin string) (bool, error) {
	ch, err := s.store.Channel(ctx, channelID)
	if err != nil {
		return false, err
	}
	return allows(ch, origin), nil
}

// ConversationAllowsOrigin reports whether a page of origin may use the widget API of the
// conversation's channel.
func (s *Service) ConversationAllowsOrigin(ctx context.Context, conversationID int64, origin string) (bool, error) {
	c, err := s.store.Conversation(ctx, conversationID)
	if err != nil {
		return false, err
	}
	return s.ChannelAllowsOrigin(ctx, c.ChannelID, origin)
}

// VisitorAllowsOrigin reports whether a page of origin may open the visitor's WebSocket:
// one of the channels the visitor chats in must allow it.
func (s *Service) VisitorAllowsOrigin(ctx context.Context, v *parley.Visitor, origin string) (bool, error) {
	ids, err := s.store.VisitorChannels(ctx, v.ID)
	if err != nil || len(ids) == 0 {
		return err == nil, err
	}
	for _, id := range ids {
		if ok, err := s.ChannelAllowsOrigin(ctx, id, origin); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// VisitorConversationAllowsOrigin checks that a page of origin may use one of the
// visitor's conversations: it answers as the REST API does, EFORBIDDEN when the
// conversation's channel does not allow the website, ENOTFOUND when the conversation is
// not the visitor's. A visitor WebSocket opened by one website is thus kept to the
// conversations of the channels that allow it, whichever channel let it connect.
func (s *Service) VisitorConversationAllowsOrigin(ctx context.Context, v *parley.Visitor, id int64, origin string) error {
	r, err := s.visitorRoute(ctx, v, id)
	if err != nil {
		return err
	}
	ok, err := s.ChannelAllowsOrigin(ctx, r.ChannelID, origin)
	if err != nil {
		return err
	}
	if !ok {
		return ForbiddenOrigin(origin)
	}
	return nil
}

// ForbiddenOrigin is the refusal of a page of a website the channel does not allow.
func ForbiddenOrigin(origin string) error {
	return parley.Errorf(parley.EFORBIDDEN, "The website %s may not use this channel's widget.", origin)
}
