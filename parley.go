// Package parley is the domain of the Parley live chat server: operators, channels,
// conversations and messages, the rules that assign a conversation to an operator and
// decide who is online, the events pushed to clients, and the interfaces (store, event
// bus) that the other packages implement. It imports no database, HTTP or broker package.
package parley

import (
	"time"
)

// Role is what a user may do in the console.
type Role string

const (
	RoleOperator Role = "operator"
	// RoleSupervisor runs a team: beside an operator's work, they watch every operator,
	// queue and conversation, assign and transfer by hand, and read any conversation.
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleSupervisor || r == RoleAdmin }

// User is a staff account: an operator, or an admin who may also manage the installation.
type User struct {
	ID            int64    `json:"id"`
	Login         string   `json:"login"`
	Name          string   `json:"name"`
	Role          Role     `json:"role"`
	ChatName      string   `json:"chat_name"`
	MainLanguage  string   `json:"main_language"`
	ChatLanguages []string `json:"chat_languages"`
	// Disabled users cannot log in; an admin may enable them again.
	Disabled bool `json:"disabled"`
	// NotifySound and NotifyDesktop are the operator's notifications of a new conversation
	// or visitor message while the console's tab is hidden: a sound (on for a new user) and
	// a desktop notification (off until they turn it on).
	NotifySound   bool `json:"notify_sound"`
	NotifyDesktop bool `json:"notify_desktop"`
}

// IsAdmin reports whether u may manage users, channels and languages.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// CanSupervise reports whether u may watch and steer every operator and conversation: a
// supervisor or an admin.
func (u *User) CanSupervise() bool {
	return u != nil && (u.Role == RoleSupervisor || u.Role == RoleAdmin)
}

// DisplayName is the name a visitor sees: the online chat name, or the user's name
// when no chat name is set. Nothing else about the operator ever reaches a visitor.
func (u *User) DisplayName() string {
	if u.ChatName != "" {
		return u.ChatName
	}
	return u.Name
}

// Speaks reports whether lang is the user's main language or one of their chat languages.
func (u *User) Speaks(lang string) bool {
	if lang == "" {
		return false
	}
	if u.MainLanguage == lang {
		return true
	}
	for _, l := range u.ChatLanguages {
		if l == lang {
			return true
		}
	}
	return false
}

// UserUpdate changes the fields that are not nil.
type UserUpdate struct {
	Name          *string
	Role          *Role
	Disabled      *bool
	ChatName      *string
	MainLanguage  *string
	ChatLanguages *[]string
	NotifySound   *bool
	NotifyDesktop *bool
}

// Language is a language the installation knows; only enabled ones may be chosen.
type Language struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// Channel is one support line with its widget settings.
type Channel struct {
	ID                    int64  `json:"id"`
	Name                  string `json:"name"`
	ButtonText            string `json:"button_text"`
	WelcomeMessage        string `json:"welcome_message"`
	MaxOngoingPerOperator int    `json:"max_ongoing_per_operator"`
	ButtonColor           string `json:"button_color"`      // background of the widget's button and header, #RRGGBB
	ButtonTextColor       string `json:"button_text_color"` // text on it, #RRGGBB
	// AllowedOrigins are the websites (scheme://host[:port]) that may embed the widget;
	// empty allows any.
	AllowedOrigins []string `json:"allowed_origins"`
	// OfferSeconds turns offer and accept on (offers.go): how long the chosen operator
	// has to accept; 0, the default, assigns at once.
	OfferSeconds int       `json:"offer_seconds"`
	CreatedAt    time.Time `json:"created_at"`
}

// ChannelUpdate changes the fields that are not nil.
type ChannelUpdate struct {
	Name                  *string
	ButtonText            *string
	WelcomeMessage        *string
	MaxOngoingPerOperator *int
	ButtonColor           *string
	ButtonTextColor       *string
	AllowedOrigins        *[]string
	OfferSeconds          *int
	// Texts sets the channel's texts in the languages it names (see ChannelText).
	Texts map[string]ChannelText
}

// Status is an operator's presence as the console shows it.
type Status string

const (
	StatusOnline  Status = "online"
	StatusAway    Status = "away"
	StatusOffline Status = "offline"
)

// ChannelOperator is an operator of a channel as other operators see them.
type ChannelOperator struct {
	ID       int64  `json:"id"`
	ChatName string `json:"chat_name"`
	Name     string `json:"name"` // the user's name, by which colleagues find them too (/transfer NAME)
	Status   Status `json:"status"`
}

// ChannelView is a channel as one operator sees it in the console.
type ChannelView struct {
	Channel
	Joined    bool              `json:"joined"`
	Operators []ChannelOperator `json:"operators"`
	// Texts are the channel's button text and welcome message per enabled language.
	Texts map[string]ChannelText `json:"texts"`
}

// Visitor is a website visitor, known only by the random token their browser keeps.
type Visitor struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// ConversationStatus is where a conversation stands.
type ConversationStatus string

const (
	StatusQueued ConversationStatus = "queued"
	StatusActive ConversationStatus = "active"
	StatusEnded  ConversationStatus = "ended"
)

// Conversation is one chat between a visitor and the operator it was assigned to.
type Conversation struct {
	ID            int64
	ChannelID     int64
	Status        ConversationStatus
	Language      string
	VisitorID     int64
	VisitorName   string
	OperatorID    int64 // 0 while queued
	OperatorName  string
	PageURL       string
	CreatedAt     time.Time
	AssignedAt    time.Time
	LastMessageAt time.Time
	EndedAt       time.Time
	LastSeq       int64
	QueuePosition int // 1-based place in the channel's queue while queued
	Rating        *Rating
	// VisitorVerified: the channel's website vouched who the visitor is (identity.go).
	VisitorVerified bool
	// OfferedTo is the operator a queued conversation is offered to, until
	// OfferExpiresAt; 0 when none (offers.go).
	OfferedTo      int64
	OfferExpiresAt time.Time
}

// Ongoing reports whether c counts towards its operator's load at now: assigned, not
// ended, and with a message within the ongoing window.
func (c *Conversation) Ongoing(now time.Time) bool {
	return c.Status == StatusActive && c.OperatorID != 0 && now.Sub(c.LastMessageAt) < OngoingWindow
}

// OngoingWindow is how recent a conversation's last message must be for it to count
// as ongoing.
const OngoingWindow = 30 * time.Minute

// Rating is the visitor's verdict on an ended conversation.
type Rating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// ValidScore reports whether s is one of the three ratings a visitor may give.
func ValidScore(s int) bool { return s == 5 || s == 3 || s == 1 }

// AuthorKind says who wrote a message.
type AuthorKind string

const (
	AuthorVisitor  AuthorKind = "visitor"
	AuthorOperator AuthorKind = "operator"
	AuthorSystem   AuthorKind = "system"
	// AuthorBot is a channel's chatbot (chatbot.go), named as the channel.
	AuthorBot AuthorKind = "bot"
)

// Author is who wrote a message, as both sides see it.
type Author struct {
	Kind AuthorKind `json:"kind"`
	Name string     `json:"name"`
	ID   int64      `json:"-"` // operator's user id; never shown to visitors
}

// Message is one message of a conversation. Seq increases by one within the conversation.
type Message struct {
	ConversationID int64     `json:"conversation_id"`
	Seq            int64     `json:"seq"`
	Author         Author    `json:"author"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"created_at"`
	// ClientID is the sender's idempotency key: sending again with the same key returns
	// the message already stored instead of storing it twice.
	ClientID string `json:"client_id,omitempty"`
	// Attachment is the file the message carries, if any (files.go).
	Attachment *Attachment `json:"attachment,omitempty"`
}

// MaxClientIDLength bounds a message's idempotency key.
const MaxClientIDLength = 64

// VisitorLeftMessage is the system notice added when the visitor ends a conversation.
const VisitorLeftMessage = "Visitor left the conversation."

// OperatorLeftMessage is the system notice added when the operator ends a conversation.
const OperatorLeftMessage = "The operator ended the conversation."

// OfflineMessage, what a visitor leaves when no operator is online, is in inbox.go.
