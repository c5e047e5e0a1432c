package parley_test

import (
	"sync"
	"testing"

	"github.com/parleychat/parley"
)

func TestMatchLanguage(t *testing.T) {
	tests := []struct {
		name     string
		enabled  []string
		wanted   []string // navigator.languages
		accept   string   // Accept-Language header
		fallback string
		want     string
	}{
		{
			name:    "exact match",
			enabled: []string{"en", "fr"}, wanted: []string{"fr"}, fallback: "en",
			want: "fr",
		},
		{
			name:    "regional variant matches the base language: fr-BE → fr",
			enabled: []string{"en", "fr"}, wanted: []string{"fr-BE"}, fallback: "en",
			want: "fr",
		},
		{
			name:    "en-US matches en",
			enabled: []string{"fr", "en"}, wanted: []string{"en-US"}, fallback: "fr",
			want: "en",
		},
		{
			name:    "pt-BR matches pt-BR over pt when both are enabled",
			enabled: []string{"en", "pt", "pt-BR"}, wanted: []string{"pt-BR"}, fallback: "en",
			want: "pt-BR",
		},
		{
			name:    "pt-BR matches pt-BR over pt, whatever the order of the enabled list",
			enabled: []string{"en", "pt-BR", "pt"}, wanted: []string{"pt-BR"}, fallback: "en",
			want: "pt-BR",
		},
		{
			name:    "lower-case region from a browser still matches",
			enabled: []string{"en", "fr"}, wanted: []string{"fr-ca"}, fallback: "en",
			want: "fr",
		},
		{
			name:    "a language that matches nothing gets the fallback",
			enabled: []string{"en", "fr"}, wanted: []string{"ja"}, fallback: "en",
			want: "en",
		},
		{
			name:    "the fallback need not be first in the enabled list",
			enabled: []string{"fr", "en"}, wanted: []string{"ja-JP"}, fallback: "en",
			want: "en",
		},
		{
			name:    "first preference wins when several are enabled",
			enabled: []string{"en", "fr", "de"}, wanted: []string{"de-AT", "fr", "en"}, fallback: "en",
			want: "de",
		},
		{
			name:    "a preference that matches nothing gives way to the next one",
			enabled: []string{"en", "fr"}, wanted: []string{"ja", "fr-FR", "en"}, fallback: "en",
			want: "fr",
		},
		{
			name:    "invalid entries are ignored",
			enabled: []string{"en", "fr"}, wanted: []string{"not a tag!!", "", " fr-BE "}, fallback: "en",
			want: "fr",
		},
		{
			name:    "wanted empty: the Accept-Language header is used",
			enabled: []string{"en", "fr"}, accept: "fr-CH, fr;q=0.9, en;q=0.8", fallback: "en",
			want: "fr",
		},
		{
			name:    "Accept-Language weights are honoured",
			enabled: []string{"en", "fr"}, accept: "en;q=0.5, fr;q=0.9", fallback: "en",
			want: "fr",
		},
		{
			name:    "navigator.languages wins over Accept-Language",
			enabled: []string{"en", "fr"}, wanted: []string{"en-GB"}, accept: "fr-CH, fr;q=0.9", fallback: "fr",
			want: "en",
		},
		{
			name:    "only invalid entries: the Accept-Language header is used",
			enabled: []string{"en", "fr"}, wanted: []string{"!!"}, accept: "fr", fallback: "en",
			want: "fr",
		},
		{
			name:    "invalid Accept-Language gets the fallback",
			enabled: []string{"en", "fr"}, accept: "this is ;;; not a header", fallback: "fr",
			want: "fr",
		},
		{
			name:    "nothing asked for gets the fallback",
			enabled: []string{"en", "fr"}, fallback: "fr",
			want: "fr",
		},
		{
			name:    "no language enabled gets the fallback",
			enabled: nil, wanted: []string{"fr"}, fallback: "en",
			want: "en",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parley.MatchLanguage(tc.enabled, tc.wanted, tc.accept, tc.fallback)
			if got != tc.want {
				t.Errorf("MatchLanguage(%q, %q, %q, %q) = %q, want %q",
					tc.enabled, tc.wanted, tc.accept, tc.fallback, got, tc.want)
			}
			// A matcher kept and shared by concurrent starts answers the same, every time.
			m := parley.NewLanguageMatcher(tc.enabled)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 50 {
						if got := m.Match(tc.wanted, tc.accept, tc.fallback); got != tc.want {
							t.Errorf("shared matcher of %q: %q, want %q", tc.enabled, got, tc.want)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestCanonicalLanguage(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		want     string
		wantCode string // error code; "" for success
	}{
		{name: "lower-case region", code: "pt-br", want: "pt-BR"},
		{name: "already canonical", code: "fr", want: "fr"},
		{name: "upper-case language", code: "EN", want: "en"},
		{name: "underscore separator", code: "en_US", want: "en-US"},
		{name: "surrounding spaces", code: "  de ", want: "de"},
		{name: "empty", code: "", wantCode: parley.EINVALID},
		{name: "only spaces", code: "   ", wantCode: parley.EINVALID},
		{name: "not a tag", code: "not a tag!!", wantCode: parley.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parley.CanonicalLanguage(tc.code)
			if code := parley.ErrorCode(err); code != tc.wantCode {
				t.Fatalf("CanonicalLanguage(%q) error code = %q (%v), want %q", tc.code, code, err, tc.wantCode)
			}
			if err != nil {
				if parley.ErrorMessage(err) == "" {
					t.Errorf("CanonicalLanguage(%q) error has no message", tc.code)
				}
				return
			}
			if got != tc.want {
				t.Errorf("CanonicalLanguage(%q) = %q, want %q", tc.code, got, tc.want)
			}
		})
	}
}

func TestLanguageName(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"fr", "French"},
		{"en", "English"},
		{"pt-BR", "Brazilian Portuguese"},
		{"not a tag!!", "not a tag!!"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			if got := parley.LanguageName(tc.code); got != tc.want {
				t.Errorf("LanguageName(%q) = %q, want %q", tc.code, got, tc.want)
			}
		})
	}
}
