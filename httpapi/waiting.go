package httpapi

import (
	"net/http"
	"strconv"

	"github.com/parleychat/parley"
)

// Honest waiting (waiting.go at the root): a channel's wait limits (admins), and how good
// the estimates given to queued visitors were (supervisors and admins).

func (s *Server) handleWaitLimits(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	l, err := s.service.WaitLimits(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, l, err
}

func (s *Server) handleSetWaitLimits(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var l parley.WaitLimits
	if err := decode(w, r, &l); err != nil {
		return 0, nil, err
	}
	l, err = s.service.SetWaitLimits(r.Context(), userFrom(r.Context()), id, l)
	return http.StatusOK, l, err
}

// handleWaitAccuracy serves GET /api/reports/wait-estimates: for the conversations
// assigned out of a queue in a period (from, to, tz as the conversations report reads
// them; channel_id optional), the estimates given against the waits that followed.
func (s *Server) handleWaitAccuracy(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v := r.URL.Query()
	var channelID int64
	if raw := v.Get("channel_id"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return 0, nil, parley.Errorf(parley.EINVALID, "Query parameter channel_id=%q is not a positive integer.", raw)
		}
		channelID = n
	}
	q, err := s.service.ReportQuery(v.Get("from"), v.Get("to"), v.Get("tz"), "", channelID, 0)
	if err != nil {
		return 0, nil, err
	}
	a, err := s.service.WaitAccuracy(r.Context(), userFrom(r.Context()), q)
	return http.StatusOK, a, err
}
