package chat

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

// Data requests (admin): find what Parley holds about a person, export it, erase it.

// maxVisitorMatches bounds the visitors one search lists.
const maxVisitorMatches = 50

// VisitorSearch is what a search for a data request found: visitors by id or name, and
// the messages left with an email address.
type VisitorSearch struct {
	Visitors     []*parley.VisitorRecord  `json:"visitors"`
	LeftMessages []*parley.OfflineMessage `json:"left_messages"`
}

// FindVisitors looks for a person (admin): a visitor by id or by a part of their name,
// the messages left with an email address. At least one is needed.
func (s *Service) FindVisitors(ctx context.Context, actor *parley.User, q parley.VisitorQuery, email string) (*VisitorSearch, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can handle data requests.")
	}
	q.Name = strings.TrimSpace(q.Name)
	email = strings.TrimSpace(email)
	if q.ID < 0 || q.ConversationID < 0 {
		return nil, parley.Errorf(parley.EINVALID, "id and conversation_id must be positive integers.")
	}
	if q.ID == 0 && q.ConversationID == 0 && q.Name == "" && email == "" {
		return nil, parley.Errorf(parley.EINVALID, "Search by visitor id, conversation id, name or email.")
	}
	if err := parley.ValidateName("Name", q.Name, parley.MaxNameLength, false); err != nil {
		return nil, err
	}
	out := &VisitorSearch{Visitors: []*parley.VisitorRecord{}, LeftMessages: []*parley.OfflineMessage{}}
	if email != "" {
		if err := parley.ValidateEmail(email); err != nil {
			return nil, err
		}
		left, err := s.store.LeftMessagesOf(ctx, parley.DataSubject{Email: email})
		if err != nil {
			return nil, err
		}
		out.LeftMessages = left
	}
	if q.ID != 0 || q.ConversationID != 0 || q.Name != "" {
		found, err := s.store.FindVisitors(ctx, q, maxVisitorMatches)
		if err != nil {
			return nil, err
		}
		out.Visitors = found
	}
	return out, nil
}

// dataSubject checks a data request: the caller is an admin, the subject is valid, and
// its visitor, if any, exists.
func (s *Service) dataSubject(ctx context.Context, actor *parley.User, d parley.DataSubject) (parley.DataSubject, *parley.VisitorRecord, error) {
	if !actor.IsAdmin() {
		return d, nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can handle data requests.")
	}
	d, err := parley.ValidateDataSubject(d)
	if err != nil || d.VisitorID == 0 {
		return d, nil, err
	}
	found, err := s.store.FindVisitors(ctx, parley.VisitorQuery{ID: d.VisitorID}, 1)
	if err != nil {
		return d, nil, err
	}
	if len(found) == 0 {
		return d, nil, parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", d.VisitorID)
	}
	return d, found[0], nil
}

// ExportData gathers everything Parley holds about a person (admin): the visitor, their
// context and page views, their conversations with messages, ratings and files (described,
// with the address an admin downloads each from), and the messages left with the email.
// The export is recorded in the audit log.
func (s *Service) ExportData(ctx context.Context, actor *parley.User, d parley.DataSubject) (*parley.DataExport, error) {
	d, visitor, err := s.dataSubject(ctx, actor, d)
	if err != nil {
		return nil, err
	}
	out := &parley.DataExport{
		ExportedAt:    s.now().UTC(),
		Visitor:       visitor,
		PageViews:     []parley.PageView{},
		Conversations: []parley.ExportedConversation{},
		LeftMessages:  []*parley.OfflineMessage{},
	}
	if visitor != nil {
		vc, err := s.store.VisitorContext(ctx, d.VisitorID)
		if err != nil {
			return nil, err
		}
		if vc.UserAgent != "" || vc.Referrer != "" || !vc.UpdatedAt.IsZero() || len(vc.Languages) > 0 {
			out.Context = &parley.ExportedContext{UserAgent: vc.UserAgent, Browser: vc.Browser, OS: vc.OS,
				Languages: vc.Languages, Timezone: vc.Timezone, UTCOffsetMinutes: vc.UTCOffsetMinutes,
				Referrer: vc.Referrer, UpdatedAt: vc.UpdatedAt}
		}
		if out.PageViews, err = s.store.PageViews(ctx, d.VisitorID); err != nil {
			return nil, err
		}
		if out.Identities, err = s.store.VisitorIdentities(ctx, d.VisitorID); err != nil {
			return nil, err
		}
		convs, err := s.store.VisitorConversations(ctx, d.VisitorID, math.MaxInt64, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		slices.Reverse(convs) // oldest first
		for _, c := range convs {
			ec, err := s.exportConversation(ctx, c)
			if err != nil {
				return nil, err
			}
			out.Conversations = append(out.Conversations, ec)
		}
	}
	if out.LeftMessages, err = s.store.LeftMessagesOf(ctx, d); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditVisitorExport, "visitor", d.VisitorID, map[string]any{
		"conversations": len(out.Conversations), "left_messages": len(out.LeftMessages), "by_email": d.Email != "",
	})
	return out, nil
}

// exportConversation is one conversation with its messages and files.
func (s *Service) exportConversation(ctx context.Context, c *parley.Conversation) (parley.ExportedConversation, error) {
	ec := parley.ExportedConversation{
		ID: c.ID, ChannelID: c.ChannelID, Status: c.Status, Language: c.Language, PageURL: c.PageURL,
		Operator: c.OperatorName, CreatedAt: c.CreatedAt, Rating: c.Rating,
		AssignedAt: optTime(c.AssignedAt), EndedAt: optTime(c.EndedAt),
	}
	msgs, err := s.store.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		return ec, err
	}
	for _, m := range msgs {
		m.ClientID = "" // the sender's retry key: nothing about the person
	}
	ec.Messages = withFileURLs(msgs, operatorFileBase)
	files, err := s.store.ConversationFiles(ctx, c.ID)
	if err != nil {
		return ec, err
	}
	ec.Files = make([]parley.ExportedFile, len(files))
	for i, f := range files {
		by := "visitor"
		if f.UploadedBy != 0 {
			by = "operator"
		}
		ec.Files[i] = parley.ExportedFile{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
			SentBy: by, CreatedAt: f.CreatedAt, URL: operatorFileBase + itoa(f.ID)}
	}
	return ec, nil
}

// EraseData erases everything Parley holds about a person (admin), in one transaction
// that also writes the audit entry (who, when, which visitor, how much: never what).
// The visitor's conversations still going on end first, as if the visitor had left, so
// their operators' consoles are told; what remains of the conversations is an anonymous
// shell (parley.ErasedVisitorName, no messages), so that the team's figures stay true.
// The visitor's token stops working at once on every server: their widget starts over.
func (s *Service) EraseData(ctx context.Context, actor *parley.User, d parley.DataSubject) (*parley.Erased, error) {
	d, visitor, err := s.dataSubject(ctx, actor, d)
	if err != nil {
		return nil, err
	}
	var ended []int64
	if visitor != nil {
		convs, err := s.store.VisitorConversations(ctx, d.VisitorID, math.MaxInt64, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			ended = append(ended, c.ID)
			if c.Status == parley.StatusEnded {
				continue
			}
			if err := s.end(ctx, c, parley.VisitorLeftMessage, 0); err != nil && parley.ErrorCode(err) != parley.ECONFLICT {
				return nil, err
			}
		}
	}
	entry := parley.NewAuditEntry(actor, s.now(), parley.AuditVisitorErase, "visitor", auditID(d.VisitorID), nil)
	erased, err := s.store.EraseData(ctx, d, s.now(), entry)
	if err != nil {
		return nil, err
	}
	if visitor != nil {
		s.invalidate(ctx, parley.CacheNotice{Visitor: d.VisitorID, Ended: ended})
		// The operators' lists show the shells as they now are.
		for _, id := range ended {
			if c, err := s.store.Conversation(ctx, id); err == nil && c.OperatorID != 0 {
				s.publishConversation(ctx, c)
			}
		}
	}
	s.logger.Info("data erased", "visitor", d.VisitorID, "conversations", erased.Conversations, "left_messages", erased.LeftMessages, "by", actor.ID)
	return erased, nil
}

// operatorFileBase is where the console API serves a file, by id.
const operatorFileBase = "/api/files/"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// optTime is t, or nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
