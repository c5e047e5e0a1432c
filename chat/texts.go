package chat

import (
	"context"
	"slices"
	"strings"

	"github.com/parleychat/parley"
)

// checkTexts checks the channel texts an admin gives per language and returns them with
// canonical language tags and trimmed texts. A text for a language that is not enabled
// is refused, naming it; taking texts away (both empty) is allowed for any valid tag, so
// that those of a language disabled since can go too.
func (s *Service) checkTexts(ctx context.Context, texts map[string]parley.ChannelText) (map[string]parley.ChannelText, error) {
	if texts == nil {
		return nil, nil
	}
	enabled, err := s.enabledSet(ctx)
	if err != nil {
		return nil, err
	}
	// In a stable order, so that of two bad languages the same one is named each time.
	codes := make([]string, 0, len(texts))
	for code := range texts {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	out := make(map[string]parley.ChannelText, len(texts))
	for _, code := range codes {
		canon, err := parley.CanonicalLanguage(code)
		if err != nil {
			return nil, err
		}
		if _, twice := out[canon]; twice {
			return nil, parley.Errorf(parley.EINVALID, "Texts for language %q are given twice.", canon)
		}
		t := parley.ChannelText{
			ButtonText:     strings.TrimSpace(texts[code].ButtonText),
			WelcomeMessage: strings.TrimSpace(texts[code].WelcomeMessage),
		}
		if !t.Empty() && !enabled[canon] {
			return nil, parley.Errorf(parley.EINVALID, "Language %q is not enabled on this installation.", code)
		}
		if err := parley.ValidateName("Button text ("+canon+")", t.ButtonText, parley.MaxNameLength, false); err != nil {
			return nil, err
		}
		if err := parley.ValidateText("Welcome message ("+canon+")", t.WelcomeMessage, parley.MaxTextLength, false); err != nil {
			return nil, err
		}
		out[canon] = t
	}
	return out, nil
}

// WidgetChannel is ChannelStatus for a visitor whose languages are these (navigator.languages,
// else the Accept-Language header): with the language they are matched to among the enabled
// ones, and the channel's texts in it.
// pageURL is the page the widget is on, for the channel rules (channelrules.go).
func (s *Service) WidgetChannel(ctx context.Context, id int64, languages []string, acceptLanguage, pageURL string) (*ChannelStatus, error) {
	if len(languages) > 32 {
		return nil, parley.Errorf(parley.EINVALID, "At most 32 languages may be sent.")
	}
	st, err := s.ChannelStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	enabled, matcher, err := s.enabledList(ctx)
	if err != nil {
		return nil, err
	}
	st.Language = matcher.Match(languages, acceptLanguage, defaultLanguage(enabled))
	texts, err := s.store.ChannelTexts(ctx, id)
	if err != nil {
		return nil, err
	}
	ch := parley.Channel{ButtonText: st.ButtonText, WelcomeMessage: st.WelcomeMessage}
	st.ButtonText, st.WelcomeMessage = ch.TextsIn(texts, st.Language)
	if err := s.applyRules(ctx, st, pageURL); err != nil {
		return nil, err
	}
	return st, nil
}
