package parley_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

func TestLoginKey(t *testing.T) {
	tests := []struct {
		login string
		key   string // "" when refused
		says  string // what the refusal says
	}{
		{"alice", "alice", ""},
		{"Alice", "alice", ""},
		{"ALICE", "alice", ""},
		{"ａｌｉｃｅ", "alice", ""}, // full width
		{"jean.dupont@example.com", "jean.dupont@example.com", ""},
		{"Søren", "søren", ""},
		{"Иван", "иван", ""},
		{"山田たろう", "山田たろう", ""},       // Han and Hiragana: Japanese
		{"tanaka山田", "tanaka山田", ""}, // Latin with Han
		{"김민준", "김민준", ""},
		{"аlice", "", "mixes Cyrillic and Latin"}, // Cyrillic а
		{"alicе", "", "mixes Latin and Cyrillic"}, // Cyrillic е at the end
		{"αlice", "", "mixes Greek and Latin"},
		{"Иванα", "", "mixes Cyrillic and Greek"},
		{"al ice", "", "spaces"},
		{"ali\tce", "", "control characters"},
		{"ali♥ce", "", "U+2665"},
		{"", "", "required"},
		{strings.Repeat("a", 101), "", "at most 100"},
	}
	for _, tc := range tests {
		t.Run(tc.login, func(t *testing.T) {
			key, err := parley.LoginKey(tc.login)
			if tc.key != "" {
				if err != nil || key != tc.key {
					t.Fatalf("LoginKey = %q, %v; want %q", key, err, tc.key)
				}
				return
			}
			if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), tc.says) {
				t.Fatalf("LoginKey = %q, %v; want EINVALID saying %q", key, err, tc.says)
			}
		})
	}
}
