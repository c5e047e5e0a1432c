package parley_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

func TestValidateBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode string // "" when valid
	}{
		{name: "short text", body: "Hello, I have a question."},
		{name: "text with surrounding spaces", body: "  hi\n"},
		{name: "empty", body: "", wantCode: parley.EINVALID},
		{name: "spaces only", body: "   ", wantCode: parley.EINVALID},
		{name: "whitespace of every kind", body: " \t\r\n\u00a0\u2003", wantCode: parley.EINVALID},
		{name: "invalid UTF-8", body: "caf\xe9", wantCode: parley.EINVALID},
		{name: "invalid UTF-8 only", body: "\xff\xfe", wantCode: parley.EINVALID},
		{name: "4,000 ASCII characters", body: strings.Repeat("a", parley.MaxMessageLength)},
		{name: "4,001 ASCII characters", body: strings.Repeat("a", parley.MaxMessageLength+1), wantCode: parley.ETOOLARGE},
		{name: "4,000 two-byte code points", body: strings.Repeat("é", 4000)},
		{name: "4,000 four-byte code points", body: strings.Repeat("😀", 4000)},
		{name: "4,001 four-byte code points", body: strings.Repeat("😀", 4001), wantCode: parley.ETOOLARGE},
		{name: "4,001 three-byte code points", body: strings.Repeat("語", 4001), wantCode: parley.ETOOLARGE},
		{name: "too long and invalid UTF-8", body: strings.Repeat("a", 5000) + "\xff", wantCode: parley.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := parley.ValidateBody(tc.body)
			if got := parley.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("ValidateBody() error code = %q (%v), want %q", got, err, tc.wantCode)
			}
			if err != nil && parley.ErrorMessage(err) == "" {
				t.Errorf("ValidateBody() error has no message for the user")
			}
		})
	}
}

func TestValidateText(t *testing.T) {
	tests := []struct {
		name     string
		s        string
		max      int
		required bool
		wantCode string
		wantMsg  string // checked when not ""
	}{
		{name: "optional and empty", s: "", max: 10},
		{name: "optional and blank", s: "  ", max: 10},
		{name: "required and present", s: "Sales", max: 10, required: true},
		{name: "required and empty", s: "", max: 10, required: true, wantCode: parley.EINVALID, wantMsg: "Name is required."},
		{name: "required and blank", s: " \t", max: 10, required: true, wantCode: parley.EINVALID, wantMsg: "Name is required."},
		{name: "exactly at the limit", s: strings.Repeat("x", 10), max: 10},
		{name: "limit counted in code points", s: strings.Repeat("ü", 10), max: 10},
		{name: "one over the limit", s: strings.Repeat("ü", 11), max: 10, wantCode: parley.EINVALID, wantMsg: "Name has 11 characters; the limit is 10."},
		{name: "invalid UTF-8", s: "\xc3\x28", max: 10, wantCode: parley.EINVALID, wantMsg: "Name is not valid UTF-8."},
		{name: "name length limit", s: strings.Repeat("n", parley.MaxNameLength), max: parley.MaxNameLength, required: true},
		{name: "text length limit exceeded", s: strings.Repeat("t", parley.MaxTextLength+1), max: parley.MaxTextLength, wantCode: parley.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := parley.ValidateText("Name", tc.s, tc.max, tc.required)
			if got := parley.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("ValidateText() error code = %q (%v), want %q", got, err, tc.wantCode)
			}
			if tc.wantMsg != "" {
				if got := parley.ErrorMessage(err); got != tc.wantMsg {
					t.Errorf("ValidateText() message = %q, want %q", got, tc.wantMsg)
				}
			}
		})
	}
}
