package parley

import (
	"strings"
	"unicode/utf8"
)

// Limits on what clients send.
const (
	MaxMessageLength = 4000 // Unicode code points
	MaxNameLength    = 100
	MaxTextLength    = 1000 // button texts, welcome messages, comments
)

// ValidateBody checks a message body: non-empty, valid UTF-8, at most MaxMessageLength
// code points. An over-long body is ETOOLARGE (HTTP 413).
func ValidateBody(body string) error {
	if !utf8.ValidString(body) {
		return Errorf(EINVALID, "Message body is not valid UTF-8.")
	}
	if strings.TrimSpace(body) == "" {
		return Errorf(EINVALID, "Message body is empty.")
	}
	if n := utf8.RuneCountInString(body); n > MaxMessageLength {
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

// ValidateText checks a free-text field: valid UTF-8, at most max code points, and not
// empty when required.
func ValidateText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8.", field)
	}
	if required && strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "%s is required.", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "%s has %d characters; the limit is %d.", field, n, max)
	}
	return nil
}
