package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
)

// GET /api/channels/{id}/script: the channel's chatbot script (admin).
func (s *Server) handleChatbotScript(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	script, err := s.service.ChatbotScript(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, script, err
}

// PUT /api/channels/{id}/script {"enabled","steps":[…]}: replaces it, checked (admin).
func (s *Server) handleSetChatbotScript(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req parley.ChatbotScript
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	script, err := s.service.SetChatbotScript(r.Context(), userFrom(r.Context()), id, &req)
	return http.StatusOK, script, err
}

// DELETE /api/channels/{id}/script: turns the chatbot off and forgets its script (admin).
func (s *Server) handleDeleteChatbotScript(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.DeleteChatbotScript(r.Context(), userFrom(r.Context()), id)
}
