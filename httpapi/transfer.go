package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// transferRequest names where a conversation goes: exactly one of the two.
type transferRequest struct {
	OperatorID *int64 `json:"operator_id"`
	ChannelID  *int64 `json:"channel_id"`
}

func (s *Server) handleTransfer(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req transferRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	var to chat.TransferTo
	switch {
	case (req.OperatorID == nil) == (req.ChannelID == nil):
		return 0, nil, parley.Errorf(parley.EINVALID, `Give exactly one of "operator_id" and "channel_id".`)
	case req.OperatorID != nil && *req.OperatorID <= 0:
		return 0, nil, parley.Errorf(parley.EINVALID, `Field "operator_id" must be a positive integer.`)
	case req.ChannelID != nil && *req.ChannelID <= 0:
		return 0, nil, parley.Errorf(parley.EINVALID, `Field "channel_id" must be a positive integer.`)
	case req.OperatorID != nil:
		to.OperatorID = *req.OperatorID
	default:
		to.ChannelID = *req.ChannelID
	}
	c, err := s.service.Transfer(r.Context(), userFrom(r.Context()), id, to)
	return http.StatusOK, c, err
}

func (s *Server) handleLeaveConversation(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := s.service.Leave(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, c, err
}
