package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/chat"
)

func (s *Server) handleCannedResponses(w http.ResponseWriter, r *http.Request) (int, any, error) {
	list, err := s.service.CannedResponses(r.Context(), userFrom(r.Context()))
	return http.StatusOK, list, err
}

func (s *Server) handleCreateCannedResponse(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var n chat.NewCannedResponse
	if err := decode(w, r, &n); err != nil {
		return 0, nil, err
	}
	cr, err := s.service.CreateCannedResponse(r.Context(), userFrom(r.Context()), n)
	return http.StatusCreated, cr, err
}

func (s *Server) handleUpdateCannedResponse(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var e chat.CannedResponseEdit
	if err := decode(w, r, &e); err != nil {
		return 0, nil, err
	}
	cr, err := s.service.UpdateCannedResponse(r.Context(), userFrom(r.Context()), id, e)
	return http.StatusOK, cr, err
}

func (s *Server) handleDeleteCannedResponse(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.DeleteCannedResponse(r.Context(), userFrom(r.Context()), id)
}

func (s *Server) handleUseCannedResponse(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.UseCannedResponse(r.Context(), userFrom(r.Context()), id)
}
