package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/chat"
)

// Webhooks (admins only): the webhooks, their delivery log and "Send test".

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) (int, any, error) {
	list, err := s.service.Webhooks(r.Context(), userFrom(r.Context()))
	return http.StatusOK, list, err
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var ch chat.WebhookChange
	if err := decode(w, r, &ch); err != nil {
		return 0, nil, err
	}
	hook, err := s.service.CreateWebhook(r.Context(), userFrom(r.Context()), ch)
	return http.StatusCreated, hook, err
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var ch chat.WebhookChange
	if err := decode(w, r, &ch); err != nil {
		return 0, nil, err
	}
	hook, err := s.service.UpdateWebhook(r.Context(), userFrom(r.Context()), id, ch)
	return http.StatusOK, hook, err
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.DeleteWebhook(r.Context(), userFrom(r.Context()), id)
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	list, err := s.service.WebhookDeliveries(r.Context(), userFrom(r.Context()), id, int(min(limit, 1000)))
	return http.StatusOK, list, err
}

func (s *Server) handleTestWebhook(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	d, err := s.service.TestWebhook(r.Context(), userFrom(r.Context()), id)
	return http.StatusAccepted, d, err
}
