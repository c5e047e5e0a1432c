package parley

import "time"

// Session is one console login of a user, as an admin sees it. Its ID is an opaque
// number: the token and its hash never leave the server.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	TokenHash  []byte    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	UserAgent  string    `json:"user_agent"` // at login
	Address    string    `json:"address"`    // the client's address at login
	Current    bool      `json:"current"`    // the session of the request that lists it
}

// NewSession is a login to record.
type NewSession struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UserAgent string
	Address   string
}

// MaxUserAgentLength bounds the User-Agent kept with a session, in characters.
const MaxUserAgentLength = 256

// AccountsTopic is the bus topic on which the service announces that a user's account
// changed or some of their sessions ended. Every server listens: each drops what it
// keeps of the user in memory and closes the WebSockets opened with an ended session,
// wherever the change was made.
const AccountsTopic = "accounts"

// AccountNotice is the payload of AccountsTopic.
type AccountNotice struct {
	UserID int64 `json:"user_id"`
	// EndedSessions are the token hashes of the sessions that ended.
	EndedSessions [][]byte `json:"ended_sessions,omitempty"`
	// Changed: the user was edited (role, names, languages, disabled...); what is kept
	// of them in memory must be read again.
	Changed bool `json:"changed,omitempty"`
	// RoleChanged: the user's role changed. Their consoles reconnect, so that each
	// socket receives the events of the role it now has (the live view's, for one).
	RoleChanged bool `json:"role_changed,omitempty"`
	// Requeued are the user's conversations put back in the queue: their operator is
	// no longer the user.
	Requeued []int64 `json:"requeued,omitempty"`
}
