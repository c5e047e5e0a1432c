package parley

import (
	"slices"
	"time"
)

// Candidate is one member of a channel as the assignment sees them at one moment.
type Candidate struct {
	OperatorID   int64
	Online       bool      // a console is open (or was closed less than a grace ago) and the operator is active
	Away         bool      // not Online, but a console is open: the operator has been inactive too long
	Ongoing      int       // ongoing conversations in this channel, checked against the cap
	Load         int       // ongoing conversations in all channels, compared between operators
	Languages    []string  // main language first, then chat languages
	LastAssigned time.Time // when this operator was last given a conversation of the channel
	// OffersAway: set away for missing offers in a row (offers.go), until they are back.
	OffersAway bool
}

// AssignRequest describes the conversation to place.
type AssignRequest struct {
	Cap                int    // the channel's cap of ongoing conversations per operator; 0 means none
	PreviousOperatorID int64  // the operator of the visitor's last conversation in the channel, if any
	Language           string // the visitor's language, matched to an enabled language
	// Exclude is the operator who handed the conversation over (a transfer, or leaving
	// it): the rules never give it back to them.
	Exclude int64
	// Passed are the operators who missed or declined this conversation's offer
	// (offers.go): the rules never offer it to them again.
	Passed []int64
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
	r := Routing{Language: req.Language, Cap: req.Cap, Rule: RuleQueued}
	// What the rules found of each candidate, two bytes each: the explanation lists them
	// (all, or RoutingListed in a large channel) once the decision is made.
	found := make([]verdict, len(candidates))
	available := make([]int, 0, len(candidates))
	previous := -1
	for i := range candidates {
		c := &candidates[i]
		f := &found[i]
		f.tier = c.tier(req.Language)
		switch {
		case req.Exclude != 0 && c.OperatorID == req.Exclude:
			f.aside = asideHandedOver
		case slices.Contains(req.Passed, c.OperatorID):
			f.aside = asideMissedOffer
		case c.OffersAway:
			f.aside = asideMissedOffers
		case !c.Online && c.Away:
			f.aside = asideAway
		case !c.Online:
			f.aside = asideOffline
		case !c.Available(req.Cap):
			f.aside = asideAtCap
		default:
			if req.PreviousOperatorID != 0 && c.OperatorID == req.PreviousOperatorID && previous < 0 {
				previous = i
			}
			available = append(available, i)
		}
	}
	if previous >= 0 {
		r.OperatorID, r.Rule = candidates[previous].OperatorID, RulePrevious
		r.list(req, candidates, found)
		return r
	}
	if len(available) == 0 {
		r.list(req, candidates, found)
		return r
	}

	pool := available
	speakers := 0
	for _, i := range available {
		if found[i].tier != tierNone {
			speakers++
		}
	}
	if speakers > 0 && speakers < len(available) {
		pool = make([]int, 0, speakers)
		for _, i := range available {
			if found[i].tier != tierNone {
				pool = append(pool, i)
			} else {
				found[i].aside = asideLanguage
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
	r.list(req, candidates, found)
	return r
}

// verdict is what the rules found of one candidate.
type verdict struct{ aside, tier uint8 }

const (
	asideNone uint8 = iota
	asideHandedOver
	asideOffline
	asideAway
	asideAtCap
	asideLanguage
	asideMissedOffer
	asideMissedOffers
)

const (
	tierNone uint8 = iota
	tierMain
	tierChat
)

var (
	asideNames = [...]string{"", AsideHandedOver, AsideOffline, AsideAway, AsideAtCap, AsideLanguage, AsideMissedOffer, AsideMissedOffers}
	tierNames  = [...]LanguageTier{TierNone, TierMain, TierChat}
)

// list fills r.Candidates from what the rules found: every candidate in their order, or
// in a channel of more than RoutingListed members the winner and the previous operator
// first, then those who competed, then those set aside, up to RoutingListed, counting
// the rest in r.Omitted by the rule that set them aside.
func (r *Routing) list(req AssignRequest, candidates []Candidate, found []verdict) {
	row := func(i int) RoutingCandidate {
		c := &candidates[i]
		return RoutingCandidate{
			OperatorID:   c.OperatorID,
			SetAside:     asideNames[found[i].aside],
			Tier:         tierNames[found[i].tier],
			Ongoing:      c.Ongoing,
			Load:         c.Load,
			LastAssigned: c.LastAssigned,
			Previous:     req.PreviousOperatorID != 0 && c.OperatorID == req.PreviousOperatorID,
		}
	}
	if len(candidates) <= RoutingListed {
		r.Candidates = make([]RoutingCandidate, len(candidates))
		for i := range candidates {
			r.Candidates[i] = row(i)
		}
		return
	}
	r.Candidates = make([]RoutingCandidate, 0, RoutingListed)
	r.Omitted = map[string]int{}
	for pass := 0; pass < 3; pass++ {
		for i := range candidates {
			id := candidates[i].OperatorID
			first := id == r.OperatorID || req.PreviousOperatorID != 0 && id == req.PreviousOperatorID
			competed := found[i].aside == asideNone
			if pass == 0 && first || pass == 1 && !first && competed || pass == 2 && !first && !competed {
				if len(r.Candidates) < RoutingListed {
					r.Candidates = append(r.Candidates, row(i))
				} else {
					r.Omitted[asideNames[found[i].aside]]++
				}
			}
		}
	}
}

// tier is how c speaks lang: as their main language (the first), as a chat language, or
// not at all.
func (c *Candidate) tier(lang string) uint8 {
	for i, l := range c.Languages {
		if l == lang && lang != "" {
			if i == 0 {
				return tierMain
			}
			return tierChat
		}
	}
	return tierNone
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
