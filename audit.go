package parley

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEntry is one action of an admin or a supervisor in the audit log: who did what, on
// what, and when. The actor's id and login are kept as they were, so an entry still names
// a user who was deleted since. Detail is a short JSON object of what changed: never a
// password, never the content an erasure removed.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`    // 0: Parley itself (the retention sweep)
	ActorLogin string    `json:"actor_login"` // "" for Parley itself
	Action     string    `json:"action"`
	TargetKind string    `json:"target_kind"` // "user", "channel", "language", "settings", "visitor", "conversation"
	TargetID   string    `json:"target_id"`   // the target's id or code, "" when none
	// Detail is a JSON object; "{}" when there is nothing to add.
	Detail json.RawMessage `json:"detail"`
}

// The actions the audit log records. Other parts add theirs (a supervisor's
// assignments and transfers by hand) with the same dotted form.
const (
	AuditUserCreate        = "user.create"
	AuditUserUpdate        = "user.update" // name, role, disabled, languages
	AuditUserDelete        = "user.delete"
	AuditPasswordReset     = "user.password_reset"
	AuditSessionsRevoked   = "user.sessions_revoked"
	AuditChannelCreate     = "channel.create"
	AuditChannelUpdate     = "channel.update"
	AuditChannelJoin       = "channel.join"  // an admin made another user join
	AuditChannelLeave      = "channel.leave" // an admin made another user leave
	AuditChannelRules      = "channel.rules" // rules per page (channelrules.go)
	AuditChannelHours      = "channel.hours" // business hours
	AuditLanguageUpdate    = "language.update"
	AuditFileSettings      = "settings.files"
	AuditRetentionSettings = "settings.retention"
	AuditVisitorExport     = "visitor.export"
	AuditVisitorErase      = "visitor.erase"
	AuditRetentionSweep    = "retention.sweep"
	// A supervisor's (or admin's) hand on a conversation: recorded by the code that does it,
	// target "conversation", detail the operator or channel it went to.
	AuditConversationAssign   = "conversation.assign"
	AuditConversationTransfer = "conversation.transfer"
)

// MaxAuditLimit bounds one page of the audit log.
const MaxAuditLimit = 200

// AuditQuery selects a page of the audit log, newest first.
type AuditQuery struct {
	Before  int64  // only entries with a smaller id; 0: from the newest
	Limit   int    // at most this many, 1 to MaxAuditLimit
	Action  string // only this action, "" for all
	ActorID int64  // only this actor's, 0 for all
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AddAuditEntry appends e and sets its ID (and At when zero); an empty Detail is
	// stored as "{}".
	AddAuditEntry(ctx context.Context, e *AuditEntry) error
	// AuditLog lists the entries q selects, newest first.
	AuditLog(ctx context.Context, q AuditQuery) ([]*AuditEntry, error)
}

// NewAuditEntry is an entry of actor's action at now, its detail encoded as JSON (nil:
// "{}"). A nil actor is Parley itself.
func NewAuditEntry(actor *User, now time.Time, action, targetKind, targetID string, detail any) *AuditEntry {
	e := &AuditEntry{At: now, Action: action, TargetKind: targetKind, TargetID: targetID, Detail: json.RawMessage("{}")}
	if actor != nil {
		e.ActorID, e.ActorLogin = actor.ID, actor.Login
	}
	if detail != nil {
		if b, err := json.Marshal(detail); err == nil && len(b) > 0 && b[0] == '{' {
			e.Detail = b
		}
	}
	return e
}
