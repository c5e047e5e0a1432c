package parley_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
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

// FuzzValidateBody: whatever ValidateBody accepts is valid UTF-8, at most 4,000 code
// points, has a character that is neither blank nor a format character nor a combining
// mark, and holds no control but tabs and line breaks and no bidirectional override or
// isolate; whatever it refuses has a message.
func FuzzValidateBody(f *testing.F) {
	f.Add("hello")
	f.Add("  ")
	f.Add("\xff\xfe")
	f.Add(strings.Repeat("é", 4001))
	f.Add("\u200b\u3164\u2800")
	f.Add("\x1b[31mred\x00")
	f.Add("a\u202eb\r\n\t")
	f.Fuzz(func(t *testing.T, body string) {
		err := parley.ValidateBody(body)
		if err != nil {
			if parley.ErrorMessage(err) == "" || parley.ErrorCode(err) == parley.EINTERNAL {
				t.Fatalf("refusal of %q: %v", body, err)
			}
			return
		}
		if !utf8.ValidString(body) || utf8.RuneCountInString(body) > parley.MaxMessageLength || !hasVisible(body) {
			t.Fatalf("accepted %q", body)
		}
		if i := strings.IndexFunc(body, func(r rune) bool {
			return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' || isBidiControl(r) && !isBidiMark(r)
		}); i >= 0 {
			t.Fatalf("accepted %q, with %q at byte %d", body, body[i:], i)
		}
	})
}

// FuzzValidateName: whatever ValidateName accepts is valid UTF-8, has a visible
// character when it is not empty, and holds no control at all and no bidirectional
// control.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"Ann", "", " ", "\u200b", "Ann\nBob", "\u202eAnn", "Ann\u200f", "\x1b[1m", "Zoe\u0308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := parley.ValidateName("Name", name, parley.MaxNameLength, false)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID || parley.ErrorMessage(err) == "" {
				t.Fatalf("refusal of %q: %v", name, err)
			}
			return
		}
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > parley.MaxNameLength || name != "" && !hasVisible(name) {
			t.Fatalf("accepted %q", name)
		}
		if i := strings.IndexFunc(name, func(r rune) bool {
			return unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029'
		}); i >= 0 {
			t.Fatalf("accepted %q, with %q at byte %d", name, name[i:], i)
		}
	})
}

// hasVisible reports whether s has a character that is not a space, a control or format
// character, a combining mark or a filler (unassigned code points count: a newer emoji).
func hasVisible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsSpace(r) && !unicode.In(r, unicode.Z, unicode.Cc, unicode.Cf, unicode.M, unicode.Other_Default_Ignorable_Code_Point) && r != '\u2800'
	})
}

// isBidiMark reports whether r is a bidirectional mark, which only sets the direction of
// the characters beside it: texts may hold them, names not.
func isBidiMark(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// isBidiControl reports whether r is one of the explicit bidirectional formatting
// characters (Unicode's Bidi_Control property).
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
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
