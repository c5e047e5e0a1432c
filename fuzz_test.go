package parley_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley"
)

// FuzzMatchLanguage feeds arbitrary navigator.languages and Accept-Language values: the
// answer is always an enabled language or the fallback, and never a panic.
func FuzzMatchLanguage(f *testing.F) {
	f.Add("fr-BE,en", "fr-CH, fr;q=0.9, en;q=0.8")
	f.Add("", "de-DE;q=1.0,*;q=0.5")
	f.Add("zz-ZZ", ";;;q=abc,,")
	f.Add("pt-br,PT", "")
	enabled := []string{"en", "fr", "pt-BR", "zh-Hant"}
	f.Fuzz(func(t *testing.T, wanted, accept string) {
		got := parley.MatchLanguage(enabled, strings.Split(wanted, ","), accept, "en")
		if !slices.Contains(enabled, got) {
			t.Fatalf("MatchLanguage(%q, %q) = %q, not an enabled language", wanted, accept, got)
		}
	})
}

// FuzzValidateBody: whatever ValidateBody accepts is valid UTF-8, not blank, and at most
// 4,000 code points; whatever it refuses has a message.
func FuzzValidateBody(f *testing.F) {
	f.Add("hello")
	f.Add("  ")
	f.Add("\xff\xfe")
	f.Add(strings.Repeat("é", 4001))
	f.Fuzz(func(t *testing.T, body string) {
		err := parley.ValidateBody(body)
		if err != nil {
			if parley.ErrorMessage(err) == "" || parley.ErrorCode(err) == parley.EINTERNAL {
				t.Fatalf("refusal of %q: %v", body, err)
			}
			return
		}
		if !utf8.ValidString(body) || strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > parley.MaxMessageLength {
			t.Fatalf("accepted %q", body)
		}
	})
}

// FuzzCanonicalLanguage: a canonical tag parses again to itself.
func FuzzCanonicalLanguage(f *testing.F) {
	for _, s := range []string{"pt-br", "EN", "zh-hant-tw", "x", "", "fr-BE-u-ca-gregory"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		canon, err := parley.CanonicalLanguage(code)
		if err != nil {
			return
		}
		again, err := parley.CanonicalLanguage(canon)
		if err != nil || again != canon {
			t.Fatalf("CanonicalLanguage(%q) = %q, which gives %q, %v", code, canon, again, err)
		}
	})
}
