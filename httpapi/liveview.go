package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
)

// The live view of supervisors and admins, and hand assignment (chat/liveview.go).

func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) (int, any, error) {
	live, err := s.service.Live(r.Context(), userFrom(r.Context()))
	return http.StatusOK, live, err
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) (int, any, error) {
	list, err := s.service.Queue(r.Context(), userFrom(r.Context()))
	return http.StatusOK, list, err
}

// assignRequest names the operator given a queued conversation.
type assignRequest struct {
	OperatorID *int64 `json:"operator_id"`
}

func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req assignRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.OperatorID == nil || *req.OperatorID <= 0 {
		return 0, nil, parley.Errorf(parley.EINVALID, `Field "operator_id" must be a positive integer.`)
	}
	c, err := s.service.Assign(r.Context(), userFrom(r.Context()), id, *req.OperatorID)
	return http.StatusOK, c, err
}

func (s *Server) handleTake(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.Take(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, c, err
}
