package parley

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Data requests: what Parley holds about one person, exported or erased by an admin. A
// person is known by a visitor record (the widget's token) and by the email address they
// gave when leaving a message; a request names either or both.

// DataSubject is whose data a request is about: a visitor, an email address, or both.
type DataSubject struct {
	VisitorID int64
	Email     string // matched without regard to case
}

// ValidateDataSubject checks a request's subject and returns it with the email trimmed.
func ValidateDataSubject(d DataSubject) (DataSubject, error) {
	d.Email = strings.TrimSpace(d.Email)
	if d.VisitorID < 0 {
		return d, Errorf(EINVALID, "visitor_id must be a positive integer.")
	}
	if d.VisitorID == 0 && d.Email == "" {
		return d, Errorf(EINVALID, "Name a visitor (visitor_id) or an email address (email).")
	}
	if d.Email != "" {
		if err := ValidateEmail(d.Email); err != nil {
			return d, err
		}
	}
	return d, nil
}

// ValidateEmail checks the shape of an email address: one @ with something on each side,
// one line, at most MaxEmailLength characters.
func ValidateEmail(email string) error {
	at := strings.LastIndexByte(email, '@')
	if !utf8.ValidString(email) || at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>") ||
		utf8.RuneCountInString(email) > MaxEmailLength {
		return Errorf(EINVALID, "%q is not an email address.", email)
	}
	return nil
}

// VisitorQuery finds visitors for a data request: by id, by a conversation of theirs,
// or by a part of their name; the conditions set must all hold.
type VisitorQuery struct {
	ID             int64
	ConversationID int64
	Name           string // a part of the name, without regard to case
}

// VisitorRecord is a visitor as a data request lists them.
type VisitorRecord struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	LastSeenAt    *time.Time `json:"last_seen_at"`
	Conversations int        `json:"conversations"`
	// LastConversationAt is when their newest conversation started, nil for none.
	LastConversationAt *time.Time `json:"last_conversation_at"`
}

// ExportedContext is a visitor's context as an export writes it.
type ExportedContext struct {
	UserAgent        string    `json:"user_agent"`
	Browser          string    `json:"browser"`
	OS               string    `json:"os"`
	Languages        []string  `json:"languages"`
	Timezone         string    `json:"timezone"`
	UTCOffsetMinutes *int      `json:"utc_offset_minutes"`
	Referrer         string    `json:"referrer"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ExportedFile is a file of an exported conversation: its description and where an admin
// downloads it (the export does not carry the bytes).
type ExportedFile struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SentBy      string    `json:"sent_by"` // "visitor" or "operator"
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// ExportedConversation is a conversation with everything it holds.
type ExportedConversation struct {
	ID         int64              `json:"id"`
	ChannelID  int64              `json:"channel_id"`
	Status     ConversationStatus `json:"status"`
	Language   string             `json:"language"`
	PageURL    string             `json:"page_url"`
	Operator   string             `json:"operator"` // the name the visitor saw, "" if none
	CreatedAt  time.Time          `json:"created_at"`
	AssignedAt *time.Time         `json:"assigned_at"`
	EndedAt    *time.Time         `json:"ended_at"`
	Rating     *Rating            `json:"rating"`
	Messages   []*Message         `json:"messages"`
	Files      []ExportedFile     `json:"files"`
}

// DataExport is everything Parley holds about one data subject.
type DataExport struct {
	ExportedAt    time.Time              `json:"exported_at"`
	Visitor       *VisitorRecord         `json:"visitor"`
	Context       *ExportedContext       `json:"context"`
	PageViews     []PageView             `json:"page_views"`
	Conversations []ExportedConversation `json:"conversations"`
	LeftMessages  []*OfflineMessage      `json:"left_messages"`
	// Identities are who websites vouched the visitor is (identity.go), when any.
	Identities []*VisitorIdentity `json:"identities,omitempty"`
}

// Erased counts what an erasure removed.
type Erased struct {
	VisitorID     int64 `json:"visitor_id"` // 0 when the request named only an email
	Conversations int   `json:"conversations"`
	Messages      int   `json:"messages"`
	Files         int   `json:"files"`
	PageViews     int   `json:"page_views"`
	LeftMessages  int   `json:"left_messages"`
}

// ErasedVisitorName names the visitor that an erased visitor's conversations are left
// with: the shells keep the team's figures (counts, waits, durations, rating scores) and
// nothing that tells who the visitor was.
const ErasedVisitorName = "Erased visitor"

// RetentionSettings are the admin's rule for how long conversations are kept.
type RetentionSettings struct {
	// Days: conversations whose last activity is older than this many days are erased,
	// with their messages and files; 0 keeps them forever.
	Days int `json:"days"`
	// LastSweepAt is when the sweep last ran the rule, nil before it ever did.
	LastSweepAt *time.Time `json:"last_sweep_at"`
}

// MaxRetentionDays bounds RetentionSettings.Days (a hundred years).
const MaxRetentionDays = 36500

// Validate checks the rule.
func (r *RetentionSettings) Validate() error {
	if r.Days < 0 || r.Days > MaxRetentionDays {
		return Errorf(EINVALID, "days must be between 0 (keep forever) and %d.", MaxRetentionDays)
	}
	return nil
}

// RetentionSweep is what one sweep of the retention rule did.
type RetentionSweep struct {
	Ran           bool      // false: no rule, or another sweep ran within the interval
	Cutoff        time.Time // conversations last active before it were erased
	Conversations int
	Messages      int
	Files         int
	// Visitors are the visitors left with no conversation and gone as long, erased with
	// their page views and context.
	Visitors []int64
}

// DataRequestStore keeps what data requests and the retention rule need.
type DataRequestStore interface {
	// FindVisitors lists the visitors q selects, newest first, at most limit.
	FindVisitors(ctx context.Context, q VisitorQuery, limit int) ([]*VisitorRecord, error)
	// LeftMessagesOf lists the messages left with the subject's email address (any
	// case) or by its visitor, newest first.
	LeftMessagesOf(ctx context.Context, d DataSubject) ([]*OfflineMessage, error)
	// ConversationFiles lists the files of a conversation, oldest first.
	ConversationFiles(ctx context.Context, conversationID int64) ([]*File, error)
	// EraseData erases, in one transaction, everything held about the subject: the
	// visitor's messages, files, page views and context, their record (so that their
	// token no longer works), and the messages left with the email or by the visitor.
	// The visitor's conversations stay as anonymous ended shells (ErasedVisitorName, no page, no
	// rating comment, no messages) so that reports' counts stay true. entry, when not
	// nil, is written in the same transaction, its detail replaced by the counts.
	EraseData(ctx context.Context, d DataSubject, now time.Time, entry *AuditEntry) (*Erased, error)
	RetentionSettings(ctx context.Context) (*RetentionSettings, error)
	// SetRetentionSettings changes Days (LastSweepAt is the sweep's).
	SetRetentionSettings(ctx context.Context, r *RetentionSettings) error
	// ExpiredConversations lists conversations not ended whose last activity is
	// before cutoff, oldest first, at most limit: the sweep ends them before erasing.
	ExpiredConversations(ctx context.Context, cutoff time.Time, limit int) ([]*Conversation, error)
	// SweepRetention runs the retention rule at now, unless it has no days or a sweep
	// ran after now-every: in one transaction it claims the sweep (LastSweepAt = now),
	// erases the conversations last active before now minus the days (ended or not),
	// with their messages and files, and the visitors left with no conversation who
	// were last seen (or created) before the cutoff, and, when it erased any, writes an
	// audit entry (AuditRetentionSweep, by Parley itself) with the counts. Of several
	// servers sweeping at once, one runs it.
	// A sweep erases at most RetentionBatch conversations; when it erased that many it
	// leaves the next sweep due at once, so a backlog goes in several transactions.
	SweepRetention(ctx context.Context, now time.Time, every time.Duration) (*RetentionSweep, error)
}

// RetentionBatch is the most conversations one retention sweep erases in its one
// transaction, which holds SQLite's writer while it runs.
const RetentionBatch = 2000

// RetentionAuditEntry is the audit entry of a retention sweep that erased something:
// by Parley itself, with the counts.
func RetentionAuditEntry(now time.Time, sw *RetentionSweep) *AuditEntry {
	return NewAuditEntry(nil, now, AuditRetentionSweep, "conversation", "", map[string]any{
		"cutoff": sw.Cutoff, "conversations": sw.Conversations, "messages": sw.Messages, "files": sw.Files, "visitors": len(sw.Visitors),
	})
}
