package chat

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/parleychat/parley"
)

// ConversationReport is the report q asks for, for a supervisor or an admin: the
// store's figures, each row named (the day, the operator's name, the channel's name),
// every day of the period present (a day without conversations has a row of zeros),
// days in order, operators and channels by conversations, most first.
func (s *Service) ConversationReport(ctx context.Context, actor *parley.User, q parley.ReportQuery) (*parley.Report, error) {
	if !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only supervisors and admins may read reports.")
	}
	rows, total, err := s.store.ConversationReport(ctx, q)
	if err != nil {
		return nil, err
	}
	total.Label = "Total"
	r := &parley.Report{
		From: q.From(), To: q.To(), TimeZone: q.TimeZone, Group: q.Group,
		ChannelID: q.ChannelID, OperatorID: q.OperatorID, Total: total,
	}
	switch q.Group {
	case parley.ReportByDay:
		byDay := make(map[string]parley.ReportRow, len(rows))
		for _, row := range rows {
			byDay[row.Key] = row
		}
		r.Rows = make([]parley.ReportRow, 0, len(q.Days))
		for _, d := range q.Days {
			row, ok := byDay[d.Date]
			if !ok {
				row = parley.ReportRow{Key: d.Date}
			}
			row.Label = d.Date
			r.Rows = append(r.Rows, row)
		}
	case parley.ReportByOperator:
		for i := range rows {
			rows[i].Label = s.reportUserName(ctx, rows[i].Key)
		}
		r.Rows = sortReportRows(rows)
	case parley.ReportByChannel:
		channels, err := s.store.Channels(ctx)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			rows[i].Label = "Channel " + rows[i].Key
			for _, ch := range channels {
				if strconv.FormatInt(ch.ID, 10) == rows[i].Key {
					rows[i].Label = ch.Name
				}
			}
		}
		r.Rows = sortReportRows(rows)
	}
	return r, nil
}

// reportUserName names the operator of a report's row by their user name.
func (s *Service) reportUserName(ctx context.Context, key string) string {
	if key == "" {
		return "No operator"
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return key
	}
	u, err := s.store.User(ctx, id)
	if err != nil { // deleted users are found by none of the store's methods
		return "Deleted user " + key
	}
	return u.Name
}

// sortReportRows orders rows by conversations, most first, then by label.
func sortReportRows(rows []parley.ReportRow) []parley.ReportRow {
	slices.SortFunc(rows, func(a, b parley.ReportRow) int {
		return cmp.Or(cmp.Compare(b.Conversations, a.Conversations), cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key))
	})
	return rows
}

// ReportQuery reads a report's parameters (parley.NewReportQuery) at the service's now.
func (s *Service) ReportQuery(from, to, tz, group string, channelID, operatorID int64) (parley.ReportQuery, error) {
	return parley.NewReportQuery(from, to, tz, group, channelID, operatorID, s.now())
}
