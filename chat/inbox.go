package chat

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/parleychat/parley"
)

// The inbox of left messages, and the emails: a notice to the operators who asked for
// them when a message is left, and the operators' replies to the visitor.

// EmailEnabled reports whether this server sends emails (an SMTP server is set).
func (s *Service) EmailEnabled() bool { return s.mailer != nil }

// ErrNoEmail refuses what needs an email when this server sends none.
var ErrNoEmail = parley.Errorf(parley.ECONFLICT, "Email is not set up on this server (an admin sets the SMTP server: --smtp-host), so nothing can be sent by email.")

// sendMail queues e; the mailer delivers it in the background and logs what fails.
func (s *Service) sendMail(ctx context.Context, what string, e parley.Email) {
	if s.mailer == nil {
		return
	}
	if err := s.mailer.Send(ctx, e); err != nil {
		s.logger.Error("queue email", "what", what, "err", err)
	}
}

// validEmail checks an email address as a visitor or an operator types it.
func validEmail(field, addr string) error {
	if err := parley.ValidateName(field, addr, parley.MaxEmailLength, true); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
		return parley.Errorf(parley.EINVALID, "%s %q is not a valid address.", field, addr)
	}
	return nil
}

// LeftMessage is what the widget sends to leave a message.
type LeftMessage struct {
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Body      string   `json:"body"`
	PageURL   string   `json:"page_url"`
	Languages []string `json:"languages"`
	// ConversationID is the visitor's queued conversation they leave the message instead
	// of waiting in (waiting.go): it ends, and the message names it. 0: none.
	ConversationID int64 `json:"conversation_id"`
	// Not from the body: the request's Accept-Language, and the visitor whose token
	// the widget sent (nil without one).
	AcceptLanguage string          `json:"-"`
	Visitor        *parley.Visitor `json:"-"`
}

// LeaveOfflineMessage keeps a visitor's message for when an operator is back, and
// tells the operators who asked for notices of the channel's messages.
func (s *Service) LeaveOfflineMessage(ctx context.Context, channelID int64, req LeftMessage) (*parley.OfflineMessage, error) {
	m := parley.OfflineMessage{Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email), Body: req.Body, PageURL: req.PageURL}
	if err := parley.ValidateName("Name", m.Name, parley.MaxNameLength, true); err != nil {
		return nil, err
	}
	if err := validEmail("Email", m.Email); err != nil {
		return nil, err
	}
	if err := parley.ValidateBody(m.Body); err != nil {
		return nil, err
	}
	if err := parley.ValidateName("Page URL", m.PageURL, MaxPageURLLength, false); err != nil {
		return nil, err
	}
	if len(req.Languages) > 32 {
		return nil, parley.Errorf(parley.EINVALID, "At most 32 languages may be sent.")
	}
	ch, err := s.store.Channel(ctx, channelID)
	if err != nil {
		return nil, err
	}
	instead, err := s.checkLeftInstead(ctx, channelID, req)
	if err != nil {
		return nil, err
	}
	if instead != nil {
		m.ConversationID = &instead.ID
	}
	enabled, matcher, err := s.enabledList(ctx)
	if err != nil {
		return nil, err
	}
	m.Language = matcher.Match(req.Languages, req.AcceptLanguage, defaultLanguage(enabled))
	if req.Visitor != nil {
		id := req.Visitor.ID
		m.VisitorID = &id
	}
	m.ChannelID = channelID
	m.CreatedAt = s.now()
	if err := s.store.CreateOfflineMessage(ctx, &m); err != nil {
		return nil, err
	}
	s.leftInstead(ctx, instead)
	s.publishInbox(ctx, channelID)
	if s.mailer != nil {
		s.noticeLeft(ctx, ch, &m)
	}
	return &m, nil
}

// publishInbox tells whoever sees the channel's left messages (its members, supervisors
// and admins) that the inbox changed. Left messages are few: reading the users for each
// costs nothing that matters.
func (s *Service) publishInbox(ctx context.Context, channelID int64) {
	members, err := s.store.ChannelMembers(ctx, channelID)
	if err != nil {
		s.logger.Error("tell the inbox changed", "channel", channelID, "err", err)
		return
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		s.logger.Error("tell the inbox changed", "channel", channelID, "err", err)
		return
	}
	var topics []string
	seen := map[int64]bool{}
	for _, u := range append(members, users...) {
		if seen[u.ID] || u.Disabled || !(u.CanSupervise() || slices.ContainsFunc(members, func(m *parley.User) bool { return m.ID == u.ID })) {
			continue
		}
		seen[u.ID] = true
		topics = append(topics, parley.UserTopic(u.ID))
	}
	s.publish(ctx, &parley.Event{Type: parley.EventInbox}, topics...)
}

// noticeLeft emails the message to each operator who asked for the channel's notices,
// one email each (colleagues' addresses stay their own), answerable to the visitor.
func (s *Service) noticeLeft(ctx context.Context, ch *parley.Channel, m *parley.OfflineMessage) {
	to, err := s.store.ChannelNotifyEmails(ctx, ch.ID)
	if err != nil {
		s.logger.Error("notice of a left message", "channel", ch.ID, "err", err)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s left a message in %s while nobody was online.\n\n", m.Name, ch.Name)
	fmt.Fprintf(&b, "Name: %s\nEmail: %s\n", m.Name, m.Email)
	if m.PageURL != "" {
		fmt.Fprintf(&b, "Page: %s\n", m.PageURL)
	}
	fmt.Fprintf(&b, "Language: %s\n\n%s\n\n", m.Language, m.Body)
	b.WriteString("Reply from the Inbox of Parley's console, so that your colleagues see it is answered.\n")
	for _, addr := range to {
		s.sendMail(ctx, "notice of a left message", parley.Email{
			To:      []string{addr},
			ReplyTo: m.Email,
			Subject: fmt.Sprintf("New message from %s in %s", m.Name, ch.Name),
			Text:    b.String(),
		})
	}
}

// inboxScope is which left messages the user sees: all of them for a supervisor or an
// admin (all true), else those of the channels they joined.
func (s *Service) inboxScope(ctx context.Context, actor *parley.User) (all bool, channels []int64, err error) {
	if actor.CanSupervise() {
		return true, nil, nil
	}
	channels, err = s.store.UserChannels(ctx, actor.ID)
	return false, channels, err
}

// OfflineMessages lists what visitors left while nobody was online, newest first: all
// of them for a supervisor or an admin, those of the channels the operator joined for
// an operator.
func (s *Service) OfflineMessages(ctx context.Context, actor *parley.User) ([]*parley.OfflineMessage, error) {
	all, err := s.store.OfflineMessages(ctx)
	if err != nil {
		return nil, err
	}
	everything, channels, err := s.inboxScope(ctx, actor)
	if err != nil || everything {
		return all, err
	}
	mine := make([]*parley.OfflineMessage, 0, len(all))
	for _, m := range all {
		if slices.Contains(channels, m.ChannelID) {
			mine = append(mine, m)
		}
	}
	return mine, nil
}

// inboxMessage loads a left message the user may see.
func (s *Service) inboxMessage(ctx context.Context, actor *parley.User, id int64) (*parley.OfflineMessage, error) {
	m, err := s.store.OfflineMessage(ctx, id)
	if err != nil {
		return nil, err
	}
	everything, channels, err := s.inboxScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !everything && !slices.Contains(channels, m.ChannelID) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Left message %d is not in one of your channels.", id)
	}
	return m, nil
}

// OfflineMessage returns one left message; reading it does not mark it read.
func (s *Service) OfflineMessage(ctx context.Context, actor *parley.User, id int64) (*parley.OfflineMessage, error) {
	return s.inboxMessage(ctx, actor, id)
}

// ReadOfflineMessage marks a left message read (for every operator: the inbox is
// shared), as opening it in the console does.
func (s *Service) ReadOfflineMessage(ctx context.Context, actor *parley.User, id int64) (*parley.OfflineMessage, error) {
	m, err := s.inboxMessage(ctx, actor, id)
	if err != nil || m.Read {
		return m, err
	}
	if m, err = s.store.MarkOfflineMessageRead(ctx, id, s.now()); err != nil {
		return nil, err
	}
	s.publishInbox(ctx, m.ChannelID)
	return m, nil
}

// SetOfflineMessageHandled marks a left message handled by the user, or not handled.
func (s *Service) SetOfflineMessageHandled(ctx context.Context, actor *parley.User, id int64, handled bool) (*parley.OfflineMessage, error) {
	if _, err := s.inboxMessage(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.SetOfflineMessageHandled(ctx, id, actor.ID, handled, s.now())
}

// ReplyOfflineMessage emails the user's reply to the visitor who left the message, and
// keeps it with the message, which it marks read and handled. The email is signed with
// the operator's chat name, as visitors know them; it is refused when no SMTP server is
// set, and then nothing is stored.
func (s *Service) ReplyOfflineMessage(ctx context.Context, actor *parley.User, id int64, body string) (*parley.OfflineMessage, error) {
	body = strings.TrimRight(body, " \t\r\n")
	if err := parley.ValidateBody(body); err != nil {
		return nil, err
	}
	m, err := s.inboxMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if s.mailer == nil {
		return nil, ErrNoEmail
	}
	ch, err := s.store.Channel(ctx, m.ChannelID)
	if err != nil {
		return nil, err
	}
	r := &parley.InboxReply{MessageID: id, UserID: actor.ID, Body: body, CreatedAt: s.now()}
	m, err = s.store.AddInboxReply(ctx, r)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n%s\n\n", body, actor.DisplayName(), ch.Name)
	fmt.Fprintf(&b, "On %s, you wrote:\n", m.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	for _, l := range strings.Split(m.Body, "\n") {
		b.WriteString("> " + l + "\n")
	}
	s.sendMail(ctx, "reply to a left message", parley.Email{
		To:      []string{m.Email},
		Subject: "Re: your message to " + ch.Name,
		Text:    b.String(),
	})
	return m, nil
}

// InboxStatus is what the console's menu bar and Inbox page need beside the list.
type InboxStatus struct {
	// Unread counts the left messages the user sees that nobody has opened yet.
	Unread int `json:"unread"`
	// Email tells whether this server sends emails: without, replies and notices
	// cannot be sent.
	Email bool `json:"email"`
	// NotifyEmail is where the user gets notices of messages left in NotifyChannels.
	NotifyEmail    string  `json:"notify_email"`
	NotifyChannels []int64 `json:"notify_channels"`
}

// InboxStatus counts the user's unread left messages and gives their notice settings.
func (s *Service) InboxStatus(ctx context.Context, actor *parley.User) (*InboxStatus, error) {
	list, err := s.OfflineMessages(ctx, actor)
	if err != nil {
		return nil, err
	}
	st := &InboxStatus{Email: s.EmailEnabled()}
	for _, m := range list {
		if !m.Read {
			st.Unread++
		}
	}
	st.NotifyEmail, st.NotifyChannels, err = s.store.NotifySettings(ctx, actor.ID)
	if st.NotifyChannels == nil {
		st.NotifyChannels = []int64{}
	}
	return st, err
}

// NotifySettings are where and for which channels a user wants notices of left messages.
type NotifySettings struct {
	Email    string  `json:"email"`
	Channels []int64 `json:"channels"`
}

// SetNotifySettings changes where the user gets notices of messages left, and for which
// channels ("" stops them). Any channel may be chosen: an operator may join any.
func (s *Service) SetNotifySettings(ctx context.Context, actor *parley.User, ns NotifySettings) (*InboxStatus, error) {
	ns.Email = strings.TrimSpace(ns.Email)
	if ns.Email != "" {
		if err := validEmail("Email", ns.Email); err != nil {
			return nil, err
		}
	}
	if len(ns.Channels) > 1000 {
		return nil, parley.Errorf(parley.EINVALID, "At most 1000 channels may be chosen.")
	}
	for _, id := range ns.Channels {
		if _, err := s.store.Channel(ctx, id); err != nil {
			if parley.ErrorCode(err) == parley.ENOTFOUND {
				return nil, parley.Errorf(parley.EINVALID, "Channel %d does not exist.", id)
			}
			return nil, err
		}
	}
	if err := s.store.SetNotifySettings(ctx, actor.ID, ns.Email, ns.Channels); err != nil {
		return nil, err
	}
	return s.InboxStatus(ctx, actor)
}
