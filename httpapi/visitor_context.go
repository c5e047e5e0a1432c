package httpapi

import (
	"net/http"

	"github.com/parleychat/parley/chat"
)

// handlePageView records a page the visitor viewed after their first message. It counts
// against the same limits as the visitor's messages.
func (s *Server) handlePageView(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, err := s.visitorFrom(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		URL      string `json:"url"`
		Title    string `json:"title"`
		Referrer string `json:"referrer"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowMessage(v.ID, s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	pv, err := s.service.RecordPageView(r.Context(), v, chat.PageViewRequest{URL: req.URL, Title: req.Title, Referrer: req.Referrer})
	return http.StatusCreated, pv, err
}

// handleVisitorInfo tells the operator about the visitor of a conversation they may read.
func (s *Server) handleVisitorInfo(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	info, err := s.service.VisitorInfo(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, info, err
}
