package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
)

// routingResponse is a conversation's routing: the latest decision, and every decision
// oldest first.
type routingResponse struct {
	Latest  *parley.Routing   `json:"latest"`
	History []*parley.Routing `json:"history"`
}

func (s *Server) handleRouting(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	rs, err := s.service.ConversationRouting(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		return 0, nil, err
	}
	res := routingResponse{History: rs}
	if len(rs) > 0 {
		res.Latest = rs[len(rs)-1]
	}
	return http.StatusOK, res, nil
}
