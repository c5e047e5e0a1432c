package chat

import (
	"context"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

// ChannelStatus is what the widget needs to know before showing its button.
type ChannelStatus struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	ButtonText      string `json:"button_text"`
	WelcomeMessage  string `json:"welcome_message"`
	ButtonColor     string `json:"button_color"`
	ButtonTextColor string `json:"button_text_color"`
	Available       bool   `json:"available"` // a new conversation would be assigned now
	Online          bool   `json:"online"`    // some operator of the channel is online, within its hours
	// Open tells whether the channel is within its business hours now (always, without
	// hours); Rule is the channel rule for the page (channelrules.go).
	Open bool        `json:"open"`
	Rule *WidgetRule `json:"rule,omitempty"`
	// Language is the enabled language the visitor is matched to (WidgetChannel), in
	// which ButtonText and WelcomeMessage are given.
	Language string `json:"language"`
	// Files are the limits on the files a visitor may send.
	Files *parley.FileSettings `json:"files"`
	// Email tells whether the server sends emails: the widget offers a transcript by
	// email only then.
	Email bool `json:"email"`
	// Script is the channel's chatbot script when it is on, else null (chatbot.go); the
	// widget runs it before the first message.
	Script *parley.ChatbotScript `json:"script"`
}

// ChannelStatus tells the widget whether the channel can take a chat now.
func (s *Service) ChannelStatus(ctx context.Context, id int64) (*ChannelStatus, error) {
	ch, err := s.store.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &ChannelStatus{ID: ch.ID, Name: ch.Name, ButtonText: ch.ButtonText, WelcomeMessage: ch.WelcomeMessage,
		ButtonColor: ch.ButtonColor, ButtonTextColor: ch.ButtonTextColor, Email: s.mailer != nil}
	if st.Files, err = s.store.FileSettings(ctx); err != nil {
		return nil, err
	}
	if st.Script, err = s.widgetScript(ctx, id); err != nil {
		return nil, err
	}
	// A chatbot hands its chats over to the channels its script names: they decide
	// whether a chat can be taken, whoever is in this one.
	targets := []*parley.Channel{ch}
	if st.Script != nil {
		targets = targets[:0]
		for _, cid := range st.Script.HandOverChannels(id) {
			t := ch
			if cid != id {
				t, err = s.store.Channel(ctx, cid)
				if parley.ErrorCode(err) == parley.ENOTFOUND {
					continue // deleted since the script was saved: the hand-over will say so
				} else if err != nil {
					return nil, err
				}
				// Closed by its hours, it would refuse the hand-over (this channel's own
				// hours are the page's rule's to apply).
				if err := s.checkOpen(ctx, cid); parley.ErrorCode(err) == parley.ECONFLICT {
					continue
				} else if err != nil {
					return nil, err
				}
			}
			targets = append(targets, t)
		}
	}
	for _, t := range targets {
		online, available, err := s.channelPresence(ctx, t)
		if err != nil {
			return nil, err
		}
		st.Online = st.Online || online
		if st.Available = available; available {
			break
		}
	}
	return st, nil
}

// channelPresence tells whether some operator of the channel is online, and whether one
// of them is also under the channel's cap (a new conversation would be assigned now).
func (s *Service) channelPresence(ctx context.Context, ch *parley.Channel) (online, available bool, err error) {
	members, err := s.store.ChannelMembers(ctx, ch.ID)
	if err != nil {
		return false, false, err
	}
	var ongoing map[int64]int // read once, when a cap must be checked
	for _, m := range members {
		if !s.presence.Available(m.ID) || s.away.has(m.ID) { // set away for missed offers (offers.go)
			continue
		}
		online = true
		if ch.MaxOngoingPerOperator > 0 && ongoing == nil {
			if ongoing, err = s.store.ChannelOngoing(ctx, ch.ID, s.now().Add(-parley.OngoingWindow)); err != nil {
				return false, false, err
			}
		}
		if ch.MaxOngoingPerOperator == 0 || ongoing[m.ID] < ch.MaxOngoingPerOperator {
			return true, true, nil
		}
	}
	return online, false, nil
}

// StartRequest is a visitor's first message, which creates the conversation.
type StartRequest struct {
	ChannelID      int64    `json:"-"`
	Body           string   `json:"body"`
	VisitorName    string   `json:"visitor_name"`
	Languages      []string `json:"languages"`
	PageURL        string   `json:"page_url"`
	VisitorToken   string   `json:"visitor_token"`
	ClientID       string   `json:"client_id"`
	AcceptLanguage string   `json:"-"`
	// What the widget tells of the visitor's browsing (visitor_context.go): the pages
	// viewed before this first message, oldest first, and the browser's time zone.
	Pages            []PageViewRequest `json:"pages"`
	Timezone         string            `json:"timezone"`
	UTCOffsetMinutes *int              `json:"utc_offset_minutes"`
	UserAgent        string            `json:"-"`
	// ScriptAnswers, when sent (even empty), are the visitor's answers to the channel's
	// chatbot (chatbot.go), which decide where the conversation starts; Body may then be
	// empty, the last answer taking its place.
	ScriptAnswers []parley.ScriptAnswer `json:"script_answers"`
}

// MaxPageURLLength bounds the page a conversation started on.
const MaxPageURLLength = 2048

// Started is the outcome of a visitor's first message.
type Started struct {
	VisitorToken string                      `json:"visitor_token"`
	Conversation *parley.VisitorConversation `json:"conversation"`
	Message      *parley.Message             `json:"message"`
	Created      bool                        `json:"-"` // false when the start was a replay of an earlier one
}

// A first message resent without a token is the widget's answer to a lost answer: the
// answer carried the visitor's new token, which the server keeps only as a hash and
// cannot give again. Within StartReplayWindow of the start, a tokenless start with the
// same client_id in the same channel returns the same conversation and first message,
// with a new token that replaces the visitor's. The client_id then acts as a credential
// for that short while, so only one long enough to be unguessable counts (the widget's
// are 32 hex digits, 128 random bits).
//
// The token is replaced rather than a second one added: a visitor keeps one working
// token, so whoever replays a client_id learnt otherwise (the only way to abuse this)
// does not share the conversation unnoticed, but locks the first holder out, whose
// widget then starts over; and a legitimate replay loses nothing, since the first token
// never arrived.
const (
	StartReplayWindow = 2 * time.Minute
	MinReplayClientID = 16
)

// StartConversation creates a conversation with the visitor's first message and assigns
// it at once, or queues it when no operator is available.
func (s *Service) StartConversation(ctx context.Context, req StartRequest) (*Started, error) {
	var bot *parley.ChatbotExchange
	if req.ScriptAnswers != nil {
		var err error
		if bot, err = s.chatbotStart(ctx, &req); err != nil {
			return nil, err
		}
	}
	if err := validateMessage(req.Body, req.ClientID); err != nil {
		return nil, err
	}
	req.VisitorName = strings.TrimSpace(req.VisitorName)
	if err := parley.ValidateName("Visitor name", req.VisitorName, parley.MaxNameLength, false); err != nil {
		return nil, err
	}
	if err := parley.ValidateName("Page URL", req.PageURL, MaxPageURLLength, false); err != nil {
		return nil, err
	}
	if len(req.Languages) > 32 {
		return nil, parley.Errorf(parley.EINVALID, "At most 32 languages may be sent.")
	}
	visit, err := startVisit(req, s.now())
	if err != nil {
		return nil, err
	}
	// Outside business hours the widget offers the leave-a-message form; a start sent
	// anyway is refused before anything is created (channelrules.go).
	if err := s.checkOpen(ctx, req.ChannelID); err != nil {
		return nil, err
	}
	// An unknown channel is refused by the store's transaction, which then creates
	// nothing, not even the new visitor.
	v, token, hash, err := s.visitor(ctx, req.VisitorToken, req.VisitorName)
	if err != nil {
		return nil, err
	}
	var newVisitor *parley.Visitor // created by the start's own transaction
	if hash != nil {
		newVisitor = v
	}
	enabled, matcher, err := s.enabledList(ctx)
	if err != nil {
		return nil, err
	}
	lang := matcher.Match(req.Languages, req.AcceptLanguage, defaultLanguage(enabled))

	nc := parley.NewConversation{
		ChannelID:        req.ChannelID,
		VisitorID:        v.ID,
		NewVisitor:       newVisitor,
		VisitorTokenHash: hash,
		Language:         lang,
		PageURL:          req.PageURL,
		Body:             req.Body,
		ClientID:         req.ClientID,
		Visit:            visit,
		Chatbot:          bot,
		Now:              s.now(),
	}
	if newVisitor != nil && len(req.ClientID) >= MinReplayClientID {
		nc.ReplaySince = nc.Now.Add(-StartReplayWindow)
	}
	c, m, created, err := s.store.StartConversation(ctx, nc, s.choose)
	if err != nil {
		return nil, err
	}
	if newVisitor != nil && !created {
		// A replay: the visitor's token was replaced, so the old one must stop working
		// on every server.
		s.invalidate(ctx, parley.CacheNotice{Visitor: newVisitor.ID})
	}
	if newVisitor != nil {
		copied := *newVisitor
		s.visitors.put(string(hash), &copied, s.now())
	}
	if created && c.OperatorID != 0 {
		s.remember(c)
		// The operator's view of a conversation just started, without reading it back: they
		// have read nothing of it, and its last message is the visitor's first.
		last := *m
		last.ClientID = "" // as conversation lists show last messages
		sum := &parley.ConversationSummary{Conversation: *c, Unread: int(m.Seq), LastMessage: &last}
		s.publishUser(ctx, c.OperatorID, &parley.Event{Type: parley.EventConversation, Conversation: sum.ForOperator()})
		s.publishVisitor(ctx, c.VisitorID, &parley.Event{Type: parley.EventConversation, Conversation: c.ForVisitor()})
		s.publishUser(ctx, c.OperatorID, &parley.Event{Type: parley.EventMessage, ConversationID: c.ID, Message: m})
	}
	if created && c.OfferedTo != 0 {
		s.publishOffer(ctx, c) // offers.go
	}
	vc := s.forVisitor(ctx, c) // queued: the place and the estimated wait
	if created {
		s.publishLiveStart(ctx, c, m)
		if c.Status == parley.StatusQueued {
			s.recordEstimate(ctx, c, vc)
			s.tellQueue(ctx, c.ChannelID)
		}
	}
	return &Started{VisitorToken: token, Conversation: vc, Message: m, Created: created}, nil
}

// visitor returns the visitor of a token, or a visitor to create (with a new token and
// its hash, nil for a known visitor) when the token is empty or unknown, so a browser whose
// token was forgotten by the server simply starts over.
func (s *Service) visitor(ctx context.Context, token, name string) (*parley.Visitor, string, []byte, error) {
	if token != "" {
		v, err := s.visitorByToken(ctx, token)
		if err == nil {
			return v, token, nil, nil
		} else if parley.ErrorCode(err) != parley.ENOTFOUND {
			return nil, "", nil, err
		}
	}
	token, hash := NewToken()
	return &parley.Visitor{Name: name, CreatedAt: s.now()}, token, hash, nil
}

// AuthenticateVisitor returns the visitor of a token.
func (s *Service) AuthenticateVisitor(ctx context.Context, token string) (*parley.Visitor, error) {
	if token == "" {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "A visitor token is required.")
	}
	v, err := s.visitorByToken(ctx, token)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "Unknown visitor token.")
	}
	return v, err
}

// visitorByToken returns the visitor of a token, from memory when seen before.
func (s *Service) visitorByToken(ctx context.Context, token string) (*parley.Visitor, error) {
	hash := HashToken(token)
	if v, ok := s.visitors.get(string(hash), s.now()); ok {
		copied := *v
		return &copied, nil
	}
	gen := s.visitors.generation()
	v, err := s.store.VisitorByToken(ctx, hash)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		// A token handed to another device of an identified user (identity.go).
		v, err = s.store.VisitorByDeviceToken(ctx, hash)
	}
	if err != nil {
		return nil, err
	}
	copied := *v
	s.visitors.putSince(string(hash), &copied, s.now(), gen)
	return v, nil
}

// visitorConversation loads one of the visitor's own conversations. Another visitor's
// conversation is not found, so ids reveal nothing.
func (s *Service) visitorConversation(ctx context.Context, v *parley.Visitor, id int64) (*parley.Conversation, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.VisitorID != v.ID {
		return nil, parley.Errorf(parley.ENOTFOUND, "Conversation %d not found.", id)
	}
	return c, nil
}

// VisitorConversation returns one of the visitor's conversations.
func (s *Service) VisitorConversation(ctx context.Context, v *parley.Visitor, id int64) (*parley.VisitorConversation, error) {
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return s.forVisitor(ctx, c), nil
}

// VisitorMessages returns the messages after seq of one of the visitor's conversations.
func (s *Service) VisitorMessages(ctx context.Context, v *parley.Visitor, id, after int64) ([]*parley.Message, error) {
	if _, err := s.visitorConversation(ctx, v, id); err != nil {
		return nil, err
	}
	list, err := s.store.Messages(ctx, id, after, MaxMessagesPage)
	return withFileURLs(list, "/livechat/files/"), err
}

// SendVisitorMessage adds the visitor's message to their conversation. A message resent
// with the same clientID is not stored twice: created is false.
func (s *Service) SendVisitorMessage(ctx context.Context, v *parley.Visitor, id int64, body, clientID string) (m *parley.Message, created bool, err error) {
	if err := validateMessage(body, clientID); err != nil {
		return nil, false, err
	}
	r, err := s.visitorRoute(ctx, v, id)
	if err != nil {
		return nil, false, err
	}
	author := parley.Author{Kind: parley.AuthorVisitor, Name: r.VisitorName}
	return s.addMessage(ctx, r, parley.NewMessage{ConversationID: r.ID, Author: author, Body: body, ClientID: clientID})
}

// EndByVisitor ends the visitor's conversation; the operator sees "Visitor left the
// conversation."
func (s *Service) EndByVisitor(ctx context.Context, v *parley.Visitor, id int64) (*parley.VisitorConversation, error) {
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := s.end(ctx, c, parley.VisitorLeftMessage, 0); err != nil {
		return nil, err
	}
	return s.VisitorConversation(ctx, v, id)
}

// Rate records the visitor's rating of an ended conversation.
func (s *Service) Rate(ctx context.Context, v *parley.Visitor, id int64, r parley.Rating) (*parley.VisitorConversation, error) {
	if !parley.ValidScore(r.Score) {
		return nil, parley.Errorf(parley.EINVALID, "Score must be 5 (good), 3 (okay) or 1 (bad).")
	}
	if err := parley.ValidateText("Comment", r.Comment, parley.MaxTextLength, false); err != nil {
		return nil, err
	}
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.RateConversation(ctx, c.ID, r); err != nil {
		return nil, err
	}
	rated, err := s.store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	s.publishConversation(ctx, rated)
	return rated.ForVisitor(), nil
}

// VisitorTyping tells the operator that the visitor is typing.
func (s *Service) VisitorTyping(ctx context.Context, v *parley.Visitor, id int64) error {
	r, err := s.visitorRoute(ctx, v, id)
	if err != nil {
		return err
	}
	if r.Active && s.typing.pass(id, parley.AuthorVisitor, s.now()) {
		s.publishUser(ctx, r.OperatorID, &parley.Event{Type: parley.EventTyping, ConversationID: r.ID, Name: r.VisitorName})
	}
	return nil
}

// LeaveOfflineMessage is in inbox.go.
