package parley

import (
	"errors"
	"fmt"
)

// Error codes, as the API returns them.
const (
	EINVALID      = "EINVALID"
	ETOOLARGE     = "ETOOLARGE"    // reported to clients as EINVALID with status 413
	EUNSUPPORTED  = "EUNSUPPORTED" // a file type not allowed: EINVALID with status 415
	EUNAUTHORIZED = "EUNAUTHORIZED"
	EFORBIDDEN    = "EFORBIDDEN"
	ENOTFOUND     = "ENOTFOUND"
	ECONFLICT     = "ECONFLICT"
	ETOOMANY      = "ETOOMANY"
	EINTERNAL     = "EINTERNAL"
)

// Error is an error meant for the user: a code and a message they can act on.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("parley error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return "" // before e: errors.As moves e to the heap, and nil is every stored message's error
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a generic one
// so that their detail never reaches a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
