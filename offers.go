package parley

import (
	"context"
	"time"
)

// Offer and accept, optional per channel (Channel.OfferSeconds): the operator the rules
// choose is offered the conversation for a few seconds instead of being given it. The
// conversation stays queued (the visitor keeps their place) and counts against the
// operator's cap and load while the offer stands. Accepted, it is theirs as if assigned
// at once; declined or not accepted in time, it is offered to the next by the same rules,
// never again to one who missed or declined it. An operator who misses MissedOffersAway
// offers in a row is set away until they say they are back.

// Bounds of a channel's offer_seconds when offers are on (0 turns them off).
const (
	MinOfferSeconds = 10
	MaxOfferSeconds = 300
)

// MissedOffersAway is how many offers in a row an operator may miss before being set away.
const MissedOffersAway = 2

// OfferStore is the part of the Store that keeps offers. An offer is made by the
// decisions that would assign a conversation (StartConversation, AssignQueued and a
// transfer to a channel) when its channel has offers on; each records it in the
// decision's transaction: the conversation stays queued with OfferedTo and
// OfferExpiresAt set, and its routing decision says it was an offer (Routing.Offer).
type OfferStore interface {
	// AcceptOffer makes the conversation offered to userID theirs: active, assigned at
	// now, as an assignment at once would have made it, and resets their missed offers.
	// ECONFLICT (OfferRefused) when it is not offered to them, or the offer expired.
	AcceptOffer(ctx context.Context, conversationID, userID int64, now time.Time) (*Conversation, error)
	// DeclineOffer withdraws the offer made to userID (ECONFLICT as AcceptOffer) and, in
	// the same transaction, assigns or offers the channel's queue as AssignQueued does,
	// never to userID for this conversation. It returns the queue's conversations
	// assigned or offered by that decision.
	DeclineOffer(ctx context.Context, conversationID, userID int64, now time.Time, choose Chooser) ([]*Conversation, error)
	// ExpireOffers takes the offers expired at now, counts each as missed by its
	// operator (MissedOffersAway in a row set them away), and in the same transaction
	// decides the channel's queue again as AssignQueued does. Each expired offer is
	// taken once, whichever server or store handle asks.
	ExpireOffers(ctx context.Context, now time.Time, choose Chooser) (*OfferExpiry, error)
	// Offers lists the offers standing for userID, oldest first, and whether they are
	// set away for missed offers.
	Offers(ctx context.Context, userID int64, now time.Time) (offers []*Offer, away bool, err error)
	// OffersAway lists the operators set away for missed offers.
	OffersAway(ctx context.Context) ([]int64, error)
	// Back clears the operator's away for missed offers (and their count of misses).
	// It reports whether they were away.
	Back(ctx context.Context, userID int64) (bool, error)
}

// OfferExpiry is what ExpireOffers did.
type OfferExpiry struct {
	Missed   []MissedOffer
	Assigned []*Conversation // assigned or offered by the decisions that followed, by channel
}

// MissedOffer is one offer not accepted in time.
type MissedOffer struct {
	ConversationID int64
	ChannelID      int64
	OperatorID     int64
	SetAway        bool // this miss set the operator away
}

// Offer is a conversation offered to one operator, as their console shows it.
type Offer struct {
	ConversationID int64      `json:"conversation_id"`
	ChannelID      int64      `json:"channel_id"`
	ChannelName    string     `json:"channel_name"`
	Visitor        VisitorRef `json:"visitor"`
	Language       string     `json:"language"`
	FirstMessage   string     `json:"first_message"`
	ExpiresAt      time.Time  `json:"expires_at"`
	Seconds        int        `json:"seconds"` // the whole countdown: the channel's offer_seconds
}

// The outcomes of an offer, in Routing.Offer.
const (
	OfferMade     = "offered"
	OfferAccepted = "accepted"
	OfferDeclined = "declined"
	OfferMissed   = "missed"
)

// OfferRefused is the refusal to accept or decline an offer that is not the user's, or
// no longer stands.
func OfferRefused(c *Conversation, userID int64, now time.Time) *Error {
	switch {
	case c.Status != StatusQueued || c.OfferedTo != userID:
		return Errorf(ECONFLICT, "This conversation is not offered to you.")
	case !now.Before(c.OfferExpiresAt):
		return Errorf(ECONFLICT, "The offer has expired.")
	}
	return nil
}

// ValidOfferSeconds reports whether s is a channel's possible offer_seconds.
func ValidOfferSeconds(s int) bool {
	return s == 0 || s >= MinOfferSeconds && s <= MaxOfferSeconds
}
