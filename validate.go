package parley

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what clients send.
const (
	MaxMessageLength = 4000 // Unicode code points
	MaxNameLength    = 100
	MaxTextLength    = 1000 // welcome messages, comments
)

// ValidateBody checks a message body: valid UTF-8, at least one visible character, no
// control character but tabs and line breaks, no bidirectional override or isolate, and
// at most MaxMessageLength code points. An over-long body is ETOOLARGE (HTTP 413).
func ValidateBody(body string) error {
	if !utf8.ValidString(body) {
		return Errorf(EINVALID, "Message body is not valid UTF-8.")
	}
	n, seen, bad := scanText(body, false)
	if bad >= 0 {
		return Errorf(EINVALID, "Message body %s.", forbidden(bad))
	}
	if !seen {
		if strings.TrimSpace(body) == "" {
			return Errorf(EINVALID, "Message body is empty.")
		}
		return Errorf(EINVALID, "Message body has no visible character.")
	}
	if n > MaxMessageLength {
		return Errorf(ETOOLARGE, "Message body has %d characters; the limit is %d.", n, MaxMessageLength)
	}
	return nil
}

// ValidateClientID checks a message's idempotency key: optional, at most
// MaxClientIDLength printable ASCII characters.
func ValidateClientID(id string) error {
	if len(id) > MaxClientIDLength {
		return Errorf(EINVALID, "client_id has %d characters; the limit is %d.", len(id), MaxClientIDLength)
	}
	for _, r := range id {
		if r < '!' || r > '~' {
			return Errorf(EINVALID, "client_id must be printable ASCII without spaces.")
		}
	}
	return nil
}

// ValidateName checks a one-line name or label (a user's, a visitor's, a channel's, a
// button's): valid UTF-8, at most max code points, no control character at all (not even
// a tab or line break) and no bidirectional control, not even a mark. When it is not
// empty, it has a visible character; when required, it must not be empty.
func ValidateName(field, s string, max int, required bool) error {
	return validateText(field, s, max, required, true)
}

// ValidateText checks a free text that may span lines (a welcome message, a comment):
// valid UTF-8, at most max code points, no control character but tabs and line breaks,
// no bidirectional override or isolate, and not empty when required. Blank is as good as
// empty, but a text of invisible characters only is refused.
func ValidateText(field, s string, max int, required bool) error {
	return validateText(field, s, max, required, false)
}

func validateText(field, s string, max int, required, oneLine bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8.", field)
	}
	n, seen, bad := scanText(s, oneLine)
	if bad >= 0 {
		return Errorf(EINVALID, "%s %s.", field, forbidden(bad))
	}
	blank := strings.TrimSpace(s) == ""
	switch {
	case required && blank:
		return Errorf(EINVALID, "%s is required.", field)
	case !seen && (oneLine && s != "" || !blank):
		// Zero-width spaces, fillers and lone combining marks would show as nothing.
		return Errorf(EINVALID, "%s has no visible character.", field)
	}
	if n > max {
		return Errorf(EINVALID, "%s has %d characters; the limit is %d.", field, n, max)
	}
	return nil
}

// scanText counts the code points of valid UTF-8 s, tells whether one of them is
// visible, and returns the first that is not allowed (-1 when none is). Control
// characters are refused because terminals and logs obey them (ESC starts ANSI escape
// sequences, NUL cuts C strings); bidirectional overrides and isolates because they make
// a text display in another order than it is stored. A one-line text refuses every
// control, line separators and the bidirectional marks as well.
func scanText(s string, oneLine bool) (n int, seen bool, bad rune) {
	for _, r := range s {
		n++
		if r < utf8.RuneSelf {
			switch {
			case r > ' ' && r < 0x7f:
				seen = true
			case r == ' ':
			case !oneLine && (r == '\t' || r == '\n' || r == '\r'):
			default:
				return n, seen, r
			}
			continue
		}
		switch {
		case r <= 0x9f: // C1 controls
			return n, seen, r
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return n, seen, r
		case oneLine && (r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029):
			return n, seen, r
		}
		if !seen && visible(r) {
			seen = true
		}
	}
	return n, seen, -1
}

// visible reports whether a non-ASCII rune shows on its own: not a space, a format
// character, a combining mark, a default-ignorable filler (U+3164, U+115F, U+1160,
// U+FFA0) or the blank braille pattern. Unassigned code points count as visible, so that
// an emoji newer than Go's Unicode tables is still text.
func visible(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.In(r, unicode.Z, unicode.Cc, unicode.Cf, unicode.M):
		return false
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), r == 0x2800:
		return false
	}
	return true
}

// forbidden says why r may not be in a text, after the field's name.
func forbidden(r rune) string {
	switch {
	case r == 0:
		return "contains a NUL character (U+0000)"
	case r == 0x1b:
		return "contains an escape character (U+001B), which starts terminal escape sequences"
	case r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029:
		return fmt.Sprintf("must be on one line (it contains the line break U+%04X)", r)
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return fmt.Sprintf("contains the control character U+%04X", r)
	default:
		return fmt.Sprintf("contains the bidirectional control U+%04X, which can change the order in which text is shown", r)
	}
}
