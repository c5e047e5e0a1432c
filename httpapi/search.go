package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// handleSearch is GET /api/search: conversations by the words of their messages, the
// visitor, operator, channel, rating and dates, as far as the caller may read them.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) (int, any, error) {
	req, err := searchRequest(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	page, err := s.service.Search(r.Context(), userFrom(r.Context()), req)
	return http.StatusOK, page, err
}

// searchRequest reads the query parameters of a search; any that cannot be read is a
// 400 naming it.
func searchRequest(v url.Values) (chat.SearchRequest, error) {
	req := chat.SearchRequest{Text: v.Get("q"), Visitor: strings.TrimSpace(v.Get("visitor"))}
	ints := []struct {
		name string
		dst  *int64
	}{{"operator_id", &req.OperatorID}, {"channel_id", &req.ChannelID}, {"before", &req.Before}}
	for _, p := range ints {
		raw := v.Get(p.name)
		if raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return req, parley.Errorf(parley.EINVALID, "Query parameter %s=%q is not a positive integer.", p.name, raw)
		}
		*p.dst = n
	}
	if raw := v.Get("rating"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || !parley.ValidScore(n) {
			return req, parley.Errorf(parley.EINVALID, "Query parameter rating=%q is not 5 (good), 3 (okay) or 1 (bad).", raw)
		}
		req.Rating = n
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > parley.MaxSearchLimit {
			return req, parley.Errorf(parley.EINVALID, "Query parameter limit=%q is not a number from 1 to %d.", raw, parley.MaxSearchLimit)
		}
		req.Limit = n
	}
	var err error
	if req.From, err = searchTime(v, "from", false); err != nil {
		return req, err
	}
	if req.To, err = searchTime(v, "to", true); err != nil {
		return req, err
	}
	return req, nil
}

// searchTime reads a date (YYYY-MM-DD, a whole day in UTC: to= includes it) or a time
// (RFC 3339, to= excludes it).
func searchTime(v url.Values, name string, end bool) (time.Time, error) {
	raw := v.Get(name)
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, raw); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, parley.Errorf(parley.EINVALID, "Query parameter %s=%q is neither a date (2006-01-02) nor a time (2006-01-02T15:04:05Z).", name, raw)
	}
	return t.UTC(), nil
}
