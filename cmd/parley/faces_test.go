package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// notifySwitches are a user's two notification switches as the API shows them.
type notifySwitches struct {
	Sound   *bool `json:"notify_sound"`
	Desktop *bool `json:"notify_desktop"`
}

func (n notifySwitches) String() string {
	show := func(b *bool) string {
		if b == nil {
			return "missing"
		}
		return fmt.Sprint(*b)
	}
	return fmt.Sprintf("sound %s, desktop %s", show(n.Sound), show(n.Desktop))
}

// A new operator hears a sound and gets no desktop notification; each switch changes
// alone, stays changed in GET /api/me and in a new session, and anything but a boolean
// is refused with a message naming the field, changing nothing.
func TestNotificationPreferences(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	me := func(token string) notifySwitches {
		t.Helper()
		var n notifySwitches
		s.must(t, 200, "GET", "/api/me", token, nil).decode(t, &n)
		return n
	}
	want := func(what string, got notifySwitches, sound, desktop bool) {
		t.Helper()
		if got.Sound == nil || got.Desktop == nil || *got.Sound != sound || *got.Desktop != desktop {
			t.Fatalf("%s: %v, want sound %v, desktop %v", what, got, sound, desktop)
		}
	}
	want("a new operator", me(alice), true, false)

	steps := []struct {
		name           string
		body           map[string]any
		sound, desktop bool
	}{
		{"desktop on", map[string]any{"notify_desktop": true}, true, true},
		{"sound off", map[string]any{"notify_sound": false}, false, true},
		{"both off", map[string]any{"notify_sound": false, "notify_desktop": false}, false, false},
		{"another field leaves them", map[string]any{"chat_name": "Alice"}, false, false},
		{"both on", map[string]any{"notify_sound": true, "notify_desktop": true}, true, true},
	}
	for _, st := range steps {
		var got notifySwitches
		s.must(t, 200, "PATCH", "/api/me/preferences", alice, st.body).decode(t, &got)
		want(st.name+": the answer", got, st.sound, st.desktop)
		want(st.name+": GET /api/me", me(alice), st.sound, st.desktop)
	}
	want("a new session", me(s.login(t, "alice", "password-alice")), true, true)

	for _, bad := range []struct {
		body, field string
	}{
		{`{"notify_sound": "yes"}`, "notify_sound"},
		{`{"notify_desktop": 1}`, "notify_desktop"},
		{`{"notify_sound": null, "notify_desktop": "off"}`, "notify_desktop"},
	} {
		r := s.call(t, "PATCH", "/api/me/preferences", alice, bad.body)
		if r.Status != http.StatusBadRequest || r.errorCode(t) != "EINVALID" || !strings.Contains(r.errorMessage(t), bad.field) {
			t.Errorf("PATCH %s: %d %s; want 400 EINVALID naming %s", bad.body, r.Status, r.Body, bad.field)
		}
	}
	want("after the refusals", me(alice), true, true)
}

// widgetChannel is GET /livechat/channels/{id} as the widget reads it.
type widgetChannel struct {
	ButtonText     string            `json:"button_text"`
	WelcomeMessage string            `json:"welcome_message"`
	Language       string            `json:"language"`
	Strings        map[string]string `json:"strings"`
}

// An admin gives a channel's texts per enabled language: a visitor whose languages match
// one sees its texts (the channel's own where one is empty), with the widget's strings in
// that language; any other visitor sees the channel's own, in English. A language that is
// not enabled is refused, naming it, and nothing of the request is stored.
func TestChannelTextsPerLanguage(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	for _, code := range []string{"fr", "de", "pt-BR"} {
		s.must(t, 200, "PUT", "/api/languages/"+code, admin, map[string]bool{"enabled": true})
	}
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "button_text": "Chat with us", "welcome_message": "Hello!"})
	chPath := fmt.Sprintf("/api/channels/%d", ch)

	// savedChannel is a channel as the admin API answers it.
	type savedChannel struct {
		Name  string                       `json:"name"`
		Texts map[string]map[string]string `json:"texts"`
	}
	var saved savedChannel
	s.must(t, 200, "PATCH", chPath, admin, map[string]any{"texts": map[string]any{
		"fr": map[string]string{"button_text": "Discutons", "welcome_message": "Bonjour !"},
		"DE": map[string]string{"button_text": "  Fragen? Schreiben Sie uns  ", "welcome_message": ""},
	}}).decode(t, &saved)
	wantTexts := map[string]map[string]string{
		"fr": {"button_text": "Discutons", "welcome_message": "Bonjour !"},
		"de": {"button_text": "Fragen? Schreiben Sie uns", "welcome_message": ""},
	}
	if !jsonEqual(saved.Texts, wantTexts) {
		t.Fatalf("PATCH answer texts %v, want %v", saved.Texts, wantTexts)
	}
	saved = savedChannel{}
	s.must(t, 200, "GET", chPath, admin, nil).decode(t, &saved)
	if !jsonEqual(saved.Texts, wantTexts) {
		t.Fatalf("GET texts %v, want %v", saved.Texts, wantTexts)
	}

	widget := func(query string, header ...string) widgetChannel {
		t.Helper()
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/livechat/channels/%d%s", s.URL, ch, query), nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", query, resp.StatusCode)
		}
		var w widgetChannel
		if err := json.NewDecoder(resp.Body).Decode(&w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, tc := range []struct {
		name, query, acceptLanguage      string
		language, button, welcome, sendS string // sendS: the widget's "send" string, "" for none
	}{
		{"French visitor", "?languages=fr-BE,en", "", "fr", "Discutons", "Bonjour !", "Envoyer"},
		{"German visitor, no welcome in German", "?languages=de-AT", "", "de", "Fragen? Schreiben Sie uns", "Hello!", "Senden"},
		{"Accept-Language when no languages", "", "de-CH,de;q=0.9", "de", "Fragen? Schreiben Sie uns", "Hello!", "Senden"},
		{"languages before Accept-Language", "?languages=fr", "de", "fr", "Discutons", "Bonjour !", "Envoyer"},
		{"Brazilian visitor: no texts, Portuguese strings", "?languages=pt-BR", "", "pt-BR", "Chat with us", "Hello!", "Enviar"},
		{"a language not enabled", "?languages=es", "", "en", "Chat with us", "Hello!", ""},
		{"English", "?languages=en-US,fr", "", "en", "Chat with us", "Hello!", ""},
		{"nothing said", "", "", "en", "Chat with us", "Hello!", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var header []string
			if tc.acceptLanguage != "" {
				header = []string{"Accept-Language", tc.acceptLanguage}
			}
			w := widget(tc.query, header...)
			if w.Language != tc.language || w.ButtonText != tc.button || w.WelcomeMessage != tc.welcome || w.Strings["send"] != tc.sendS {
				t.Errorf("got language %q, button %q, welcome %q, send %q; want %q, %q, %q, %q",
					w.Language, w.ButtonText, w.WelcomeMessage, w.Strings["send"], tc.language, tc.button, tc.welcome, tc.sendS)
			}
			if tc.sendS == "" && w.Strings != nil {
				t.Errorf("strings %v for a visitor who reads the widget's English", w.Strings)
			}
		})
	}

	if r := s.call(t, "GET", fmt.Sprintf("/livechat/channels/%d?languages=%s", ch, strings.Repeat("de,", 33)), "", nil); r.Status != 400 || r.errorCode(t) != "EINVALID" {
		t.Errorf("33 languages: %d %s, want 400", r.Status, r.Body)
	}

	// Bad requests change nothing: neither the texts nor the channel's other fields.
	for _, bad := range []struct {
		name  string
		body  map[string]any
		names string // what the message names
	}{
		{"language not enabled", map[string]any{"name": "Renamed", "texts": map[string]any{"es": map[string]string{"button_text": "Hola"}}}, `"es"`},
		{"not a language", map[string]any{"texts": map[string]any{"not a tag!": map[string]string{"button_text": "x"}}}, "not a tag!"},
		{"twice", map[string]any{"texts": map[string]any{"fr": map[string]string{"button_text": "a"}, "FR": map[string]string{"button_text": "b"}}}, "fr"},
		{"button text too long", map[string]any{"texts": map[string]any{"fr": map[string]string{"button_text": strings.Repeat("a", 101)}}}, "Button text (fr)"},
		{"button text on two lines", map[string]any{"texts": map[string]any{"de": map[string]string{"button_text": "a\nb"}}}, "Button text (de)"},
		{"welcome message too long", map[string]any{"texts": map[string]any{"fr": map[string]string{"welcome_message": strings.Repeat("a", 1001)}}}, "Welcome message (fr)"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			r := s.call(t, "PATCH", chPath, admin, bad.body)
			if r.Status != 400 || r.errorCode(t) != "EINVALID" || !strings.Contains(r.errorMessage(t), bad.names) {
				t.Errorf("PATCH %v: %d %s; want 400 EINVALID naming %s", bad.body, r.Status, r.Body, bad.names)
			}
		})
	}
	saved = savedChannel{}
	s.must(t, 200, "GET", chPath, admin, nil).decode(t, &saved)
	if saved.Name != "Website" || !jsonEqual(saved.Texts, wantTexts) {
		t.Fatalf("after the refusals: name %q, texts %v", saved.Name, saved.Texts)
	}
	r := s.call(t, "PATCH", chPath, admin, `{"texts": {"fr": {"button_text": 3}}}`)
	if r.Status != 400 || r.errorCode(t) != "EINVALID" {
		t.Errorf("texts of the wrong type: %d %s", r.Status, r.Body)
	}

	// Only an admin edits them.
	_, alice := s.mustOperator(t, admin, "alice", nil)
	if r := s.call(t, "PATCH", chPath, alice, map[string]any{"texts": map[string]any{"fr": map[string]string{"button_text": "x"}}}); r.Status != 403 {
		t.Errorf("an operator's PATCH: %d %s", r.Status, r.Body)
	}

	// Emptied texts go; the other languages keep theirs. A language disabled since keeps
	// its texts but no visitor is matched to it any more, and they can still be removed.
	saved = savedChannel{}
	s.must(t, 200, "PATCH", chPath, admin, map[string]any{"texts": map[string]any{"fr": map[string]string{"button_text": " ", "welcome_message": ""}}}).decode(t, &saved)
	if !jsonEqual(saved.Texts, map[string]map[string]string{"de": wantTexts["de"]}) {
		t.Fatalf("after emptying French: %v", saved.Texts)
	}
	s.must(t, 200, "PUT", "/api/languages/de", admin, map[string]bool{"enabled": false})
	if w := widget("?languages=de"); w.Language != "en" || w.ButtonText != "Chat with us" {
		t.Errorf("German disabled: language %q, button %q", w.Language, w.ButtonText)
	}
	saved = savedChannel{}
	s.must(t, 200, "PATCH", chPath, admin, map[string]any{"texts": map[string]any{"de": map[string]string{}}}).decode(t, &saved)
	if len(saved.Texts) != 0 {
		t.Fatalf("after removing the German texts: %v", saved.Texts)
	}

	// A channel may be created with its texts; the list shows them too.
	var created struct {
		ID    int64                        `json:"id"`
		Texts map[string]map[string]string `json:"texts"`
	}
	s.must(t, 201, "POST", "/api/channels", admin, map[string]any{"name": "Sales", "texts": map[string]any{
		"fr": map[string]string{"welcome_message": "Parlons affaires."}}}).decode(t, &created)
	if created.Texts["fr"]["welcome_message"] != "Parlons affaires." {
		t.Fatalf("created with texts %v", created.Texts)
	}
	if r := s.call(t, "POST", "/api/channels", admin, map[string]any{"name": "Support", "texts": map[string]any{"it": map[string]string{"button_text": "Ciao"}}}); r.Status != 400 || !strings.Contains(r.errorMessage(t), `"it"`) {
		t.Errorf("created with a language not enabled: %d %s", r.Status, r.Body)
	}
	var list []struct {
		ID    int64                        `json:"id"`
		Name  string                       `json:"name"`
		Texts map[string]map[string]string `json:"texts"`
	}
	s.must(t, 200, "GET", "/api/channels", admin, nil).decode(t, &list)
	if len(list) != 2 || list[1].ID != created.ID || list[1].Texts["fr"]["welcome_message"] != "Parlons affaires." || list[0].Texts == nil {
		t.Errorf("GET /api/channels: %+v (no channel Support may have been created)", list)
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
