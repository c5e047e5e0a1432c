package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
)

// GET /api/channels/{id}/rules: the channel's rules per page and business hours (admin).
func (s *Server) handleChannelRules(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	cr, err := s.service.ChannelRules(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, cr, err
}

// PUT /api/channels/{id}/rules {"rules":[…]}: replaces the ordered rules (admin).
func (s *Server) handleSetChannelRules(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Rules []parley.ChannelRule `json:"rules"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	cr, err := s.service.SetChannelRules(r.Context(), userFrom(r.Context()), id, req.Rules)
	return http.StatusOK, cr, err
}

// PUT /api/channels/{id}/hours {"enabled","time_zone","week","holidays"} (admin).
func (s *Server) handleSetChannelHours(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req parley.BusinessHours
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	cr, err := s.service.SetChannelHours(r.Context(), userFrom(r.Context()), id, &req)
	return http.StatusOK, cr, err
}
