package parley

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// DefaultLanguage is enabled on a new installation, and is the language of visitors whose
// languages match nothing enabled (when it is enabled itself).
const DefaultLanguage = "en"

// CanonicalLanguage parses a BCP 47 tag and returns its canonical form ("pt-br" → "pt-BR").
func CanonicalLanguage(code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", Errorf(EINVALID, "Language code is empty.")
	}
	tag, err := language.Parse(code)
	if err != nil {
		return "", Errorf(EINVALID, "Language %q is not a valid BCP 47 tag.", code)
	}
	return tag.String(), nil
}

// LanguageName is the English name of a language tag, e.g. "Brazilian Portuguese".
func LanguageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.English.Tags().Name(tag); name != "" {
		return name
	}
	return code
}

// MatchLanguage picks the enabled language closest to what the visitor asked for:
// wanted is navigator.languages (most preferred first) and acceptLanguage the HTTP
// header, used when wanted is empty. fr-BE matches fr. A visitor who matches nothing
// gets fallback. enabled must not be empty.
func MatchLanguage(enabled []string, wanted []string, acceptLanguage, fallback string) string {
	return NewLanguageMatcher(enabled).Match(wanted, acceptLanguage, fallback)
}

// LanguageMatcher matches visitors against one set of enabled languages. Building it
// costs more than a match (each enabled tag parsed, the matcher's tables made), so a
// server keeps one for as long as the enabled languages stay the same. It is safe for
// concurrent use.
type LanguageMatcher struct {
	enabled []string
	m       language.Matcher // nil when nothing is enabled
}

// NewLanguageMatcher returns the matcher of the enabled language codes.
func NewLanguageMatcher(enabled []string) *LanguageMatcher {
	lm := &LanguageMatcher{enabled: slices.Clone(enabled)}
	if len(enabled) > 0 {
		supported := make([]language.Tag, len(enabled))
		for i, e := range enabled {
			supported[i] = language.Make(e)
		}
		lm.m = language.NewMatcher(supported)
	}
	return lm
}

// Match is MatchLanguage on the matcher's enabled languages.
func (lm *LanguageMatcher) Match(wanted []string, acceptLanguage, fallback string) string {
	if lm.m == nil {
		return fallback
	}
	var tags []language.Tag
	for _, w := range wanted {
		if t, err := language.Parse(strings.TrimSpace(w)); err == nil {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 && acceptLanguage != "" {
		tags, _, _ = language.ParseAcceptLanguage(acceptLanguage)
	}
	if len(tags) == 0 {
		return fallback
	}
	_, index, confidence := lm.m.Match(tags...)
	if confidence == language.No {
		return fallback
	}
	return lm.enabled[index]
}
