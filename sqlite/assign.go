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
	members map[int64][]*memberState                // by channel, in user id order
	ongoing map[int64]map[int64]*activeConversation // by operator, then conversation
}

// memberState is one member of one channel.
type memberState struct {
	userID       int64
	languages    []string // main language first
	lastAssigned time.Time
}

// activeConversation is an active conversation as the load of its operator counts it.
type activeConversation struct {
	channelID   int64
	lastMessage time.Time
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

	ongoing := map[int64]map[int64]*activeConversation{}
	since := now.Add(-parley.OngoingWindow).UnixMicro()
	convs, err := tx.QueryContext(ctx, `
		SELECT id, channel_id, operator_id, last_message_at FROM conversations
		WHERE status = 'active' AND operator_id IS NOT NULL AND last_message_at > ?`, since)
	if err != nil {
		return err
	}
	defer convs.Close()
	for convs.Next() {
		var id, channelID, operatorID, last int64
		if err := convs.Scan(&id, &channelID, &operatorID, &last); err != nil {
			return err
		}
		ac := &activeConversation{channelID: channelID, lastMessage: time.UnixMicro(last)}
		if ongoing[operatorID] == nil {
			ongoing[operatorID] = map[int64]*activeConversation{}
		}
		ongoing[operatorID][id] = ac
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
	since := now.Add(-parley.OngoingWindow).Truncate(time.Microsecond) // as stored
	members := a.members[channelID]
	list := make([]parley.Candidate, len(members))
	for i, m := range members {
		c := parley.Candidate{OperatorID: m.userID, Languages: m.languages, LastAssigned: m.lastAssigned}
		for id, ac := range a.ongoing[m.userID] {
			if !ac.lastMessage.After(since) {
				delete(a.ongoing[m.userID], id) // quiet: it counts again if a message comes
				continue
			}
			c.Load++
			if ac.channelID == channelID {
				c.Ongoing++
			}
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
	convs := a.ongoing[operatorID]
	if convs == nil {
		convs = map[int64]*activeConversation{}
		a.ongoing[operatorID] = convs
	}
	if ac := convs[conversationID]; ac != nil && ac.lastMessage.After(t) {
		return // times only move forward
	}
	convs[conversationID] = &activeConversation{channelID: channelID, lastMessage: t}
}

// ended records that the conversation of the operator ended.
func (a *assignState) ended(conversationID, operatorID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.valid {
		delete(a.ongoing[operatorID], conversationID)
	}
}
