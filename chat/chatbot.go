package chat

import (
	"context"
	"slices"
	"strings"

	"github.com/parleychat/parley"
)

// ChatbotScript gives a channel's chatbot script (admin).
func (s *Service) ChatbotScript(ctx context.Context, actor *parley.User, id int64) (*parley.ChatbotScript, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	return s.store.ChatbotScript(ctx, id)
}

// SetChatbotScript checks and replaces a channel's chatbot script (admin) and gives it
// back as kept.
func (s *Service) SetChatbotScript(ctx context.Context, actor *parley.User, id int64, script *parley.ChatbotScript) (*parley.ChatbotScript, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	self, err := s.store.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	channels := map[int64]*parley.Channel{}
	var lookErr error
	exists := func(ch int64) bool {
		c, err := s.store.Channel(ctx, ch)
		if err != nil && parley.ErrorCode(err) != parley.ENOTFOUND {
			lookErr = err
		}
		channels[ch] = c
		return err == nil
	}
	script, err = parley.CheckChatbotScript(script, exists)
	if lookErr != nil {
		return nil, lookErr
	}
	if err != nil {
		return nil, err
	}
	// The visitor goes on chatting from the same website in the channel handed over to,
	// whose widget API then checks the page's origin: it must allow every website this
	// channel allows.
	for _, to := range channels {
		if to == nil || len(to.AllowedOrigins) == 0 {
			continue
		}
		for _, o := range self.AllowedOrigins {
			if !slices.Contains(to.AllowedOrigins, o) {
				return nil, parley.Errorf(parley.EINVALID, "The chatbot hands over to %s, which does not allow the website %s: the visitor could not go on chatting there.", to.Name, o)
			}
		}
		if len(self.AllowedOrigins) == 0 {
			return nil, parley.Errorf(parley.EINVALID, "The chatbot hands over to %s, which allows only some websites, while this channel allows any: visitors of the others could not go on chatting there.", to.Name)
		}
	}
	if err := s.store.SetChatbotScript(ctx, id, script); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditChannelChatbot, "channel", id, map[string]any{"enabled": script.Enabled, "steps": len(script.Steps)})
	return s.store.ChatbotScript(ctx, id)
}

// DeleteChatbotScript turns a channel's chatbot off and forgets its script (admin).
func (s *Service) DeleteChatbotScript(ctx context.Context, actor *parley.User, id int64) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	if err := s.store.DeleteChatbotScript(ctx, id); err != nil {
		return err
	}
	s.audit(ctx, actor, parley.AuditChannelChatbot, "channel", id, map[string]any{"deleted": true})
	return nil
}

// widgetScript is the channel's script for the widget to run, nil when it has none on.
func (s *Service) widgetScript(ctx context.Context, channelID int64) (*parley.ChatbotScript, error) {
	script, err := s.store.ChatbotScript(ctx, channelID)
	if err != nil || !script.Active() {
		return nil, err
	}
	return script, nil
}

// maxScriptAnswers bounds the answers a start may carry.
const maxScriptAnswers = 4 * parley.MaxScriptSteps

// chatbotStart walks the channel's script again with the visitor's answers (the widget's
// path is never trusted), moves the start to the channel the script hands over to, and
// gives the exchange to store before the first message. Without a first message typed,
// the last answer is the first message. A channel whose script was turned off since the
// widget read it starts the chat as without one.
func (s *Service) chatbotStart(ctx context.Context, req *StartRequest) (*parley.ChatbotExchange, error) {
	script, err := s.store.ChatbotScript(ctx, req.ChannelID)
	if err != nil {
		return nil, err
	}
	// A script with a way back lets a visitor answer more than once per step; a few
	// rounds are plenty, and each answer stores two messages in the start's transaction.
	if len(req.ScriptAnswers) > maxScriptAnswers {
		return nil, parley.Errorf(parley.EINVALID, "Too many answers to the chatbot: at most %d.", maxScriptAnswers)
	}
	if !script.Active() {
		if strings.TrimSpace(req.Body) == "" && len(req.ScriptAnswers) > 0 {
			last := req.ScriptAnswers[len(req.ScriptAnswers)-1]
			req.Body = last.Text
			if last.Choice != "" {
				req.Body = last.Choice
			}
		}
		return nil, nil
	}
	walk, err := parley.WalkScript(script, req.ScriptAnswers)
	if err != nil {
		return nil, err
	}
	ch, err := s.store.Channel(ctx, req.ChannelID)
	if err != nil {
		return nil, err
	}
	x := &parley.ChatbotExchange{BotName: ch.Name, Lines: walk.Lines}
	if strings.TrimSpace(req.Body) == "" {
		for i := len(x.Lines) - 1; i >= 0; i-- {
			if l := x.Lines[i]; !l.Bot {
				// The last answer moves after the bot's last words, as the first message.
				req.Body, x.BodyQuestion = l.Text, l.Question
				x.Lines = append(x.Lines[:i:i], x.Lines[i+1:]...)
				break
			}
		}
	}
	if walk.HandOver != 0 {
		req.ChannelID = walk.HandOver
	}
	return x, nil
}
