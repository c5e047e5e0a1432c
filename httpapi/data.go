package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/parleychat/parley"
)

// The audit log, data requests and the retention rule (admins only).

// queryInt parses an optional non-negative integer query parameter (0 when absent).
func queryInt(r *http.Request, name string) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, parley.Errorf(parley.EINVALID, "Query parameter %s=%q is not a non-negative integer.", name, raw)
	}
	return n, nil
}

func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var q parley.AuditQuery
	var err error
	if q.Before, err = queryInt(r, "before"); err != nil {
		return 0, nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	if r.URL.Query().Has("limit") && limit == 0 {
		return 0, nil, parley.Errorf(parley.EINVALID, "limit must be between 1 and %d.", parley.MaxAuditLimit)
	}
	q.Limit = int(min(limit, parley.MaxAuditLimit+1))
	if q.ActorID, err = queryInt(r, "actor_id"); err != nil {
		return 0, nil, err
	}
	q.Action = r.URL.Query().Get("action")
	list, err := s.service.AuditLog(r.Context(), userFrom(r.Context()), q)
	return http.StatusOK, list, err
}

func (s *Server) handleFindVisitors(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := queryInt(r, "id")
	if err != nil {
		return 0, nil, err
	}
	conv, err := queryInt(r, "conversation_id")
	if err != nil {
		return 0, nil, err
	}
	q := parley.VisitorQuery{ID: id, ConversationID: conv, Name: r.URL.Query().Get("name")}
	found, err := s.service.FindVisitors(r.Context(), userFrom(r.Context()), q, r.URL.Query().Get("email"))
	return http.StatusOK, found, err
}

func (s *Server) handleExportData(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := queryInt(r, "visitor_id")
	if err != nil {
		return 0, nil, err
	}
	d := parley.DataSubject{VisitorID: id, Email: r.URL.Query().Get("email")}
	out, err := s.service.ExportData(r.Context(), userFrom(r.Context()), d)
	if err != nil {
		return 0, nil, err
	}
	name := "parley-data-email.json"
	if id != 0 {
		name = fmt.Sprintf("parley-data-visitor-%d.json", id)
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return http.StatusOK, out, nil
}

func (s *Server) handleEraseData(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req struct {
		VisitorID int64  `json:"visitor_id"`
		Email     string `json:"email"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	erased, err := s.service.EraseData(r.Context(), userFrom(r.Context()), parley.DataSubject{VisitorID: req.VisitorID, Email: req.Email})
	return http.StatusOK, erased, err
}

func (s *Server) handleRetentionSettings(w http.ResponseWriter, r *http.Request) (int, any, error) {
	rs, err := s.service.RetentionSettings(r.Context(), userFrom(r.Context()))
	return http.StatusOK, rs, err
}

func (s *Server) handleSetRetentionSettings(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req struct {
		Days *int `json:"days"` // null: keep forever
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	days := 0
	if req.Days != nil {
		days = *req.Days
	}
	rs, err := s.service.SetRetentionSettings(r.Context(), userFrom(r.Context()), days)
	return http.StatusOK, rs, err
}
