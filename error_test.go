package parley_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{name: "nil", err: nil, wantCode: "", wantMsg: ""},
		{
			name:     "domain error",
			err:      parley.Errorf(parley.ENOTFOUND, "Conversation %d not found.", 12),
			wantCode: parley.ENOTFOUND, wantMsg: "Conversation 12 not found.",
		},
		{
			name:     "wrapped domain error keeps its code and message",
			err:      fmt.Errorf("send message: %w", parley.Errorf(parley.ECONFLICT, "The conversation has ended.")),
			wantCode: parley.ECONFLICT, wantMsg: "The conversation has ended.",
		},
		{
			name:     "too large",
			err:      parley.ValidateBody(strings.Repeat("a", parley.MaxMessageLength+1)),
			wantCode: parley.ETOOLARGE, wantMsg: "Message body has 4001 characters; the limit is 4000.",
		},
		{
			name:     "internal fmt error",
			err:      fmt.Errorf("open database: %s", "disk on fire at /var/lib/parley"),
			wantCode: parley.EINTERNAL, wantMsg: "Internal error.",
		},
		{
			name:     "internal sentinel error",
			err:      errors.New("sql: no rows in result set"),
			wantCode: parley.EINTERNAL, wantMsg: "Internal error.",
		},
		{
			name:     "wrapped internal error stays internal",
			err:      fmt.Errorf("lookup: %w", errors.New("boom")),
			wantCode: parley.EINTERNAL, wantMsg: "Internal error.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parley.ErrorCode(tc.err); got != tc.wantCode {
				t.Errorf("ErrorCode() = %q, want %q", got, tc.wantCode)
			}
			if got := parley.ErrorMessage(tc.err); got != tc.wantMsg {
				t.Errorf("ErrorMessage() = %q, want %q", got, tc.wantMsg)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	err := parley.Errorf(parley.EINVALID, "Language %q is not enabled.", "xx")
	got := err.Error()
	for _, want := range []string{parley.EINVALID, `Language "xx" is not enabled.`} {
		if !strings.Contains(got, want) {
			t.Errorf("Error() = %q, want it to contain %q", got, want)
		}
	}
}

// ErrorCode runs for every message stored, nearly always on a nil error: that costs no
// allocation.
func TestErrorCodeOfNilAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = parley.ErrorCode(nil) }); n != 0 {
		t.Errorf("ErrorCode(nil): %g allocations, want 0", n)
	}
}
