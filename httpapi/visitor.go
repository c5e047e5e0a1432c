package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

func (s *Server) handleChannelStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	st, err := s.service.ChannelStatus(r.Context(), id)
	reply(w, r, s, http.StatusOK, st, err)
}

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	var req chat.StartRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		writeLimited(w, r, s.logger, err)
		return
	}
	req.ChannelID = id
	req.AcceptLanguage = r.Header.Get("Accept-Language")
	started, err := s.service.StartConversation(r.Context(), req)
	if err == nil {
		s.metrics.conversations.WithLabelValues(string(started.Conversation.Status)).Inc()
		s.metrics.messages.WithLabelValues(string(parley.AuthorVisitor)).Inc()
	}
	reply(w, r, s, http.StatusCreated, started, err)
}

func (s *Server) handleOfflineMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	var req struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Body  string `json:"body"`
	}
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		writeLimited(w, r, s.logger, err)
		return
	}
	m, err := s.service.LeaveOfflineMessage(r.Context(), id, parley.OfflineMessage{Name: req.Name, Email: req.Email, Body: req.Body})
	reply(w, r, s, http.StatusCreated, m, err)
}

// visitorRequest authenticates the visitor and parses the conversation id.
func (s *Server) visitorRequest(w http.ResponseWriter, r *http.Request) (*parley.Visitor, int64, bool) {
	v, err := s.visitorFrom(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return nil, 0, false
	}
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return nil, 0, false
	}
	return v, id, true
}

func (s *Server) handleVisitorConversation(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.visitorRequest(w, r)
	if !ok {
		return
	}
	c, err := s.service.VisitorConversation(r.Context(), v, id)
	reply(w, r, s, http.StatusOK, c, err)
}

func (s *Server) handleVisitorMessages(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.visitorRequest(w, r)
	if !ok {
		return
	}
	after, err := afterSeq(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ms, err := s.service.VisitorMessages(r.Context(), v, id, after)
	reply(w, r, s, http.StatusOK, ms, err)
}

func (s *Server) handleVisitorSend(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.visitorRequest(w, r)
	if !ok {
		return
	}
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	if err := s.limits.allowMessage(v.ID); err != nil {
		writeLimited(w, r, s.logger, err)
		return
	}
	m, err := s.service.SendVisitorMessage(r.Context(), v, id, req.Body)
	if err == nil {
		s.metrics.messages.WithLabelValues(string(parley.AuthorVisitor)).Inc()
	}
	reply(w, r, s, http.StatusCreated, m, err)
}

func (s *Server) handleVisitorEnd(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.visitorRequest(w, r)
	if !ok {
		return
	}
	c, err := s.service.EndByVisitor(r.Context(), v, id)
	reply(w, r, s, http.StatusOK, c, err)
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.visitorRequest(w, r)
	if !ok {
		return
	}
	var rating parley.Rating
	if err := decode(w, r, &rating); err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	c, err := s.service.Rate(r.Context(), v, id, rating)
	reply(w, r, s, http.StatusOK, c, err)
}
