package chat

import (
	"context"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley"
)

// PageViewRequest is a page view as the widget reports it. ViewedAt is given only for the
// views sent with the first message, which happened before it; the server's clock
// dates the others, and any time ahead of it.
type PageViewRequest struct {
	URL      string     `json:"url"`
	Title    string     `json:"title"`
	Referrer string     `json:"referrer"`
	ViewedAt *time.Time `json:"viewed_at,omitempty"`
}

// MaxEarlierConversations bounds the visitor's earlier conversations shown beside one.
const MaxEarlierConversations = 20

// pageViews checks the views a visitor's browser reports and dates them: never after now.
func pageViews(reqs []PageViewRequest, now time.Time) ([]parley.PageView, error) {
	if len(reqs) > parley.MaxPageViews {
		return nil, parley.Errorf(parley.EINVALID, "At most %d pages may be sent.", parley.MaxPageViews)
	}
	views := make([]parley.PageView, 0, len(reqs))
	for _, r := range reqs {
		v := parley.PageView{URL: r.URL, Title: strings.TrimSpace(r.Title), Referrer: r.Referrer, ViewedAt: now}
		if err := parley.ValidatePageView(v); err != nil {
			return nil, err
		}
		if r.ViewedAt != nil && r.ViewedAt.Before(now) {
			v.ViewedAt = r.ViewedAt.UTC()
		}
		views = append(views, v)
	}
	return views, nil
}

// cameFrom is the page of another website that brought the visitor to the last of views
// that came from one, or "".
func cameFrom(views []parley.PageView) string {
	for i := len(views) - 1; i >= 0; i-- {
		v := views[i]
		if v.Referrer == "" {
			continue
		}
		ref, err1 := url.Parse(v.Referrer)
		page, err2 := url.Parse(v.URL)
		if err1 == nil && err2 == nil && !strings.EqualFold(ref.Hostname(), page.Hostname()) {
			return v.Referrer
		}
	}
	return ""
}

// browserContext is what a start's request tells of the visitor's browser.
func browserContext(req StartRequest, now time.Time) parley.VisitorContext {
	// A header is cut, not refused, as a session's is.
	ua := strings.ToValidUTF8(req.UserAgent, "\uFFFD")
	if utf8.RuneCountInString(ua) > parley.MaxUserAgentLength {
		ua = string([]rune(ua)[:parley.MaxUserAgentLength])
	}
	browser, os := ParseUserAgent(ua)
	langs := req.Languages
	if len(langs) == 0 {
		langs = acceptedLanguages(req.AcceptLanguage)
	}
	kept := make([]string, 0, len(langs))
	for _, l := range langs {
		if l = strings.TrimSpace(l); languageTag.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return parley.VisitorContext{UserAgent: ua, Browser: browser, OS: os, Languages: kept,
		Timezone: req.Timezone, UTCOffsetMinutes: req.UTCOffsetMinutes, UpdatedAt: now}
}

// languageTag is what a kept language looks like: a BCP 47 tag's letters, digits and
// hyphens; anything else a browser sent is left out.
var languageTag = regexp.MustCompile(`^[A-Za-z0-9-]{1,35}$`)

// acceptedLanguages lists the tags of an Accept-Language header, in its order, without
// their weights.
func acceptedLanguages(header string) []string {
	var tags []string
	for item := range strings.SplitSeq(header, ",") {
		tag, _, _ := strings.Cut(item, ";")
		if tag = strings.TrimSpace(tag); tag != "" && tag != "*" && len(tags) < 32 {
			tags = append(tags, tag)
		}
	}
	return tags
}

// startVisit checks what a first message tells beside the message itself, for the
// start's transaction to record.
func startVisit(req StartRequest, now time.Time) (*parley.Visit, error) {
	if err := parley.ValidateTimezone(req.Timezone, req.UTCOffsetMinutes); err != nil {
		return nil, err
	}
	views, err := pageViews(req.Pages, now)
	if err != nil {
		return nil, err
	}
	// A client that does not report pages (an older widget, a script) still says where
	// the visitor started, when that is a web page.
	if req.Pages == nil && parley.ValidateWebURL("Page URL", req.PageURL, true) == nil {
		views = append(views, parley.PageView{URL: req.PageURL, ViewedAt: now})
	}
	return &parley.Visit{Context: browserContext(req, now), Pages: views, Referrer: cameFrom(views)}, nil
}

// RecordPageView keeps a page the visitor viewed (with the widget loaded) after their
// first message.
func (s *Service) RecordPageView(ctx context.Context, v *parley.Visitor, req PageViewRequest) (*parley.PageView, error) {
	req.ViewedAt = nil // the server dates it
	views, err := pageViews([]PageViewRequest{req}, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.store.AddPageViews(ctx, v.ID, views, cameFrom(views)); err != nil {
		return nil, err
	}
	s.tellPageView(ctx, v.ID)
	return &views[0], nil
}

// tellPageView tells the operators of the visitor's active conversations that the
// visitor is on another page, so that their consoles show it.
func (s *Service) tellPageView(ctx context.Context, visitorID int64) {
	convs, err := s.store.VisitorConversations(ctx, visitorID, math.MaxInt64, MaxEarlierConversations)
	if err != nil {
		s.logger.Error("list conversations of visitor", "visitor", visitorID, "err", err)
		return
	}
	for _, c := range convs {
		if c.Status == parley.StatusActive && c.OperatorID != 0 {
			s.publishUser(ctx, c.OperatorID, &parley.Event{Type: parley.EventPageView, ConversationID: c.ID})
		}
	}
}

// VisitorInfo is what an operator sees of the visitor beside a conversation.
type VisitorInfo struct {
	Name             string                 `json:"name"`
	Language         string                 `json:"language"`  // the conversation's, matched to an enabled language
	Languages        []string               `json:"languages"` // the browser's, most preferred first
	CurrentPage      *PageRef               `json:"current_page"`
	Pages            []parley.PageView      `json:"pages"`
	Referrer         string                 `json:"referrer"`
	UserAgent        string                 `json:"user_agent"`
	Browser          string                 `json:"browser"`
	OS               string                 `json:"os"`
	Timezone         string                 `json:"timezone"`
	UTCOffsetMinutes *int                   `json:"utc_offset_minutes"`
	Conversations    []*EarlierConversation `json:"conversations"`
	// Identity is who the channel's website vouched the visitor is (identity.go), null
	// for an anonymous visitor.
	Identity *parley.VisitorIdentity `json:"identity"`
	// ChatbotAnswers are the visitor's answers to the channel's chatbot before this
	// conversation reached a human (chatbot.go), in order.
	ChatbotAnswers []parley.ChatbotAnswer `json:"chatbot_answers"`
}

// PageRef is a page by its address and title.
type PageRef struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// EarlierConversation is one of the visitor's earlier conversations, in full.
type EarlierConversation struct {
	ID        int64                     `json:"id"`
	ChannelID int64                     `json:"channel_id"`
	Status    parley.ConversationStatus `json:"status"`
	CreatedAt time.Time                 `json:"created_at"`
	EndedAt   *time.Time                `json:"ended_at"`
	Operator  *parley.OperatorRef       `json:"operator"`
	Messages  []*parley.Message         `json:"messages"`
}

// VisitorInfo tells the operator who may read a conversation about its visitor: their
// browser, the pages they viewed, and their earlier conversations that the operator may
// read too (those of the channels they joined or assigned to them; all, for an admin).
func (s *Service) VisitorInfo(ctx context.Context, actor *parley.User, id int64) (*VisitorInfo, error) {
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	vc, err := s.store.VisitorContext(ctx, c.VisitorID)
	if err != nil {
		return nil, err
	}
	pages, err := s.store.PageViews(ctx, c.VisitorID)
	if err != nil {
		return nil, err
	}
	info := &VisitorInfo{
		Name: c.VisitorName, Language: c.Language, Languages: vc.Languages, Pages: pages,
		Referrer: vc.Referrer, UserAgent: vc.UserAgent, Browser: vc.Browser, OS: vc.OS,
		Timezone: vc.Timezone, UTCOffsetMinutes: vc.UTCOffsetMinutes,
		Conversations: []*EarlierConversation{},
	}
	if len(pages) > 0 {
		info.CurrentPage = &PageRef{URL: pages[0].URL, Title: pages[0].Title}
	} else if c.PageURL != "" {
		info.CurrentPage = &PageRef{URL: c.PageURL}
	}
	earlier, err := s.store.VisitorConversations(ctx, c.VisitorID, c.ID, MaxEarlierConversations)
	if err != nil {
		return nil, err
	}
	var channels []int64
	if !actor.CanSupervise() && len(earlier) > 0 {
		if channels, err = s.store.UserChannels(ctx, actor.ID); err != nil {
			return nil, err
		}
	}
	for _, e := range earlier {
		if !actor.CanSupervise() && e.OperatorID != actor.ID && !slices.Contains(channels, e.ChannelID) {
			continue
		}
		msgs, err := s.store.Messages(ctx, e.ID, 0, MaxMessagesPage)
		if err != nil {
			return nil, err
		}
		ec := &EarlierConversation{ID: e.ID, ChannelID: e.ChannelID, Status: e.Status, CreatedAt: e.CreatedAt, Messages: msgs}
		if !e.EndedAt.IsZero() {
			t := e.EndedAt
			ec.EndedAt = &t
		}
		if e.OperatorID != 0 {
			ec.Operator = &parley.OperatorRef{ID: e.OperatorID, ChatName: e.OperatorName}
		}
		info.Conversations = append(info.Conversations, ec)
	}
	if info.Identity, err = s.conversationIdentity(ctx, c); err != nil {
		return nil, err
	}
	if info.ChatbotAnswers, err = s.store.ChatbotAnswers(ctx, c.ID); err != nil {
		return nil, err
	}
	return info, nil
}
