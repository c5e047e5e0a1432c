package chat

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

// NewChannel is what an admin gives to create a channel.
type NewChannel struct {
	Name                  string   `json:"name"`
	ButtonText            string   `json:"button_text"`
	WelcomeMessage        string   `json:"welcome_message"`
	MaxOngoingPerOperator int      `json:"max_ongoing_per_operator"`
	ButtonColor           string   `json:"button_color"`
	ButtonTextColor       string   `json:"button_text_color"`
	AllowedOrigins        []string `json:"allowed_origins"`
	OfferSeconds          int      `json:"offer_seconds"` // offer and accept (offers.go); 0: off
	// Texts are the button text and welcome message per enabled language (texts.go).
	Texts map[string]parley.ChannelText `json:"texts"`
}

// Defaults of a new channel's widget.
const (
	DefaultButtonText      = "Have a Question? Chat with us."
	DefaultWelcomeMessage  = "How may I help you?"
	DefaultButtonColor     = "#875A7B"
	DefaultButtonTextColor = "#FFFFFF"
)

// CreateChannel creates a live chat channel (admin).
func (s *Service) CreateChannel(ctx context.Context, actor *parley.User, nc NewChannel) (*parley.ChannelView, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can create channels.")
	}
	if nc.ButtonText == "" {
		nc.ButtonText = DefaultButtonText
	}
	if nc.WelcomeMessage == "" {
		nc.WelcomeMessage = DefaultWelcomeMessage
	}
	if nc.ButtonColor == "" {
		nc.ButtonColor = DefaultButtonColor
	}
	if nc.ButtonTextColor == "" {
		nc.ButtonTextColor = DefaultButtonTextColor
	}
	ch := &parley.Channel{
		Name:                  strings.TrimSpace(nc.Name),
		ButtonText:            nc.ButtonText,
		WelcomeMessage:        nc.WelcomeMessage,
		MaxOngoingPerOperator: nc.MaxOngoingPerOperator,
		ButtonColor:           nc.ButtonColor,
		ButtonTextColor:       nc.ButtonTextColor,
		AllowedOrigins:        nc.AllowedOrigins,
		OfferSeconds:          nc.OfferSeconds,
	}
	if err := validateChannel(ch); err != nil {
		return nil, err
	}
	texts, err := s.checkTexts(ctx, nc.Texts)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateChannel(ctx, ch); err != nil {
		return nil, err
	}
	if len(texts) > 0 {
		if _, err := s.store.UpdateChannel(ctx, ch.ID, parley.ChannelUpdate{Texts: texts}); err != nil {
			return nil, err
		}
	}
	s.audit(ctx, actor, parley.AuditChannelCreate, "channel", ch.ID, map[string]any{"name": ch.Name, "max_ongoing_per_operator": ch.MaxOngoingPerOperator})
	return s.channelView(ctx, actor.ID, ch.ID)
}

// UpdateChannel changes the given fields of a channel (admin).
func (s *Service) UpdateChannel(ctx context.Context, actor *parley.User, id int64, upd parley.ChannelUpdate) (*parley.ChannelView, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	ch, err := s.store.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		name := strings.TrimSpace(*upd.Name)
		upd.Name = &name
		ch.Name = name
	}
	if upd.ButtonText != nil {
		ch.ButtonText = *upd.ButtonText
	}
	if upd.WelcomeMessage != nil {
		ch.WelcomeMessage = *upd.WelcomeMessage
	}
	if upd.MaxOngoingPerOperator != nil {
		ch.MaxOngoingPerOperator = *upd.MaxOngoingPerOperator
	}
	if upd.ButtonColor != nil {
		ch.ButtonColor = *upd.ButtonColor
	}
	if upd.ButtonTextColor != nil {
		ch.ButtonTextColor = *upd.ButtonTextColor
	}
	if upd.AllowedOrigins != nil {
		ch.AllowedOrigins = *upd.AllowedOrigins
	}
	if upd.OfferSeconds != nil {
		ch.OfferSeconds = *upd.OfferSeconds
	}
	if err := validateChannel(ch); err != nil {
		return nil, err
	}
	if upd.AllowedOrigins != nil {
		upd.AllowedOrigins = &ch.AllowedOrigins // normalised by validateChannel
	}
	if upd.Texts, err = s.checkTexts(ctx, upd.Texts); err != nil {
		return nil, err
	}
	if _, err := s.store.UpdateChannel(ctx, id, upd); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditChannelUpdate, "channel", id, channelUpdateDetail(ch, upd))
	// A raised or removed cap may let queued visitors in.
	s.drain(ctx, id)
	return s.channelView(ctx, actor.ID, id)
}

// channelUpdateDetail is what an update changed, for the audit log: the fields it set,
// as the channel now has them (of the texts, their languages).
func channelUpdateDetail(ch *parley.Channel, upd parley.ChannelUpdate) map[string]any {
	d := map[string]any{}
	set := func(name string, changed bool, v any) {
		if changed {
			d[name] = v
		}
	}
	set("name", upd.Name != nil, ch.Name)
	set("button_text", upd.ButtonText != nil, ch.ButtonText)
	set("welcome_message", upd.WelcomeMessage != nil, ch.WelcomeMessage)
	set("max_ongoing_per_operator", upd.MaxOngoingPerOperator != nil, ch.MaxOngoingPerOperator)
	set("button_color", upd.ButtonColor != nil, ch.ButtonColor)
	set("button_text_color", upd.ButtonTextColor != nil, ch.ButtonTextColor)
	set("allowed_origins", upd.AllowedOrigins != nil, ch.AllowedOrigins)
	set("offer_seconds", upd.OfferSeconds != nil, ch.OfferSeconds)
	if len(upd.Texts) > 0 {
		langs := make([]string, 0, len(upd.Texts))
		for l := range upd.Texts {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		d["texts"] = langs
	}
	return d
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func validateChannel(ch *parley.Channel) error {
	if err := parley.ValidateName("Channel name", ch.Name, parley.MaxNameLength, true); err != nil {
		return err
	}
	if err := parley.ValidateName("Button text", ch.ButtonText, parley.MaxNameLength, true); err != nil {
		return err
	}
	if err := parley.ValidateText("Welcome message", ch.WelcomeMessage, parley.MaxTextLength, false); err != nil {
		return err
	}
	for _, c := range []struct{ field, value string }{{"Button colour", ch.ButtonColor}, {"Button text colour", ch.ButtonTextColor}} {
		if !hexColor.MatchString(c.value) {
			return parley.Errorf(parley.EINVALID, "%s %q is not a colour such as #875A7B.", c.field, c.value)
		}
	}
	origins, err := normalizeOrigins(ch.AllowedOrigins)
	if err != nil {
		return err
	}
	ch.AllowedOrigins = origins
	if ch.MaxOngoingPerOperator < 0 || ch.MaxOngoingPerOperator > 1000 {
		return parley.Errorf(parley.EINVALID, "Max ongoing conversations per operator must be between 0 (no cap) and 1000.")
	}
	if !parley.ValidOfferSeconds(ch.OfferSeconds) {
		return parley.Errorf(parley.EINVALID, "Offer seconds must be 0 (assign at once) or between %d and %d.", parley.MinOfferSeconds, parley.MaxOfferSeconds)
	}
	return nil
}

// Channels lists every channel as the caller sees it: joined or not, with its operators.
func (s *Service) Channels(ctx context.Context, actor *parley.User) ([]*parley.ChannelView, error) {
	channels, err := s.store.Channels(ctx)
	if err != nil {
		return nil, err
	}
	views := make([]*parley.ChannelView, 0, len(channels))
	for _, ch := range channels {
		v, err := s.view(ctx, actor.ID, ch)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

// Channel returns one channel as the caller sees it.
func (s *Service) Channel(ctx context.Context, actor *parley.User, id int64) (*parley.ChannelView, error) {
	return s.channelView(ctx, actor.ID, id)
}

func (s *Service) channelView(ctx context.Context, userID, channelID int64) (*parley.ChannelView, error) {
	ch, err := s.store.Channel(ctx, channelID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, userID, ch)
}

func (s *Service) view(ctx context.Context, userID int64, ch *parley.Channel) (*parley.ChannelView, error) {
	members, err := s.store.ChannelMembers(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	texts, err := s.store.ChannelTexts(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	v := &parley.ChannelView{Channel: *ch, Operators: make([]parley.ChannelOperator, 0, len(members)), Texts: texts}
	for _, m := range members {
		if m.ID == userID {
			v.Joined = true
		}
		v.Operators = append(v.Operators, parley.ChannelOperator{ID: m.ID, ChatName: m.DisplayName(), Name: m.Name, Status: s.status(m.ID)})
	}
	return v, nil
}

// JoinChannel makes the caller eligible for the channel's new conversations, and gives
// them waiting ones at once if they are online.
func (s *Service) JoinChannel(ctx context.Context, actor *parley.User, id int64) (*parley.ChannelView, error) {
	if _, err := s.store.Channel(ctx, id); err != nil {
		return nil, err
	}
	s.Activity(ctx, actor.ID)
	if err := s.store.JoinChannel(ctx, id, actor.ID); err != nil {
		return nil, err
	}
	s.drain(ctx, id)
	s.publishChannel(ctx, actor.ID, id)
	return s.channelView(ctx, actor.ID, id)
}

// LeaveChannel stops new conversations of the channel for the caller; their ongoing
// conversations stay theirs.
func (s *Service) LeaveChannel(ctx context.Context, actor *parley.User, id int64) (*parley.ChannelView, error) {
	if _, err := s.store.Channel(ctx, id); err != nil {
		return nil, err
	}
	s.Activity(ctx, actor.ID)
	if err := s.store.LeaveChannel(ctx, id, actor.ID); err != nil {
		return nil, err
	}
	s.publishChannel(ctx, actor.ID, id)
	s.drain(ctx, id) // a conversation that was offered to them is offered to another
	return s.channelView(ctx, actor.ID, id)
}

// ConsoleOpened records an operator's console WebSocket; one who comes online gets the
// conversations waiting in their channels.
func (s *Service) ConsoleOpened(ctx context.Context, userID int64) {
	if s.presence.Connect(userID) {
		s.drainUserChannels(ctx, userID)
	}
	s.statusChanged(ctx, userID)
}

// ConsoleClosed records a closed console WebSocket. The operator stays available for a
// grace; the sweep tells the others when it ends.
func (s *Service) ConsoleClosed(userID int64) {
	s.presence.Disconnect(userID)
}

// Activity records that the operator used their console.
func (s *Service) Activity(ctx context.Context, userID int64) {
	if s.presence.Activity(userID) {
		s.drainUserChannels(ctx, userID)
	}
	s.statusChanged(ctx, userID)
}

// statusChanged tells the operators of the user's channels when the user's presence
// (online, away, offline) differs from what they were last told: each gets a channel
// event, so the dots on their Channels page follow (see tellChannel).
func (s *Service) statusChanged(ctx context.Context, userID int64) {
	status := s.status(userID)
	s.statusMu.Lock()
	old, seen := s.shown[userID]
	s.shown[userID] = status
	s.statusMu.Unlock()
	if old == status || (!seen && status == parley.StatusOffline) {
		return
	}
	s.publishLiveOperator(ctx, userID)
	channels, err := s.store.UserChannels(ctx, userID)
	if err != nil {
		s.logger.Error("list user channels", "user", userID, "err", err)
		return
	}
	for _, ch := range channels {
		s.tellChannel(ch)
	}
}

// TellWindow is the shortest time between two presence updates of one channel.
const TellWindow = 250 * time.Millisecond

// channelTelling is when a channel's members were last told its operators' presence, and
// whether another telling is due.
type channelTelling struct {
	last    time.Time
	pending bool
}

// tellChannel sends every member of the channel its view, with its operators' presence.
// A channel event carries all the channel's operators, so when many change at once (a
// team logging in at nine) the members are told at once of the first change, then at
// most once per TellWindow of all the changes since: one view built and encoded per
// telling, not one per member and change.
func (s *Service) tellChannel(channelID int64) {
	now := time.Now() // real time: the window is about load, not about the rules
	s.tellMu.Lock()
	t := s.telling[channelID]
	if t == nil {
		t = &channelTelling{}
		s.telling[channelID] = t
	}
	if t.pending {
		s.tellMu.Unlock()
		return // the telling due will carry this change too
	}
	wait := TellWindow - now.Sub(t.last)
	if wait <= 0 {
		t.last = now
		s.tellMu.Unlock()
		s.publishChannelToMembers(context.Background(), channelID)
		return
	}
	t.pending = true
	s.tellMu.Unlock()
	time.AfterFunc(wait, func() {
		s.tellMu.Lock()
		t.pending, t.last = false, time.Now()
		s.tellMu.Unlock()
		s.publishChannelToMembers(context.Background(), channelID)
	})
}

// publishChannelToMembers sends the channel's view to each of its members: the same
// bytes to all, for all are members.
func (s *Service) publishChannelToMembers(ctx context.Context, channelID int64) {
	ch, err := s.store.Channel(ctx, channelID)
	if err != nil {
		s.logger.Error("load channel", "channel", channelID, "err", err)
		return
	}
	view, err := s.view(ctx, 0, ch)
	if err != nil {
		s.logger.Error("load channel", "channel", channelID, "err", err)
		return
	}
	view.Joined = true
	topics := make([]string, len(view.Operators))
	for i, op := range view.Operators {
		topics[i] = parley.UserTopic(op.ID)
	}
	s.publish(ctx, &parley.Event{Type: parley.EventChannel, Channel: view}, topics...)
}
