package httpapi

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

func (s *Server) handleChannelStatus(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return s.widgetChannel(r, id)
}

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req chat.StartRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	req.ChannelID = id
	req.AcceptLanguage = r.Header.Get("Accept-Language")
	req.UserAgent = r.UserAgent()
	started, err := s.service.StartConversation(r.Context(), req)
	if err != nil {
		return 0, nil, err
	}
	if started.Created {
		s.metrics.conversations.WithLabelValues(string(started.Conversation.Status)).Inc()
		s.metrics.visitorMessages.Inc()
	}
	return created(started.Created), started, nil
}

// visitorRequest authenticates the visitor and parses the conversation id.
func (s *Server) visitorRequest(r *http.Request) (*parley.Visitor, int64, error) {
	v, err := s.visitorFrom(r)
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r)
	return v, id, err
}

func (s *Server) handleVisitorConversation(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.SeenConversation(r.Context(), v, id)
	return http.StatusOK, c, err
}

func (s *Server) handleVisitorMessages(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	after, err := afterSeq(r)
	if err != nil {
		return 0, nil, err
	}
	ms, err := s.service.VisitorMessages(r.Context(), v, id, after)
	return http.StatusOK, ms, err
}

func (s *Server) handleVisitorSend(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	m, isNew, err := s.sendVisitorMessage(r.Context(), v, s.clientIP(r), id, req.Body, req.ClientID)
	if err != nil {
		return 0, nil, err
	}
	return created(isNew), m, nil
}

// sendVisitorMessage is a visitor's send, by HTTP or by WebSocket frame: both count
// against the same limits, the visitor's and their address's.
func (s *Server) sendVisitorMessage(ctx context.Context, v *parley.Visitor, ip netip.Addr, id int64, body, clientID string) (*parley.Message, bool, error) {
	if err := s.limits.allowMessage(v.ID, ip); err != nil {
		return nil, false, err
	}
	m, isNew, err := s.service.SendVisitorMessage(ctx, v, id, body, clientID)
	if err == nil && isNew {
		s.metrics.visitorMessages.Inc()
	}
	return m, isNew, err
}

func (s *Server) handleVisitorEnd(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.EndByVisitor(r.Context(), v, id)
	return http.StatusOK, c, err
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	var rating parley.Rating
	if err := decode(w, r, &rating); err != nil {
		return 0, nil, err
	}
	c, err := s.service.Rate(r.Context(), v, id, rating)
	return http.StatusOK, c, err
}
