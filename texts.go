package parley

// ChannelText is a channel's button text and welcome message in one language. An empty
// text leaves the channel's own in its place, so an admin translates only what they want.
type ChannelText struct {
	ButtonText     string `json:"button_text"`
	WelcomeMessage string `json:"welcome_message"`
}

// Empty reports whether t gives no text at all: the store keeps nothing for it.
func (t ChannelText) Empty() bool { return t.ButtonText == "" && t.WelcomeMessage == "" }

// TextsIn are the channel's button text and welcome message as a visitor whose language
// is lang reads them: the texts given for lang, else the channel's own.
func (ch *Channel) TextsIn(texts map[string]ChannelText, lang string) (buttonText, welcomeMessage string) {
	buttonText, welcomeMessage = ch.ButtonText, ch.WelcomeMessage
	t := texts[lang]
	if t.ButtonText != "" {
		buttonText = t.ButtonText
	}
	if t.WelcomeMessage != "" {
		welcomeMessage = t.WelcomeMessage
	}
	return buttonText, welcomeMessage
}
