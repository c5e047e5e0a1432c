package web

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// englishStrings reads the widget's English texts: the entries of its table T.
func englishStrings(t *testing.T) map[string]string {
	t.Helper()
	src, err := fs.ReadFile(Static(), "widget.js")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(src), "\n  const T = {\n")
	table, _, ok2 := strings.Cut(table, "\n  };\n")
	if !ok || !ok2 {
		t.Fatal("widget.js: no table `const T = { … };`")
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^    (\w+): '([^'\\]*)',$`).FindAllStringSubmatch(table, -1) {
		out[m[1]] = m[2]
	}
	if len(out) != strings.Count(table, "\n")+1 {
		t.Fatalf("widget.js: read %d texts of the %d lines of T: each must be `key: 'text',` on one line", len(out), strings.Count(table, "\n")+1)
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\w+\}`)

// Every language has every text of the widget, none empty, with the same placeholders
// as the English one, and at least the languages the widget promises.
func TestWidgetStringsComplete(t *testing.T) {
	en := englishStrings(t)
	tables := widgetTables()
	for _, lang := range []string{"fr", "de", "es", "it", "pt", "nl"} {
		if tables[lang] == nil {
			t.Errorf("no widget texts in %s", lang)
		}
	}
	for lang, table := range tables {
		if got, want := slices.Sorted(maps.Keys(table)), slices.Sorted(maps.Keys(en)); !slices.Equal(got, want) {
			t.Errorf("%s: keys %v, want those of widget.js's English %v", lang, got, want)
			continue
		}
		for k, text := range table {
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			got, want := placeholder.FindAllString(text, -1), placeholder.FindAllString(en[k], -1)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s %q has placeholders %v, the English %q has %v", lang, k, text, got, en[k], want)
			}
		}
	}
}

func TestWidgetStringsByLanguage(t *testing.T) {
	de := widgetTables()["de"]["send"]
	pt := widgetTables()["pt"]["send"]
	for _, tc := range []struct {
		lang, want string // want: the "send" text, "" for none
	}{
		{"de", de},
		{"DE", de},
		{"de-AT", de},
		{"pt-BR", pt},
		{"en", ""},
		{"en-GB", ""},
		{"ja", ""},
		{"", ""},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if got := WidgetStrings(tc.lang)["send"]; got != tc.want {
				t.Errorf("WidgetStrings(%q)[send] = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}
}
