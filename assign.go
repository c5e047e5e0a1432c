package parley

import "time"

// Candidate is one member of a channel as the assignment sees them at one moment.
type Candidate struct {
	OperatorID   int64
	Online       bool      // a console is open (or was closed less than a grace ago) and the operator is active
	Away         bool      // not Online, but a console is open: the operator has been inactive too long
	Ongoing      int       // ongoing conversations in this channel, checked against the cap
	Load         int       // ongoing conversations in all channels, compared between operators
	Languages    []string  // main language first, then chat languages
	LastAssigned time.Time // when this operator was last given a conversation of the channel
}

// AssignRequest describes the conversation to place.
type AssignRequest struct {
	Cap                int    // the channel's cap of ongoing conversations per operator; 0 means none
	PreviousOperatorID int64  // the operator of the visitor's last conversation in the channel, if any
	Language           string // the visitor's language, matched to an enabled language
	// Exclude is the operator who handed the conversation over (a transfer, or leaving
	// it): the rules never give it back to them.
	Exclude int64
}

// Available reports whether c may be given a new conversation at all: online and below
// the cap. Membership of the channel is what made c a candidate.
func (c *Candidate) Available(capacity int) bool {
	return c.Online && (capacity <= 0 || c.Ongoing < capacity)
}

// Assign picks the operator for a new conversation by the rules of Route, and returns
// false when nobody is available and the conversation must wait in the queue.
func Assign(req AssignRequest, candidates []Candidate) (operatorID int64, ok bool) {
	r := Route(req, candidates)
	return r.OperatorID, r.OperatorID != 0
}

// Route decides who gets a new conversation by the rules, in order: availability
// (online, under the cap, not the operator who handed it over); the visitor's previous
// operator; language; fewest ongoing conversations; least recently assigned (then lowest
// id, so the choice is deterministic). It returns the decision with its explanation: the
// chosen operator (0 when nobody is available and the conversation must wait in the
// queue), the rule that decided, and each candidate as the rules saw them. The store
// records the explanation with the assignment (RoutingStore): it is the decision's own
// account, never recomputed apart.
func Route(req AssignRequest, candidates []Candidate) Routing {
	r := Routing{Language: req.Language, Cap: req.Cap, Rule: RuleQueued, Candidates: make([]RoutingCandidate, len(candidates))}
	available := make([]int, 0, len(candidates))
	previous := -1
	for i := range candidates {
		c := &candidates[i]
		rc := &r.Candidates[i]
		*rc = RoutingCandidate{
			OperatorID:   c.OperatorID,
			Tier:         c.tier(req.Language),
			Ongoing:      c.Ongoing,
			Load:         c.Load,
			LastAssigned: c.LastAssigned,
			Previous:     req.PreviousOperatorID != 0 && c.OperatorID == req.PreviousOperatorID,
		}
		switch {
		case req.Exclude != 0 && c.OperatorID == req.Exclude:
			rc.SetAside = AsideHandedOver
		case !c.Online && c.Away:
			rc.SetAside = AsideAway
		case !c.Online:
			rc.SetAside = AsideOffline
		case !c.Available(req.Cap):
			rc.SetAside = AsideAtCap
		default:
			if rc.Previous && previous < 0 {
				previous = i
			}
			available = append(available, i)
		}
	}
	if previous >= 0 {
		r.OperatorID, r.Rule = candidates[previous].OperatorID, RulePrevious
		r.trim()
		return r
	}
	if len(available) == 0 {
		r.trim()
		return r
	}

	pool := available
	speakers := 0
	for _, i := range available {
		if r.Candidates[i].Tier != TierNone {
			speakers++
		}
	}
	if speakers > 0 && speakers < len(available) {
		pool = make([]int, 0, speakers)
		for _, i := range available {
			if r.Candidates[i].Tier != TierNone {
				pool = append(pool, i)
			} else {
				r.Candidates[i].SetAside = AsideLanguage
			}
		}
		r.ByLanguage = true
	}

	best := pool[0]
	for _, i := range pool[1:] {
		if better(&candidates[i], &candidates[best]) {
			best = i
		}
	}
	r.OperatorID = candidates[best].OperatorID
	// The rule that decided is the first one that told the winner from their closest rival.
	r.Rule = RuleOnly
	if len(pool) > 1 {
		r.Rule = RuleLoad
		w := &candidates[best]
		for _, i := range pool {
			c := &candidates[i]
			if i == best || c.Load != w.Load {
				continue
			}
			if c.LastAssigned.Equal(w.LastAssigned) {
				r.Rule = RuleLowestID
				break
			}
			r.Rule = RuleLastAssigned
		}
	}
	r.trim()
	return r
}

// tier is how c speaks lang: as their main language (the first), as a chat language, or
// not at all.
func (c *Candidate) tier(lang string) LanguageTier {
	for i, l := range c.Languages {
		if l == lang && lang != "" {
			if i == 0 {
				return TierMain
			}
			return TierChat
		}
	}
	return TierNone
}

// better reports whether a should be preferred to b among equally eligible operators.
func better(a, b *Candidate) bool {
	if a.Load != b.Load {
		return a.Load < b.Load
	}
	if !a.LastAssigned.Equal(b.LastAssigned) {
		return a.LastAssigned.Before(b.LastAssigned)
	}
	return a.OperatorID < b.OperatorID
}
