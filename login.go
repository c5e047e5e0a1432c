package parley

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

// LoginKey is the form under which logins are compared: the PRECIS UsernameCaseMapped
// profile (RFC 8265), so that "Admin", "ADMIN" and a full-width "ａｄｍｉｎ" are the
// same login. A login PRECIS refuses, or one that mixes scripts (a Cyrillic "а" among
// Latin letters looks like "admin" but is not), is EINVALID with a message naming why.
func LoginKey(login string) (string, error) {
	if login == "" {
		return "", Errorf(EINVALID, "Login is required.")
	}
	if !utf8.ValidString(login) {
		return "", Errorf(EINVALID, "Login is not valid UTF-8.")
	}
	key, err := precis.UsernameCaseMapped.String(login)
	if err != nil {
		for _, r := range login {
			if _, err := precis.UsernameCaseMapped.String(string(r)); err != nil {
				return "", Errorf(EINVALID, "Login must not contain %s: use letters, digits and punctuation such as . _ - @.", describeRune(r))
			}
		}
		return "", Errorf(EINVALID, "Login %q is not a valid user name (%v).", login, err)
	}
	if utf8.RuneCountInString(key) > MaxNameLength {
		return "", Errorf(EINVALID, "Login must have at most %d characters.", MaxNameLength)
	}
	if a, b, mixed := mixedScripts(key); mixed {
		return "", Errorf(EINVALID, "Login mixes %s and %s letters; use one script.", a, b)
	}
	return key, nil
}

func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "spaces"
	case unicode.IsControl(r):
		return fmt.Sprintf("control characters (U+%04X)", r)
	default:
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
}

// scripts are the scripts a login's letters are checked against; letters of any other
// script count as "other".
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Armenian", unicode.Armenian}, {"Hebrew", unicode.Hebrew}, {"Arabic", unicode.Arabic},
	{"Han", unicode.Han}, {"Hiragana", unicode.Hiragana}, {"Katakana", unicode.Katakana},
	{"Hangul", unicode.Hangul}, {"Bopomofo", unicode.Bopomofo}, {"Thai", unicode.Thai},
	{"Devanagari", unicode.Devanagari}, {"Georgian", unicode.Georgian},
}

// mixedScripts reports two scripts the letters of s mix, as Unicode's "highly
// restrictive" level (UTS #39) forbids: one script, or Latin with the scripts written
// together in Japanese (Han, Hiragana, Katakana), Chinese (Han, Bopomofo) or Korean
// (Han, Hangul). Digits and punctuation belong to every script.
func mixedScripts(s string) (a, b string, mixed bool) {
	seen := map[string]bool{}
	var order []string
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			continue
		}
		name := "other"
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				name = sc.name
				break
			}
		}
		if unicode.IsMark(r) && name == "other" {
			continue // a combining mark takes its base letter's script
		}
		if !seen[name] {
			seen[name] = true
			order = append(order, name)
		}
	}
	if len(order) < 2 {
		return "", "", false
	}
	allowed := [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	}
	fits := func(names ...string) bool {
		for _, set := range allowed {
			if !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(set, n) }) {
				return true
			}
		}
		return false
	}
	if fits(order...) {
		return "", "", false
	}
	for _, name := range order[1:] {
		if !fits(order[0], name) {
			return order[0], name, true
		}
	}
	return order[0], order[1], true
}
