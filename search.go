package parley

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SearchStore finds conversations by their messages' words and by what is known of
// them, with each database's own full-text index (FTS5 in SQLite, a tsvector GIN index
// in PostgreSQL). The index follows the messages by itself (triggers, an expression
// index), so that whatever deletes messages, even plain SQL, leaves nothing findable.
type SearchStore interface {
	// SearchConversations lists the conversations that match every criterion of q,
	// newest (highest id) first, at most q.Limit. With words, each result carries its
	// newest message that holds them all; system notices are not searched.
	SearchConversations(ctx context.Context, q SearchQuery) ([]*SearchResult, error)
}

// SearchQuery is what conversations are searched by; zero fields match anything.
type SearchQuery struct {
	// Words (SearchWords) must all appear in one message of the conversation, each as a
	// word or the start of one, whatever their case and accents.
	Words []string
	// Visitor is part of the visitor's name, in any case (SQLite's LIKE folds the case
	// of ASCII letters only).
	Visitor    string
	OperatorID int64
	ChannelID  int64
	Rating     int // a score (ValidScore)
	// From and To bound when the conversation started: at or after From, before To.
	From, To time.Time
	// Before is the cursor of the next page: only conversations with a smaller id.
	Before int64
	Limit  int
	// ReaderID, when set, keeps to the conversations that user may read: those assigned
	// to them and those of the channels they joined. Zero searches every conversation
	// (supervisors and admins).
	ReaderID int64
}

// SearchResult is a conversation found, with the message that matched the words.
type SearchResult struct {
	Conversation *Conversation
	Message      *Message // nil when the search had no words
}

// Bounds of a search.
const (
	MaxSearchLength = 200 // characters of text
	MaxSearchWords  = 10
	MaxSearchLimit  = 100
)

// SearchWords splits what an operator typed into the words a search looks for: runs of
// letters and digits, lowercased, each once. Everything else (quotes, operators of
// either engine's query language, punctuation) only separates words, so that any text
// is a valid query: the stores quote each word in their engine's syntax.
func SearchWords(text string) ([]string, error) {
	if !utf8.ValidString(text) {
		return nil, Errorf(EINVALID, "The search text is not valid UTF-8.")
	}
	if n := utf8.RuneCountInString(text); n > MaxSearchLength {
		return nil, Errorf(EINVALID, "The search text is %d characters long; at most %d are searched.", n, MaxSearchLength)
	}
	var words []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) }) {
		w = strings.ToLower(w)
		if !contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) > MaxSearchWords {
		return nil, Errorf(EINVALID, "Search for at most %d words (%d given).", MaxSearchWords, len(words))
	}
	return words, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isWordRune reports whether r belongs to a word, as both engines' tokenizers mostly
// agree: letters, digits, and the marks that accent them.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// FoldSearch is how a snippet compares words: lowercased, without their accents ("Élan"
// is "elan"). The engines fold the accents of Latin letters (SQLite's unicode61 with
// remove_diacritics, PostgreSQL's parley_fold); this folds every combining mark, so it
// marks at least what they found.
func FoldSearch(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// SnippetPart is a piece of a snippet; the parts that matched a searched word are
// marked, so that the console highlights them without reading any markup.
type SnippetPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Snippet lengths, in characters: a body this short is shown whole; a longer one from a
// little before its first match.
const (
	snippetLength = 160
	snippetLead   = 40
)

// Snippet cuts the part of body around its first word that starts with one of words
// (SearchWords), marking every such word in it. Without a match it is the start of
// body.
func Snippet(body string, words []string) []SnippetPart {
	folded := make([]string, len(words))
	for i, w := range words {
		folded[i] = FoldSearch(w)
	}
	type span struct{ start, end int } // byte offsets in body
	var matches []span
	start := -1
	for i, r := range body + " " {
		if i < len(body) && isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			token := FoldSearch(body[start:i])
			for _, w := range folded {
				if w != "" && strings.HasPrefix(token, w) {
					matches = append(matches, span{start, i})
					break
				}
			}
			start = -1
		}
	}

	// The window, in bytes, snapped to whole characters.
	from, to := 0, len(body)
	if utf8.RuneCountInString(body) > snippetLength {
		if len(matches) > 0 {
			from = backRunes(body, matches[0].start, snippetLead)
			// Start at a word, not in the middle of one.
			if from > 0 {
				if sp := strings.IndexFunc(body[from:matches[0].start], unicode.IsSpace); sp >= 0 {
					from += sp + 1
				}
			}
		}
		to = forwardRunes(body, from, snippetLength)
		// End at a word too, past the first match.
		keep := from
		if len(matches) > 0 {
			keep = min(matches[0].end, to)
		}
		if to < len(body) {
			if sp := strings.LastIndexFunc(body[keep:to], unicode.IsSpace); sp > 0 {
				to = keep + sp
			}
		}
	}
	var parts []SnippetPart
	add := func(text string, match bool) {
		if text != "" {
			parts = append(parts, SnippetPart{Text: text, Match: match})
		}
	}
	if from > 0 {
		add("…", false)
	}
	at := from
	for _, m := range matches {
		if m.end <= from || m.start >= to {
			continue
		}
		s, e := max(m.start, from), min(m.end, to)
		add(body[at:s], false)
		add(body[s:e], true)
		at = e
	}
	add(body[at:to], false)
	if to < len(body) {
		add("…", false)
	}
	if parts == nil {
		parts = []SnippetPart{}
	}
	return parts
}

// backRunes is the byte offset n characters before offset at in s (0 at most).
func backRunes(s string, at, n int) int {
	for ; n > 0 && at > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:at])
		at -= size
	}
	return at
}

// forwardRunes is the byte offset n characters after offset at in s (len(s) at most).
func forwardRunes(s string, at, n int) int {
	for ; n > 0 && at < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
	}
	return at
}

// SearchHit is a search result as the console shows it.
type SearchHit struct {
	Conversation SearchConversation `json:"conversation"`
	Message      *SearchMessage     `json:"message"`
}

// SearchConversation is a conversation found.
type SearchConversation struct {
	ID        int64              `json:"id"`
	ChannelID int64              `json:"channel_id"`
	Status    ConversationStatus `json:"status"`
	Visitor   VisitorRef         `json:"visitor"`
	Operator  *OperatorRef       `json:"operator"`
	CreatedAt time.Time          `json:"created_at"`
	EndedAt   *time.Time         `json:"ended_at"`
	Rating    *Rating            `json:"rating"`
}

// SearchMessage is the message of a conversation found that holds the words searched.
type SearchMessage struct {
	Seq       int64          `json:"seq"`
	Author    OperatorAuthor `json:"author"`
	CreatedAt time.Time      `json:"created_at"`
	Snippet   []SnippetPart  `json:"snippet"`
}

// SearchPage is one page of results; NextBefore, when set, is the cursor of the next.
type SearchPage struct {
	Results    []*SearchHit `json:"results"`
	NextBefore *int64       `json:"next_before"`
}

// Hit is the result as the console shows it, its message cut around the words.
func (r *SearchResult) Hit(words []string) *SearchHit {
	c := r.Conversation
	h := &SearchHit{Conversation: SearchConversation{
		ID: c.ID, ChannelID: c.ChannelID, Status: c.Status, Visitor: VisitorRef{Name: c.VisitorName},
		CreatedAt: c.CreatedAt, Rating: c.Rating,
	}}
	if c.OperatorID != 0 {
		h.Conversation.Operator = &OperatorRef{ID: c.OperatorID, ChatName: c.OperatorName}
	}
	if !c.EndedAt.IsZero() {
		t := c.EndedAt
		h.Conversation.EndedAt = &t
	}
	if m := r.Message; m != nil {
		h.Message = &SearchMessage{
			Seq: m.Seq, CreatedAt: m.CreatedAt, Snippet: Snippet(m.Body, words),
			Author: OperatorAuthor{Kind: m.Author.Kind, Name: m.Author.Name, ID: m.Author.ID},
		}
	}
	return h
}
