package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// The assignment snapshot. Deciding who gets a new conversation needs, for every member
// of the channel, their languages, when they were last given one, and how many
// conversations they have going; reading that by SQL for every start cost most of a
// start with many operators. The writer keeps it in memory instead: the transactions
// that assign, end, or add messages update it as they go, and those that change nothing
// it mirrors (a new visitor, a read mark, a rating...) leave it be (they are "tracked");
// any other write transaction, or one that fails, leaves it to be read again from the
// database before the next decision. Only the writer, one transaction at a time, reads it.

// assignState is the writer's copy of what assignment decisions read.
type assignState struct {
	mu      sync.Mutex
	valid   bool
	members map[int64][]*memberState       // by channel, in user id order
	buf     []parley.Candidate             // the last decision\'s candidates, reused
	ongoing map[int64][]activeConversation // by operator: a few each
}

// memberState is one member of one channel.
type memberState struct {
	userID       int64
	languages    []string // main language first
	lastAssigned time.Time
}

// activeConversation is an active conversation as the load of its operator counts it.
type activeConversation struct {
	id          int64
	channelID   int64
	lastMessage int64 // Unix microseconds, as stored
}

// invalidate makes the next decision read everything again.
func (a *assignState) invalidate() {
	a.mu.Lock()
	a.valid = false
	a.members, a.ongoing = nil, nil
	a.mu.Unlock()
}

// load reads the snapshot from the database within tx, if it is not valid.
func (a *assignState) load(ctx context.Context, tx *wtx, now time.Time) error {
	if a.valid {
		return nil
	}
	members := map[int64][]*memberState{}
	rows, err := tx.QueryContext(ctx, `
		SELECT m.channel_id, m.user_id, u.main_language, u.chat_languages, m.last_assigned_at
		FROM channel_members m JOIN users u ON u.id = m.user_id
		ORDER BY m.channel_id, m.user_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var channelID int64
		var m memberState
		var main, chat string
		var last sql.NullInt64
		if err := rows.Scan(&channelID, &m.userID, &main, &chat, &last); err != nil {
			return err
		}
		var langs []string
		if err := json.Unmarshal([]byte(chat), &langs); err != nil {
			return fmt.Errorf("chat languages of user %d: %w", m.userID, err)
		}
		if main != "" {
			m.languages = append(m.languages, main)
		}
		for _, l := range langs {
			if l != main {
				m.languages = append(m.languages, l)
			}
		}
		m.lastAssigned = goTime(last)
		members[channelID] = append(members[channelID], &m)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	ongoing := map[int64][]activeConversation{}
	since := now.Add(-parley.OngoingWindow).UnixMicro()
	convs, err := tx.QueryContext(ctx, `
		SELECT id, channel_id, operator_id, last FROM (
			SELECT c.id, c.channel_id, c.operator_id, `+lastMessageAt+` AS last FROM conversations c
			WHERE c.status = 'active' AND c.operator_id IS NOT NULL)
		WHERE last > ?`, since)
	if err != nil {
		return err
	}
	defer convs.Close()
	for convs.Next() {
		var id, channelID, operatorID, last int64
		if err := convs.Scan(&id, &channelID, &operatorID, &last); err != nil {
			return err
		}
		ongoing[operatorID] = append(ongoing[operatorID], activeConversation{id: id, channelID: channelID, lastMessage: last})
	}
	if err := convs.Err(); err != nil {
		return err
	}
	a.members, a.ongoing, a.valid = members, ongoing, true
	return nil
}

// candidates returns every member of the channel as the assignment sees them at now;
// Online is left to the chooser.
func (a *assignState) candidates(ctx context.Context, tx *wtx, channelID int64, now time.Time) ([]parley.Candidate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.load(ctx, tx, now); err != nil {
		return nil, err
	}
	since := now.Add(-parley.OngoingWindow).UnixMicro()
	members := a.members[channelID]
	if cap(a.buf) < len(members) {
		a.buf = make([]parley.Candidate, len(members))
	}
	list := a.buf[:len(members)] // the chooser uses it during the decision only
	for i, m := range members {
		c := parley.Candidate{OperatorID: m.userID, Languages: m.languages, LastAssigned: m.lastAssigned}
		convs := a.ongoing[m.userID]
		kept := convs[:0]
		for _, ac := range convs {
			if ac.lastMessage <= since {
				continue // quiet: forgotten, it counts again if a message comes
			}
			kept = append(kept, ac)
			c.Load++
			if ac.channelID == channelID {
				c.Ongoing++
			}
		}
		if len(kept) < len(convs) {
			a.ongoing[m.userID] = kept
		}
		list[i] = c
	}
	return list, nil
}

// assigned records that the operator was given the conversation at now.
func (a *assignState) assigned(conversationID, channelID, operatorID int64, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.valid {
		return
	}
	for _, m := range a.members[channelID] {
		if m.userID == operatorID {
			m.lastAssigned = now.UTC().Truncate(time.Microsecond)
		}
	}
	a.touchLocked(conversationID, channelID, operatorID, now)
}

// messaged records a message at t in a conversation of the operator (0: queued).
func (a *assignState) messaged(conversationID, channelID, operatorID int64, t time.Time) {
	if operatorID == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.valid {
		a.touchLocked(conversationID, channelID, operatorID, t)
	}
}

func (a *assignState) touchLocked(conversationID, channelID, operatorID int64, t time.Time) {
	at := t.UnixMicro()
	convs := a.ongoing[operatorID]
	for i := range convs {
		if convs[i].id == conversationID {
			convs[i].lastMessage = max(convs[i].lastMessage, at) // times only move forward
			return
		}
	}
	a.ongoing[operatorID] = append(convs, activeConversation{id: conversationID, channelID: channelID, lastMessage: at})
}

// ended records that the conversation of the operator ended.
func (a *assignState) ended(conversationID, operatorID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.valid {
		return
	}
	convs := a.ongoing[operatorID]
	for i := range convs {
		if convs[i].id == conversationID {
			a.ongoing[operatorID] = append(convs[:i], convs[i+1:]...)
			return
		}
	}
}
