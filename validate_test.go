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
		wantMsg  string // checked when not ""
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

		// A body must show something: invisible characters alone are not text.
		{name: "zero-width spaces", body: "\u200b\u200b", wantCode: parley.EINVALID, wantMsg: "Message body has no visible character."},
		{name: "word joiner", body: "\u2060", wantCode: parley.EINVALID},
		{name: "byte order mark", body: "\ufeff", wantCode: parley.EINVALID},
		{name: "Hangul filler", body: "\u3164", wantCode: parley.EINVALID},
		{name: "Hangul choseong filler", body: "\u115f", wantCode: parley.EINVALID},
		{name: "Hangul jungseong filler", body: "\u1160", wantCode: parley.EINVALID},
		{name: "halfwidth Hangul filler", body: "\uffa0", wantCode: parley.EINVALID},
		{name: "braille blank", body: "\u2800", wantCode: parley.EINVALID},
		{name: "soft hyphen", body: "\u00ad", wantCode: parley.EINVALID},
		{name: "tag characters", body: "\U000e0041\U000e0042", wantCode: parley.EINVALID},
		{name: "combining marks alone", body: "\u0301\u0308", wantCode: parley.EINVALID},
		{name: "variation selector alone", body: "\ufe0f", wantCode: parley.EINVALID},
		{name: "invisible characters among spaces", body: " \u200b\n\u3164 \u2800\t", wantCode: parley.EINVALID},
		{name: "ideographic space", body: "\u3000", wantCode: parley.EINVALID, wantMsg: "Message body is empty."},
		{name: "zero-width space beside a letter", body: "\u200bx"},
		{name: "letter with a combining accent", body: "e\u0301"},
		{name: "emoji with a joiner", body: "\U0001f468\u200d\U0001f469\u200d\U0001f467"},
		{name: "Persian with a zero-width non-joiner", body: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
		{name: "emoji newer than the Unicode tables", body: "\U0001fae9"},
		{name: "private-use character", body: "\ue000"},

		// Tabs and line breaks are text; other controls are refused.
		{name: "tabs and line breaks", body: "Line one\r\nline two\n\tindented"},
		{name: "NUL", body: "hi\x00there", wantCode: parley.EINVALID, wantMsg: "Message body contains a NUL character (U+0000)."},
		{name: "ANSI escape sequence", body: "\x1b[2J\x1b[31mALERT", wantCode: parley.EINVALID, wantMsg: "Message body contains an escape character (U+001B), which starts terminal escape sequences."},
		{name: "bell", body: "ding\a", wantCode: parley.EINVALID, wantMsg: "Message body contains the control character U+0007."},
		{name: "backspace", body: "abc\b\b\b", wantCode: parley.EINVALID},
		{name: "DEL", body: "x\x7f", wantCode: parley.EINVALID},
		{name: "C1 control", body: "x\u009b31m", wantCode: parley.EINVALID, wantMsg: "Message body contains the control character U+009B."},
		{name: "control among visible text", body: "ok\x0c", wantCode: parley.EINVALID},
		{name: "right-to-left override", body: "invoice \u202ecod.exe", wantCode: parley.EINVALID, wantMsg: "Message body contains the bidirectional control U+202E, which can change the order in which text is shown."},
		{name: "left-to-right embedding", body: "\u202ax", wantCode: parley.EINVALID},
		{name: "pop directional formatting", body: "x\u202c", wantCode: parley.EINVALID},
		{name: "right-to-left isolate", body: "x\u2067y\u2069", wantCode: parley.EINVALID},
		{name: "first strong isolate", body: "\u2068x", wantCode: parley.EINVALID},
		{name: "right-to-left mark in mixed text", body: "\u05e9\u05dc\u05d5\u05dd 123\u200f!"},
		{name: "line separator", body: "a\u2028b"},
		{name: "control over the length limit", body: strings.Repeat("a", 5000) + "\x1b", wantCode: parley.EINVALID},
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
			if tc.wantMsg != "" && parley.ErrorMessage(err) != tc.wantMsg {
				t.Errorf("ValidateBody() message = %q, want %q", parley.ErrorMessage(err), tc.wantMsg)
			}
		})
	}
}

// TestValidateText runs each case through ValidateName (one-line names and labels) and
// ValidateText (texts that may span lines): they differ only on tabs, line breaks and
// bidirectional marks, and on blank optional values.
func TestValidateText(t *testing.T) {
	const inv = parley.EINVALID
	tests := []struct {
		name     string
		s        string
		max      int
		required bool
		wantName string // the code ValidateName gives, "" when valid
		wantText string // the code ValidateText gives
		wantMsg  string // checked, when not "", on the first refusal
	}{
		{name: "optional and empty", s: "", max: 10},
		{name: "optional and blank", s: "  ", max: 10, wantName: inv, wantMsg: "Name has no visible character."},
		{name: "required and present", s: "Sales", max: 10, required: true},
		{name: "required and empty", s: "", max: 10, required: true, wantName: inv, wantText: inv, wantMsg: "Name is required."},
		{name: "required and blank", s: " \t", max: 10, required: true, wantName: inv, wantText: inv},
		{name: "required and blank of spaces", s: "   ", max: 10, required: true, wantName: inv, wantText: inv, wantMsg: "Name is required."},
		{name: "exactly at the limit", s: strings.Repeat("x", 10), max: 10},
		{name: "limit counted in code points", s: strings.Repeat("ü", 10), max: 10},
		{name: "one over the limit", s: strings.Repeat("ü", 11), max: 10, wantName: inv, wantText: inv, wantMsg: "Name has 11 characters; the limit is 10."},
		{name: "invalid UTF-8", s: "\xc3\x28", max: 10, wantName: inv, wantText: inv, wantMsg: "Name is not valid UTF-8."},
		{name: "name length limit", s: strings.Repeat("n", parley.MaxNameLength), max: parley.MaxNameLength, required: true},
		{name: "text length limit exceeded", s: strings.Repeat("t", parley.MaxTextLength+1), max: parley.MaxTextLength, wantName: inv, wantText: inv},

		// Visible characters.
		{name: "zero-width spaces only", s: "\u200b\u200b", max: 10, required: true, wantName: inv, wantText: inv, wantMsg: "Name has no visible character."},
		{name: "optional zero-width space", s: "\u200b", max: 10, wantName: inv, wantText: inv},
		{name: "Hangul fillers only", s: "\u3164\u115f\u1160\uffa0", max: 10, required: true, wantName: inv, wantText: inv},
		{name: "braille blank only", s: "\u2800", max: 10, required: true, wantName: inv, wantText: inv},
		{name: "byte order mark and word joiner", s: "\ufeff\u2060", max: 10, wantName: inv, wantText: inv},
		{name: "combining mark alone", s: "\u0301", max: 10, required: true, wantName: inv, wantText: inv},
		{name: "accented name", s: "Zoe\u0308 Ma\u0301rquez", max: 20, required: true},
		{name: "Persian name with a zero-width non-joiner", s: "\u0645\u06cc\u200c\u0631\u0627", max: 10, required: true},
		{name: "Arabic name", s: "\u0645\u0631\u064a\u0645", max: 10, required: true},
		{name: "Hebrew name", s: "\u05e9\u05e8\u05d4", max: 10, required: true},

		// Controls.
		{name: "NUL", s: "Ann\x00", max: 10, wantName: inv, wantText: inv, wantMsg: "Name contains a NUL character (U+0000)."},
		{name: "ANSI colour", s: "\x1b[31mAnn", max: 20, wantName: inv, wantText: inv, wantMsg: "Name contains an escape character (U+001B), which starts terminal escape sequences."},
		{name: "C1 control sequence introducer", s: "Ann\u009b2J", max: 20, wantName: inv, wantText: inv, wantMsg: "Name contains the control character U+009B."},
		{name: "DEL", s: "Ann\x7f", max: 20, wantName: inv, wantText: inv},
		{name: "carriage return", s: "Ann\rBob", max: 20, wantName: inv, wantMsg: "Name must be on one line (it contains the line break U+000D)."},
		{name: "line feed", s: "Ann\nBob", max: 20, wantName: inv},
		{name: "tab", s: "Ann\tBob", max: 20, wantName: inv, wantMsg: "Name contains the control character U+0009."},
		{name: "line separator", s: "Ann\u2028Bob", max: 20, wantName: inv, wantMsg: "Name must be on one line (it contains the line break U+2028)."},
		{name: "paragraph separator", s: "Ann\u2029", max: 20, wantName: inv},

		// Bidirectional controls.
		{name: "right-to-left override", s: "Ann\u202egnp.exe", max: 20, wantName: inv, wantText: inv, wantMsg: "Name contains the bidirectional control U+202E, which can change the order in which text is shown."},
		{name: "left-to-right override", s: "\u202dAnn", max: 20, wantName: inv, wantText: inv},
		{name: "right-to-left embedding", s: "\u202bAnn\u202c", max: 20, wantName: inv, wantText: inv},
		{name: "left-to-right isolate", s: "\u2066Ann\u2069", max: 20, wantName: inv, wantText: inv},
		{name: "pop directional isolate", s: "Ann\u2069", max: 20, wantName: inv, wantText: inv},
		{name: "right-to-left mark", s: "Ann\u200f", max: 20, wantName: inv, wantMsg: "Name contains the bidirectional control U+200F, which can change the order in which text is shown."},
		{name: "left-to-right mark", s: "\u200eAnn", max: 20, wantName: inv},
		{name: "Arabic letter mark", s: "\u061cAnn", max: 20, wantName: inv},
		{name: "text with lines and tabs", s: "Welcome!\n\tAsk us anything.\r\n", max: 100, wantName: inv},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []struct {
				fn   func(field, s string, max int, required bool) error
				name string
				want string
			}{{parley.ValidateName, "ValidateName", tc.wantName}, {parley.ValidateText, "ValidateText", tc.wantText}} {
				err := v.fn("Name", tc.s, tc.max, tc.required)
				if got := parley.ErrorCode(err); got != v.want {
					t.Fatalf("%s(%q) error code = %q (%v), want %q", v.name, tc.s, got, err, v.want)
				}
				if err != nil && tc.wantMsg != "" {
					if got := parley.ErrorMessage(err); got != tc.wantMsg {
						t.Errorf("%s(%q) message = %q, want %q", v.name, tc.s, got, tc.wantMsg)
					}
				}
			}
		})
	}
}
