package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleychat/parley"
)

// handleConversationReport serves GET /api/reports/conversations: the figures of the
// conversations of a period per day, operator or channel, as JSON or (format=csv) as a
// CSV file to download. Supervisors and admins only.
func (s *Server) handleConversationReport(w http.ResponseWriter, r *http.Request) {
	report, csv, err := s.conversationReport(r)
	switch {
	case err != nil:
		writeError(w, r, s.logger, err)
	case !csv:
		writeJSON(w, http.StatusOK, report)
	default:
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", ContentDisposition("attachment",
			fmt.Sprintf("parley-conversations-%s-%s-by-%s.csv", report.From, report.To, report.Group)))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		writeReportCSV(w, report)
	}
}

// conversationReport reads the request's parameters and computes the report; csv tells
// whether it was asked for as CSV.
func (s *Server) conversationReport(r *http.Request) (report *parley.Report, csv bool, err error) {
	v := r.URL.Query()
	id := func(name string) (int64, error) {
		raw := v.Get(name)
		if raw == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return 0, parley.Errorf(parley.EINVALID, "Query parameter %s=%q is not a positive integer.", name, raw)
		}
		return n, nil
	}
	channelID, err := id("channel_id")
	if err != nil {
		return nil, false, err
	}
	operatorID, err := id("operator_id")
	if err != nil {
		return nil, false, err
	}
	format := v.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return nil, false, parley.Errorf(parley.EINVALID, "Format must be json or csv.")
	}
	q, err := s.service.ReportQuery(v.Get("from"), v.Get("to"), v.Get("tz"), v.Get("group"), channelID, operatorID)
	if err != nil {
		return nil, false, err
	}
	report, err = s.service.ConversationReport(r.Context(), userFrom(r.Context()), q)
	return report, format == "csv", err
}

// reportColumns are the CSV's columns after the row's name, as the JSON names them.
var reportColumns = []string{
	"conversations", "answered", "first_answer_median", "first_answer_p90",
	"queued", "queue_wait_median", "queue_wait_p90", "ended", "duration_median", "messages",
	"rated", "good", "okay", "bad", "good_share", "okay_share", "bad_share", "missed", "missed_in_queue",
}

// writeReportCSV writes the report's rows, then its total, one line each; an empty cell
// is a figure that has no value (no conversation answered, none rated...). Names that a
// spreadsheet would read as a formula are quoted with an apostrophe.
func writeReportCSV(w http.ResponseWriter, rep *parley.Report) {
	out := csv.NewWriter(w)
	out.Write(append([]string{string(rep.Group), "key"}, reportColumns...))
	line := func(r parley.ReportRow) {
		n := func(v int64) string { return strconv.FormatInt(v, 10) }
		f := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', -1, 64)
		}
		out.Write([]string{
			csvText(r.Label), csvText(r.Key),
			n(r.Conversations), n(r.Answered), f(r.FirstAnswerMedian), f(r.FirstAnswerP90),
			n(r.Queued), f(r.QueueWaitMedian), f(r.QueueWaitP90), n(r.Ended), f(r.DurationMedian), n(r.Messages),
			n(r.Rated), n(r.Good), n(r.Okay), n(r.Bad), f(r.GoodShare), f(r.OkayShare), f(r.BadShare),
			n(r.Missed), n(r.MissedInQueue),
		})
	}
	for _, r := range rep.Rows {
		line(r)
	}
	line(rep.Total)
	out.Flush()
}

// csvText keeps a spreadsheet from running a name as a formula (CSV injection).
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
