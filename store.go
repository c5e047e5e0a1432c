package parley

import (
	"context"
	"time"
)

// Store keeps everything Parley knows. Implementations: sqlite (the embedded default, one
// server) and postgres (shared by several servers).
// Methods return *Error values with ENOTFOUND or ECONFLICT where the caller can act on it.
type Store interface {
	// Users and sessions. Logins are compared by their LoginKey; a deleted user is kept
	// (their conversations name them) but is found by none of these methods, and their
	// login is free again.
	// CreateUser gives a new user the default notifications (sound on, desktop off),
	// whatever u says; UpdateUser changes them.
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	User(ctx context.Context, id int64) (*User, error)
	// UserByLogin finds a user, disabled or not, by login: the one with exactly that
	// login, else the one with the same LoginKey.
	UserByLogin(ctx context.Context, login string) (u *User, passwordHash string, err error)
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser changes the fields upd sets. It keeps an enabled admin: an update that
	// disables or demotes the last enabled admin (not deleted) changes nothing and
	// returns LastAdminError ("disable" when upd disables, else "demote"), the only
	// EINVALID it returns. The count and the write share one transaction that servers
	// sharing the database serialize, so two admins taking each other away at once
	// leave one.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// DeleteUser marks the user deleted and ends their sessions and memberships. The
	// last enabled admin is refused, as UpdateUser refuses, with LastAdminError("delete").
	DeleteUser(ctx context.Context, id int64, now time.Time) error
	CountUsers(ctx context.Context) (int, error)
	// SetPassword changes the user's password and ends every session of theirs but keep
	// (nil: all); it returns the token hashes of the sessions ended.
	SetPassword(ctx context.Context, userID int64, passwordHash string, keep []byte) (ended [][]byte, err error)
	CreateSession(ctx context.Context, ns NewSession) (*Session, error)
	// SessionUser is the user of a session that has not expired at now; a disabled or
	// deleted user has none.
	SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*User, error)
	// TouchSession records that the session was used at now, if it was last recorded as
	// used before since.
	TouchSession(ctx context.Context, tokenHash []byte, now, since time.Time) error
	// UserSessions lists the user's sessions that have not expired at now, newest first.
	UserSessions(ctx context.Context, userID int64, now time.Time) ([]*Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteUserSession ends one session of the user, by its ID, and returns its token
	// hash; a session of another user is ENOTFOUND.
	DeleteUserSession(ctx context.Context, userID, sessionID int64) ([]byte, error)
	// DeleteUserSessions ends every session of the user but keep (nil: all) and
	// returns their token hashes.
	DeleteUserSessions(ctx context.Context, userID int64, keep []byte) ([][]byte, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	// Languages.
	Languages(ctx context.Context) ([]Language, error)
	// SetLanguage adds the language, or changes the name and the enabled flag of a known
	// one. At least one language stays enabled: disabling a language when no other is
	// enabled changes nothing and returns ErrLastLanguage, decided in the transaction
	// that writes, as UpdateUser keeps an admin.
	SetLanguage(ctx context.Context, lang Language) error

	// Channels and their members.
	CreateChannel(ctx context.Context, ch *Channel) error
	UpdateChannel(ctx context.Context, id int64, upd ChannelUpdate) (*Channel, error)
	Channel(ctx context.Context, id int64) (*Channel, error)
	Channels(ctx context.Context) ([]*Channel, error)
	ChannelMembers(ctx context.Context, channelID int64) ([]*User, error)
	UserChannels(ctx context.Context, userID int64) ([]int64, error)
	JoinChannel(ctx context.Context, channelID, userID int64) error
	LeaveChannel(ctx context.Context, channelID, userID int64) error
	// LeaveChannels ends every membership of the user and lists the channels left.
	LeaveChannels(ctx context.Context, userID int64) ([]int64, error)
	// Members lists every user who joined at least one channel.
	Members(ctx context.Context) ([]int64, error)

	// A channel's texts per language (texts.go). UpdateChannel sets those of the
	// languages upd.Texts names, in the same transaction as its other fields; a language
	// given two empty texts keeps none. ChannelTexts lists them by language code (none
	// for an unknown channel).
	ChannelTexts(ctx context.Context, channelID int64) (map[string]ChannelText, error)

	// Visitors.
	CreateVisitor(ctx context.Context, v *Visitor, tokenHash []byte) error
	VisitorByToken(ctx context.Context, tokenHash []byte) (*Visitor, error)
	// VisitorChannels lists the channels the visitor has conversations in, by id.
	VisitorChannels(ctx context.Context, visitorID int64) ([]int64, error)

	// Visitor context (visitor_context.go), for the operator who answers the visitor.
	// VisitorContext returns what the visitor's browser told at their last start
	// (NewConversation.Visit), a zero one for a visitor who told nothing. AddPageViews
	// appends views, oldest first, and in the same transaction deletes all but the
	// visitor's newest MaxPageViews; a referrer that is not empty becomes the visitor's
	// Referrer. PageViews lists the kept views, newest first. VisitorConversations lists
	// the visitor's conversations older than beforeID, newest first, at most limit. An
	// unknown visitor is ENOTFOUND.
	VisitorContext(ctx context.Context, visitorID int64) (*VisitorContext, error)
	AddPageViews(ctx context.Context, visitorID int64, views []PageView, referrer string) error
	PageViews(ctx context.Context, visitorID int64) ([]PageView, error)
	VisitorConversations(ctx context.Context, visitorID, beforeID int64, limit int) ([]*Conversation, error)

	// Conversations. StartConversation and AssignQueued make the assignment decision
	// inside the same write transaction that records it, so that concurrent starts
	// never push an operator past the cap nor give one conversation to two operators.
	// A start whose ClientID was already used by the visitor in the channel returns that
	// conversation and first message with created false.
	StartConversation(ctx context.Context, nc NewConversation, choose Chooser) (c *Conversation, first *Message, created bool, err error)
	AssignQueued(ctx context.Context, channelID int64, now time.Time, choose Chooser) ([]*Conversation, error)
	Conversation(ctx context.Context, id int64) (*Conversation, error)
	// RequeueConversations puts the operator's active conversations back in their
	// channels' queues, unassigned, and returns them.
	RequeueConversations(ctx context.Context, operatorID int64) ([]*Conversation, error)
	// QueuedConversations lists a channel's queue, oldest first.
	QueuedConversations(ctx context.Context, channelID int64) ([]*Conversation, error)
	// OperatorConversations lists the operator's conversations, newest activity first.
	OperatorConversations(ctx context.Context, userID int64) ([]*ConversationSummary, error)
	// ChannelOngoing counts each operator's ongoing conversations in the channel: active,
	// with their last message or assignment after since (Conversation.Ongoing), and those
	// offered to them (offers.go), which count against the cap as well. Operators with
	// none are not in the map.
	ChannelOngoing(ctx context.Context, channelID int64, since time.Time) (map[int64]int, error)
	ConversationSummary(ctx context.Context, userID, conversationID int64) (*ConversationSummary, error)
	// AddMessage appends a message to a conversation that has not ended. A message whose
	// ClientID the same kind of author already used in the conversation is not stored
	// again: the stored one is returned with created false, even after the end.
	AddMessage(ctx context.Context, nm NewMessage) (m *Message, created bool, err error)
	Messages(ctx context.Context, conversationID, afterSeq int64, limit int) ([]*Message, error)
	MarkRead(ctx context.Context, userID, conversationID, seq int64) error
	// EndConversation ends the conversation and adds the system notice, if any, as its
	// last message. Ending an ended conversation is ECONFLICT.
	EndConversation(ctx context.Context, conversationID int64, notice string, now time.Time) (*Conversation, *Message, error)
	RateConversation(ctx context.Context, conversationID int64, r Rating) error

	// TransferConversation hands an active conversation over (see Transfer). To an
	// operator: they must be a member of the conversation's channel, enabled, and
	// available as choose finds them (given them alone); else ECONFLICT says why
	// (TransferRefusal). To a channel: choose decides among its members, never t.From,
	// or the conversation waits in that channel's queue, remembering t.From. The
	// decision is made in the write transaction that records it, under the locks
	// assignment takes, so a transfer keeps the cap and never gives a conversation to
	// two operators. An operator given it is told with a system notice (JoinedMessage),
	// returned; a queued conversation gets none.
	TransferConversation(ctx context.Context, t Transfer, choose Chooser) (*Conversation, *Message, error)

	// Left messages, their read and handled states and replies (inbox.go).
	InboxStore

	// Canned responses. A shortcut is unique by its ShortcutKey among the shared
	// responses, and among each owner's personal ones: a second one is CannedConflict.
	// CreateCannedResponse sets the ID, Shared (OwnerID 0), and CreatedAt when zero.
	CreateCannedResponse(ctx context.Context, cr *CannedResponse) error
	CannedResponse(ctx context.Context, id int64) (*CannedResponse, error)
	// CannedResponses lists the shared responses and the personal ones of the user,
	// most used first, then by shortcut key.
	CannedResponses(ctx context.Context, userID int64) ([]*CannedResponse, error)
	UpdateCannedResponse(ctx context.Context, id int64, upd CannedResponseUpdate) (*CannedResponse, error)
	DeleteCannedResponse(ctx context.Context, id int64) error
	// UseCannedResponse counts one use of the response.
	UseCannedResponse(ctx context.Context, id int64) error

	// Seen and abandoned conversations.
	// OperatorReadSeq is how far the conversation's operator has read it: their read
	// mark, or their own last message in it when later (whoever answers has read what
	// came before); 0 while no operator is assigned.
	OperatorReadSeq(ctx context.Context, conversationID int64) (int64, error)
	// SeeVisitors records that the visitors were seen at now (a widget of theirs was
	// open); a later time already recorded stays. Unknown ids are ignored.
	SeeVisitors(ctx context.Context, visitorIDs []int64, now time.Time) error
	// AbandonedConversations lists the conversations that have not ended (queued or
	// active) whose visitor was last seen before since, or never, and wrote nothing at
	// or after since, oldest first.
	AbandonedConversations(ctx context.Context, since time.Time) ([]*Conversation, error)

	// Files sent in conversations, and the limits on them (files.go).
	FileStore
	// The live view of supervisors, and hand assignment (liveview.go).
	LiveStore

	// The audit log (audit.go), data requests and retention (datarequest.go).
	AuditStore
	DataRequestStore

	// Reports on conversations (reports.go).
	ReportStore

	// Full-text search over conversations (search.go).
	SearchStore

	// Channel rules per page and business hours (channelrules.go).
	ChannelRulesStore

	// Honest waiting: the channels' wait limits and the estimates given (waiting.go).
	WaitStore

	// The explanations of assignment decisions (routing.go).
	RoutingStore

	// Trusted visitor identity (identity.go).
	IdentityStore

	// Webhooks and their outbox (webhooks.go).
	WebhookStore

	// Offer and accept (offers.go).
	OfferStore

	// Chatbot scripts per channel, and the answers given to them (chatbot.go).
	ChatbotStore

	Ping(ctx context.Context) error
	Close() error
}

// ErrLastLanguage is SetLanguage's refusal to disable the last enabled language.
var ErrLastLanguage = Errorf(EINVALID, "At least one language must stay enabled.")

// LastAdminError is the store's refusal to leave the installation without an enabled
// admin, who alone can manage it: what ("disable", "demote" or "delete") was refused,
// of the user with the login.
func LastAdminError(what, login string) *Error {
	return Errorf(EINVALID, "You cannot %s %s: they are the last enabled admin.", what, login)
}

// NewConversation is what a visitor's first message brings.
type NewConversation struct {
	ChannelID int64
	VisitorID int64
	// NewVisitor, when set, is a visitor to create in the same transaction, known by the
	// hash of its token (VisitorTokenHash); VisitorID is then ignored and NewVisitor gets
	// its ID, CreatedAt and Name as CreateVisitor sets them. A start that fails creates
	// no visitor.
	NewVisitor       *Visitor
	VisitorTokenHash []byte
	Language         string
	PageURL          string
	Body             string
	ClientID         string // idempotency key of the first message, "" for none
	// ReplaySince, when set with NewVisitor and ClientID, makes a start without a token
	// idempotent: if ClientID is the key of the first message of a conversation started
	// in the channel at or after ReplaySince by a visitor it created (the visitor's first
	// conversation), nothing is created; that conversation and message are returned with
	// created false, the visitor's token hash becomes VisitorTokenHash (the old token
	// stops working), and NewVisitor is set to that visitor.
	ReplaySince time.Time
	// Visit, when set, is what the visitor's browser told with this first message. The
	// transaction that creates the conversation records it: the visitor's context is
	// replaced by Visit.Context (all but its Referrer) and Visit.Pages are added as
	// AddPageViews adds them, with Visit.Referrer. A start that creates nothing (a
	// replay, a failure) records nothing.
	Visit *Visit
	// Chatbot, when set, is the chatbot's exchange, stored in the same transaction as the
	// conversation's opening messages (seq 1, 2, …) before the first message; a start
	// resent with the same ClientID brings the same exchange.
	Chatbot *ChatbotExchange
	Now     time.Time
}

// NewMessage is a message to append to a conversation.
type NewMessage struct {
	ConversationID int64
	Author         Author
	Body           string
	ClientID       string // idempotency key, "" for none
	// FileID, when set, is a file of the same conversation (FileStore.CreateFile) that
	// the message carries; a file of another conversation is EINVALID.
	FileID int64
	Now    time.Time
}

// Chooser makes the assignment decision over a snapshot taken inside the store's write
// transaction. The store fills each candidate but Online, which the chooser knows and
// sets on each, so that a store may say why a transfer was refused. It returns the
// decision with its explanation (Route): OperatorID 0 when the conversation must wait.
// The store records the explanation with the assignment (RoutingStore).
type Chooser func(req AssignRequest, candidates []Candidate) Routing

// ConversationSummary is a conversation with what one operator needs to list it.
type ConversationSummary struct {
	Conversation
	Unread      int
	LastMessage *Message
}
