package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley"
)

// SearchRequest is what an operator searches conversations by (GET /api/search).
type SearchRequest struct {
	Text       string // words, each matched as the start of a word
	Visitor    string // part of the visitor's name
	OperatorID int64
	ChannelID  int64
	Rating     int       // 5, 3 or 1; 0 for any
	From, To   time.Time // the conversation started in [From, To)
	Before     int64     // the cursor of the next page
	Limit      int       // 0: DefaultSearchLimit
}

// DefaultSearchLimit is how many results a page has unless the request says.
const DefaultSearchLimit = 20

// MaxVisitorSearch bounds the part of a visitor's name searched for.
const MaxVisitorSearch = 100

// Search finds the conversations the actor may read (visible: those assigned to them
// and those of their channels; any for a supervisor or an admin) that match every
// criterion of req, newest first. Text alone, or any filter alone, is a search; nothing
// at all is refused.
func (s *Service) Search(ctx context.Context, actor *parley.User, req SearchRequest) (*parley.SearchPage, error) {
	words, err := parley.SearchWords(req.Text)
	if err != nil {
		return nil, err
	}
	if err := parley.ValidateName("Visitor", req.Visitor, MaxVisitorSearch, false); err != nil {
		return nil, err
	}
	switch {
	case req.Rating != 0 && !parley.ValidScore(req.Rating):
		return nil, parley.Errorf(parley.EINVALID, "Rating must be 5 (good), 3 (okay) or 1 (bad).")
	case req.OperatorID < 0 || req.ChannelID < 0 || req.Before < 0:
		return nil, parley.Errorf(parley.EINVALID, "Ids are positive integers.")
	case req.Limit < 0 || req.Limit > parley.MaxSearchLimit:
		return nil, parley.Errorf(parley.EINVALID, "Limit must be between 1 and %d.", parley.MaxSearchLimit)
	case !req.From.IsZero() && !req.To.IsZero() && !req.From.Before(req.To):
		return nil, parley.Errorf(parley.EINVALID, "The start of the period must come before its end.")
	case len(words) == 0 && req.Visitor == "" && req.OperatorID == 0 && req.ChannelID == 0 && req.Rating == 0 &&
		req.From.IsZero() && req.To.IsZero():
		return nil, parley.Errorf(parley.EINVALID, "Type a word to search for, or choose a filter.")
	}
	limit := req.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	q := parley.SearchQuery{
		Words: words, Visitor: req.Visitor, OperatorID: req.OperatorID, ChannelID: req.ChannelID, Rating: req.Rating,
		From: req.From, To: req.To, Before: req.Before, Limit: limit + 1,
	}
	if !actor.CanSupervise() {
		q.ReaderID = actor.ID
	}
	found, err := s.store.SearchConversations(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &parley.SearchPage{Results: make([]*parley.SearchHit, 0, min(len(found), limit))}
	for i, r := range found {
		if i == limit {
			next := found[i-1].Conversation.ID
			page.NextBefore = &next
			break
		}
		page.Results = append(page.Results, r.Hit(words))
	}
	return page, nil
}
