package parley

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// CannedResponse is a text an operator sends often, typed by its shortcut (":hello").
// A shared response is every operator's to use and only admins change it; a personal
// one is its owner's alone.
type CannedResponse struct {
	ID       int64  `json:"id"`
	Shortcut string `json:"shortcut"` // without the colon typed before it
	Body     string `json:"body"`
	Shared   bool   `json:"shared"`
	// OwnerID is the operator of a personal response; 0 for a shared one.
	OwnerID   int64     `json:"-"`
	Uses      int64     `json:"uses"` // how many times operators inserted it
	CreatedAt time.Time `json:"created_at"`
}

// CannedResponseUpdate changes the fields that are not nil.
type CannedResponseUpdate struct {
	Shortcut *string
	Body     *string
}

// MaxShortcutLength is the longest shortcut, in code points.
const MaxShortcutLength = 32

// NormalizeShortcut is a shortcut as stored: without surrounding spaces and the one
// colon that introduces it when typed, in Unicode normal form C (so that an "é" typed
// as "e" and a combining accent is the letter it looks like), and valid: 1 to
// MaxShortcutLength letters, digits, "-" or "_".
func NormalizeShortcut(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "Shortcut is not valid UTF-8.")
	}
	s = norm.NFC.String(strings.TrimPrefix(strings.TrimSpace(s), ":"))
	if s == "" {
		return "", Errorf(EINVALID, "Shortcut is required.")
	}
	for _, r := range s {
		// Letters that show nothing (Hangul fillers) would make shortcuts that look alike.
		if !(unicode.IsLetter(r) && visible(r)) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return "", Errorf(EINVALID, "Shortcut must contain only letters, digits, \"-\" and \"_\", not %s.", describeRune(r))
		}
	}
	if n := utf8.RuneCountInString(s); n > MaxShortcutLength {
		return "", Errorf(EINVALID, "Shortcut has %d characters; the limit is %d.", n, MaxShortcutLength)
	}
	return s, nil
}

// ShortcutKey is the form under which shortcuts are compared: case-folded, so that
// ":Hello" and ":hello" are the same shortcut.
func ShortcutKey(shortcut string) string {
	return cases.Fold().String(shortcut)
}

// ValidateCannedBody checks a canned response's text as a message it becomes: at least
// one visible character, line breaks allowed, at most MaxMessageLength code points.
func ValidateCannedBody(body string) error {
	return ValidateText("Text", body, MaxMessageLength, true)
}

// CannedConflict is the store's refusal of a shortcut that its scope (the shared
// responses, or the owner's personal ones) already has.
func CannedConflict(shortcut string, shared bool) *Error {
	if shared {
		return Errorf(ECONFLICT, "A shared canned response already has the shortcut %s.", quoteShortcut(shortcut))
	}
	return Errorf(ECONFLICT, "You already have a canned response with the shortcut %s.", quoteShortcut(shortcut))
}

func quoteShortcut(s string) string { return fmt.Sprintf("%q", ":"+s) }
