package parley

import "time"

// Candidate is one member of a channel as the assignment sees them at one moment.
type Candidate struct {
	OperatorID   int64
	Online       bool      // a console is open (or was closed less than a grace ago) and the operator is active
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

func (c *Candidate) speaks(lang string) bool {
	for _, l := range c.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Assign picks the operator for a new conversation by the rules, in order: availability
// (online, under the cap, not the operator who handed it over); the visitor's previous
// operator; language; fewest ongoing conversations; least recently assigned (then lowest
// id, so the choice is deterministic).
// It returns false when nobody is available and the conversation must wait in the queue.
func Assign(req AssignRequest, candidates []Candidate) (operatorID int64, ok bool) {
	available := make([]*Candidate, 0, len(candidates))
	for i := range candidates {
		c := &candidates[i]
		if !c.Available(req.Cap) || (req.Exclude != 0 && c.OperatorID == req.Exclude) {
			continue
		}
		if req.PreviousOperatorID != 0 && c.OperatorID == req.PreviousOperatorID {
			return c.OperatorID, true
		}
		available = append(available, c)
	}
	if len(available) == 0 {
		return 0, false
	}

	speakers := available[:0:0]
	for _, c := range available {
		if c.speaks(req.Language) {
			speakers = append(speakers, c)
		}
	}
	if len(speakers) > 0 {
		available = speakers
	}

	best := available[0]
	for _, c := range available[1:] {
		if better(c, best) {
			best = c
		}
	}
	return best.OperatorID, true
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
