package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/chat"
)

// handleIdentify takes a visitor's identity token (the widget's data-identity-token or
// Parley.identify): the visitor token goes in the body, as with a start, or as the
// bearer; a browser with none gets one.
func (s *Server) handleIdentify(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req chat.IdentifyRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	if req.VisitorToken == "" {
		req.VisitorToken, _ = bearer(r)
	}
	req.ChannelID = id
	out, err := s.service.Identify(r.Context(), req)
	return http.StatusOK, out, err
}

func (s *Server) handleIdentitySecret(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	st, err := s.service.IdentitySecret(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, st, err
}

func (s *Server) handleRotateIdentitySecret(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	st, err := s.service.RotateIdentitySecret(r.Context(), userFrom(r.Context()), id)
	return http.StatusCreated, st, err
}

func (s *Server) handleRemoveIdentitySecret(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.service.RemoveIdentitySecret(r.Context(), userFrom(r.Context()), id)
}
