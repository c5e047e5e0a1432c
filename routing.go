package parley

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Explainable routing: every assignment decision (a conversation started, the queue
// drained, a transfer, a conversation given by hand) is recorded with its explanation,
// the Routing that Route returned while deciding, in the write transaction that records
// the assignment.

// RoutingStore is the part of the Store that reads the recorded decisions.
type RoutingStore interface {
	// ConversationRouting lists the routing decisions of a conversation, oldest first,
	// with the names of the candidates filled in (Name: their chat name, or their name).
	// ENOTFOUND for an unknown conversation.
	ConversationRouting(ctx context.Context, conversationID int64) ([]*Routing, error)
}

// Routing is one assignment decision and why it went as it did.
type Routing struct {
	// At and Kind say when the decision was made and what asked for it; the store sets
	// them. The rest is Route's.
	At   time.Time   `json:"at"`
	Kind RoutingKind `json:"kind"`
	// OperatorID is the operator given the conversation; 0 when it waits in the queue.
	OperatorID int64 `json:"operator_id,omitempty"`
	// Rule is the rule that decided (RulePrevious, ... RuleQueued when nobody was available).
	Rule     string `json:"rule"`
	Language string `json:"language,omitempty"` // the visitor's language
	Cap      int    `json:"cap"`                // the channel's cap of ongoing conversations; 0 means none
	// ByLanguage: among the available, only those who speak the visitor's language
	// competed (the others are set aside with AsideLanguage).
	ByLanguage bool               `json:"by_language,omitempty"`
	Candidates []RoutingCandidate `json:"candidates"`
	// Omitted counts the candidates left out of Candidates in a large channel (see
	// RoutingListed), by the rule that set them aside ("" for those who competed).
	Omitted map[string]int `json:"omitted,omitempty"`
	// Offer, when the channel offers conversations (offers.go), says the decision was an
	// offer to OperatorID and how it ended: OfferMade while it stands, then
	// OfferAccepted, OfferDeclined or OfferMissed.
	Offer string `json:"offer,omitempty"`
	// Summary is the decision in one line (Summary), filled in when read.
	Summary string `json:"summary,omitempty"`
}

// RoutingCandidate is one member of the channel as the decision saw them.
type RoutingCandidate struct {
	OperatorID int64  `json:"operator_id"`
	Name       string `json:"name,omitempty"` // filled in when read
	// SetAside is the rule that set them aside (AsideOffline, ...); "" when they competed.
	SetAside     string       `json:"set_aside,omitempty"`
	Tier         LanguageTier `json:"language_tier"`
	Ongoing      int          `json:"ongoing"` // in the channel, against the cap
	Load         int          `json:"load"`    // in all channels, compared between operators
	LastAssigned time.Time    `json:"last_assigned,omitzero"`
	Previous     bool         `json:"previous,omitempty"` // the operator of the visitor's last conversation in the channel
}

// RoutingKind is what asked for a decision.
type RoutingKind string

const (
	RoutingStart    RoutingKind = "start"    // the conversation started
	RoutingQueue    RoutingKind = "queue"    // taken from the queue when an operator became available
	RoutingTransfer RoutingKind = "transfer" // transferred to a channel (or to one operator: then one candidate)
	RoutingHand     RoutingKind = "hand"     // given by hand from the live view, or taken by an operator
)

// LanguageTier is how a candidate speaks the visitor's language.
type LanguageTier string

const (
	TierMain LanguageTier = "main"
	TierChat LanguageTier = "chat"
	TierNone LanguageTier = "none"
)

// The rules that set a candidate aside.
const (
	AsideHandedOver = "handed_over" // they handed the conversation over
	AsideOffline    = "offline"
	AsideAway       = "away" // a console open, but inactive too long
	AsideAtCap      = "at_cap"
	AsideLanguage   = "language" // available, but others speak the visitor's language
	// AsideMissedOffer: they missed or declined this conversation's offer (offers.go).
	AsideMissedOffer = "missed_offer"
	// AsideMissedOffers: set away for missing offers in a row, until they are back.
	AsideMissedOffers = "missed_offers"
)

// The rules that decide.
const (
	RulePrevious     = "previous" // the visitor's previous operator, available, keeps them
	RuleOnly         = "only"     // the only one left
	RuleLoad         = "load"     // fewest ongoing conversations in all channels
	RuleLastAssigned = "last_assigned"
	RuleLowestID     = "lowest_id" // equal in everything: the first account
	RuleQueued       = "queued"    // nobody available
)

// RoutingListed is how many candidates an explanation lists: in a larger channel it
// keeps the winner, the previous operator and those who competed first, then those set
// aside, in the members' order, and counts the rest (Routing.Omitted), so that a
// decision among a thousand operators stays a small record.
const RoutingListed = 50

// Summarize sets r.Summary to the decision in one line, naming operators by their Name
// (or #id when it has none), e.g. "Assigned to Alex: speaks fr; 2 ongoing against 3;
// Sam at the cap".
func (r *Routing) Summarize() {
	name := func(c *RoutingCandidate) string {
		if c.Name != "" {
			return c.Name
		}
		return fmt.Sprintf("#%d", c.OperatorID)
	}
	var parts []string
	var head string
	var winner *RoutingCandidate
	for i := range r.Candidates {
		if r.Candidates[i].OperatorID == r.OperatorID {
			winner = &r.Candidates[i]
		}
	}
	switch {
	case winner == nil:
		head = "Queued: nobody available"
	case r.Kind == RoutingHand:
		head = "Given by hand to " + name(winner)
	case r.Offer == OfferMade:
		head = "Offered to " + name(winner)
	case r.Offer != "":
		head = "Offered to " + name(winner) + ", who " + r.Offer + " it"
	default:
		head = "Assigned to " + name(winner)
	}
	if winner != nil {
		switch r.Rule {
		case RulePrevious:
			parts = append(parts, "their previous operator")
		case RuleOnly:
			if !r.ByLanguage && len(r.Candidates) > 1 {
				parts = append(parts, "the only one available")
			}
		}
		if winner.Tier != TierNone {
			parts = append(parts, "speaks "+r.Language)
		}
		switch r.Rule {
		case RuleLoad:
			parts = append(parts, fmt.Sprintf("least busy (%d in all channels)", winner.Load))
		case RuleLastAssigned:
			parts = append(parts, "longest without a new conversation")
		case RuleLowestID:
			parts = append(parts, "first of equals")
		}
		if r.Cap > 0 {
			parts = append(parts, fmt.Sprintf("%d ongoing against %d", winner.Ongoing, r.Cap))
		} else {
			parts = append(parts, fmt.Sprintf("%d ongoing", winner.Ongoing))
		}
	}
	for i := range r.Candidates {
		c := &r.Candidates[i]
		switch c.SetAside {
		case AsideHandedOver:
			parts = append(parts, name(c)+" handed it over")
		case AsideOffline:
			parts = append(parts, name(c)+" offline")
		case AsideAway:
			parts = append(parts, name(c)+" away")
		case AsideAtCap:
			parts = append(parts, name(c)+" at the cap")
		case AsideMissedOffer:
			parts = append(parts, name(c)+" missed or declined the offer")
		case AsideMissedOffers:
			parts = append(parts, name(c)+" away after missed offers")
		}
	}
	omitted := 0
	for _, n := range r.Omitted {
		omitted += n
	}
	if omitted > 0 {
		parts = append(parts, fmt.Sprintf("%d more not listed", omitted))
	}
	if len(parts) == 0 {
		r.Summary = head
		return
	}
	r.Summary = head + ": " + strings.Join(parts, "; ")
}

// RoutingOperators lists the operators the decisions name, for a store to look up.
func RoutingOperators(rs []*Routing) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, r := range rs {
		for _, c := range r.Candidates {
			if !seen[c.OperatorID] {
				seen[c.OperatorID] = true
				ids = append(ids, c.OperatorID)
			}
		}
	}
	return ids
}

// NameRoutings fills in the candidates' names from names (by user id) and each
// decision's Summary.
func NameRoutings(rs []*Routing, names map[int64]string) {
	for _, r := range rs {
		for i := range r.Candidates {
			r.Candidates[i].Name = names[r.Candidates[i].OperatorID]
		}
		r.Summarize()
	}
}
