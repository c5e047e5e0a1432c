package parley_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

func TestSearchWords(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"Refund", []string{"refund"}},
		{`"refund" OR card*`, []string{"refund", "or", "card"}},
		{"refund REFUND Refund", []string{"refund"}},
		{"Café-crème", []string{"café", "crème"}},
		{"e\u0301lan", []string{"e\u0301lan"}}, // a combining accent stays in its word
		{"order #4521!", []string{"order", "4521"}},
		{"NEAR(a b) ^c -d :* 'e' <-> f|g&!h", []string{"near", "a", "b", "c", "d", "e", "f", "g", "h"}},
		{"Привет мир", []string{"привет", "мир"}},
		{"注文 番号", []string{"注文", "番号"}},
	} {
		got, err := parley.SearchWords(tc.text)
		if err != nil {
			t.Errorf("SearchWords(%q): %v", tc.text, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("SearchWords(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	for _, bad := range []string{strings.Repeat("a", parley.MaxSearchLength+1), "a b c d e f g h i j k", "\xff"} {
		if _, err := parley.SearchWords(bad); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("SearchWords(%q): %v, want EINVALID", bad, err)
		}
	}
	if _, err := parley.SearchWords(strings.Repeat("é", parley.MaxSearchLength)); err != nil {
		t.Errorf("%d characters: %v", parley.MaxSearchLength, err)
	}
}

// marked writes a snippet with its matches in brackets.
func marked(parts []parley.SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 10) + "The REFUND of order 42 is on its way to your card. " + strings.Repeat("Thanks again. ", 10)
	for _, tc := range []struct {
		name, body string
		words      []string
		want       string
	}{
		{"short", "Your refund is on its way.", []string{"refund"}, "Your [refund] is on its way."},
		{"prefix and case", "REFUNDS, refunding, Refund!", []string{"ref"}, "[REFUNDS], [refunding], [Refund]!"},
		{"not inside a word", "prerefund", []string{"refund"}, "prerefund"},
		{"accents either way", "Un café crème, s'il vous plaît", []string{"cafe", "crème", "plait"}, "Un [café] [crème], s'il vous [plaît]"},
		{"several words", "Where is my parcel? The parcel number is 42.", []string{"parcel", "42"}, "Where is my [parcel]? The [parcel] number is [42]."},
		{"no match", "Hello there", []string{"refund"}, "Hello there"},
		{"long, cut around the first match", long, []string{"refund", "card"},
			"…amet. Lorem ipsum dolor sit amet. The [REFUND] of order 42 is on its way to your [card]. Thanks again. Thanks again. Thanks again. Thanks again. Thanks again.…"},
		{"long, no match", long, []string{"zzz"}, strings.Repeat("Lorem ipsum dolor sit amet. ", 5) + "Lorem ipsum dolor…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := marked(parley.Snippet(tc.body, tc.words))
			if got != tc.want {
				t.Errorf("Snippet =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	// Every part is valid UTF-8, whatever the cut.
	body := strings.Repeat("é", 300) + " refund " + strings.Repeat("ü", 300)
	for _, p := range parley.Snippet(body, []string{"refund"}) {
		if !strings.HasPrefix(p.Text, "…") && strings.ToValidUTF8(p.Text, "?") != p.Text {
			t.Errorf("part %q is not valid UTF-8", p.Text)
		}
	}
}
