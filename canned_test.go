package parley_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

func TestNormalizeShortcut(t *testing.T) {
	tests := []struct {
		in, want string // want "" when refused
		msg      string // the refusal's message, checked when not ""
	}{
		{in: "hello", want: "hello"},
		{in: ":hello", want: "hello"},
		{in: "  :Hello_2-you ", want: "Hello_2-you"},
		{in: "merci-beaucoup", want: "merci-beaucoup"},
		{in: "r\u00e9ponse", want: "r\u00e9ponse"},
		{in: "re\u0301ponse", want: "r\u00e9ponse"}, // a combining accent becomes the letter it makes
		{in: "\u3053\u3093\u306b\u3061\u306f", want: "\u3053\u3093\u306b\u3061\u306f"},
		{in: strings.Repeat("a", 32), want: strings.Repeat("a", 32)},
		{in: strings.Repeat("é", 32), want: strings.Repeat("é", 32)},
		{in: "", msg: "Shortcut is required."},
		{in: " : ", msg: "Shortcut is required."},
		{in: "::hello", msg: `Shortcut must contain only letters, digits, "-" and "_", not ':' (U+003A).`},
		{in: "two words", msg: `Shortcut must contain only letters, digits, "-" and "_", not spaces.`},
		{in: "a.b", msg: `Shortcut must contain only letters, digits, "-" and "_", not '.' (U+002E).`},
		{in: "hi\u3164", msg: `not 'ㅤ' (U+3164)`},
		{in: "e\u0301\u0301x"},
		{in: "x\u200b"},
		{in: strings.Repeat("a", 33), msg: "Shortcut has 33 characters; the limit is 32."},
		{in: "caf\xe9", msg: "Shortcut is not valid UTF-8."},
	}
	for _, tc := range tests {
		got, err := parley.NormalizeShortcut(tc.in)
		switch {
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("NormalizeShortcut(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		case tc.want == "" && parley.ErrorCode(err) != parley.EINVALID:
			t.Errorf("NormalizeShortcut(%q) = %q, %v; want EINVALID", tc.in, got, err)
		case tc.msg != "" && !strings.Contains(parley.ErrorMessage(err), tc.msg):
			t.Errorf("NormalizeShortcut(%q): %q, want it to say %q", tc.in, parley.ErrorMessage(err), tc.msg)
		}
	}
}

func TestShortcutKey(t *testing.T) {
	for _, pair := range [][2]string{{"Hello", "hELLO"}, {"STRASSE", "straße"}, {"Réponse", "rÉPONSE"}} {
		if a, b := parley.ShortcutKey(pair[0]), parley.ShortcutKey(pair[1]); a != b {
			t.Errorf("keys of %q and %q: %q and %q, want the same", pair[0], pair[1], a, b)
		}
	}
	if parley.ShortcutKey("hello") == parley.ShortcutKey("hallo") {
		t.Error("hello and hallo have the same key")
	}
}
