package chat

import (
	"context"

	"github.com/parleychat/parley"
)

// ChannelRules gives a channel's rules and business hours (admin).
func (s *Service) ChannelRules(ctx context.Context, actor *parley.User, id int64) (*parley.ChannelRules, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	return s.store.ChannelRules(ctx, id)
}

// SetChannelRules replaces a channel's ordered rules (admin) and gives them back as kept.
func (s *Service) SetChannelRules(ctx context.Context, actor *parley.User, id int64, rules []parley.ChannelRule) (*parley.ChannelRules, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	enabled, err := s.enabledSet(ctx)
	if err != nil {
		return nil, err
	}
	rules, err = parley.CheckChannelRules(rules, enabled)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetChannelRules(ctx, id, rules); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditChannelRules, "channel", id, map[string]any{"rules": len(rules)})
	return s.store.ChannelRules(ctx, id)
}

// SetChannelHours replaces a channel's business hours (admin) and gives them back as kept.
func (s *Service) SetChannelHours(ctx context.Context, actor *parley.User, id int64, h *parley.BusinessHours) (*parley.ChannelRules, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	h, err := parley.CheckBusinessHours(h)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetChannelHours(ctx, id, h); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditChannelHours, "channel", id, map[string]any{
		"enabled": h.Enabled, "time_zone": h.TimeZone, "ranges": len(h.Week), "holidays": len(h.Holidays)})
	return s.store.ChannelRules(ctx, id)
}

// WidgetRule is the rule the widget follows on a page: its action and, to open by itself,
// the delay and the invitation in the visitor's language.
type WidgetRule struct {
	Action  string `json:"action"`
	Delay   int    `json:"delay,omitempty"`
	Message string `json:"message,omitempty"`
}

// applyRules decides, for the widget's status, the rule of the page and whether the
// channel is within its hours now; outside them it takes no chat (Online and Available
// turn false, so the widget offers the leave-a-message form).
func (s *Service) applyRules(ctx context.Context, st *ChannelStatus, pageURL string) error {
	cr, err := s.store.ChannelRules(ctx, st.ID)
	if err != nil {
		return err
	}
	st.Open = cr.Hours.OpenAt(s.now())
	if !st.Open {
		st.Online, st.Available = false, false
	}
	st.Rule = &WidgetRule{Action: parley.RuleShow}
	if r := parley.PageRule(cr.Rules, pageURL); r != nil {
		st.Rule.Action = r.Action
		if r.Action == parley.RuleAutoOpen {
			st.Rule.Delay = r.Delay
			st.Rule.Message = r.Message
			if t, ok := r.Translations[st.Language]; ok {
				st.Rule.Message = t
			}
		}
	}
	return nil
}

// checkOpen refuses a new conversation outside the channel's business hours.
func (s *Service) checkOpen(ctx context.Context, channelID int64) error {
	cr, err := s.store.ChannelRules(ctx, channelID)
	if err != nil {
		return err
	}
	if !cr.Hours.OpenAt(s.now()) {
		return parley.Errorf(parley.ECONFLICT, "This channel is closed now (outside its business hours): leave a message instead.")
	}
	return nil
}
