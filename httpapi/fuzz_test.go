package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// FuzzDecode feeds arbitrary request bodies to the JSON decoder of every request type:
// it never panics, and refuses with EINVALID (or ETOOLARGE, status 413) what it does not
// accept; whatever it accepts was valid UTF-8.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"body":"Bonjour !"}`, `{"body":"x","client_id":"k1"}`, `{"login":"a","password":"b"}`,
		`{"chat_name":"Al","chat_languages":["fr","pt-BR"]}`, `{"score":5,"comment":"ok"}`,
		`{"body":"hi","languages":["fr-BE"],"page_url":"https://x","visitor_token":"t"}`,
		`{"name":"Sales","max_ongoing_per_operator":3,"button_color":"#112233"}`,
		`{}`, `[]`, `null`, `{"body":`, "{\"body\":\"\xff\"}", `{"body":1}`, `{"nope":1}`, `{} {}`, ``,
	} {
		f.Add([]byte(seed))
	}
	targets := []func() any{
		func() any { return &loginRequest{} },
		func() any { return &sendRequest{} },
		func() any { return &chat.StartRequest{} },
		func() any { return &chat.Preferences{} },
		func() any { return &chat.NewUser{} },
		func() any { return &chat.NewChannel{} },
		func() any { return &channelPatch{} },
		func() any { return &parley.Rating{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			err := decode(httptest.NewRecorder(), r, target())
			switch code := parley.ErrorCode(err); code {
			case "":
				if !utf8.Valid(body) {
					t.Fatalf("accepted invalid UTF-8 %q", body)
				}
			case parley.EINVALID, parley.ETOOLARGE:
				if parley.ErrorMessage(err) == "" {
					t.Fatalf("refusal of %q has no message", body)
				}
			default:
				t.Fatalf("decode %q: code %s (%v)", body, code, err)
			}
		}
	})
}

// FuzzParseFrame feeds arbitrary WebSocket frames: never a panic, every refusal EINVALID,
// and an accepted frame is a known type.
func FuzzParseFrame(f *testing.F) {
	for _, seed := range []string{`{"type":"activity"}`, `{"type":"typing","conversation_id":3}`, `{"type":"typing"}`,
		`{"type":"nope"}`, `{"type":1}`, `[]`, `"x"`, ``, "\xff"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := parseFrame(data)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID {
				t.Fatalf("parseFrame(%q): %v", data, err)
			}
			return
		}
		if fr.Type != "activity" && (fr.Type != "typing" || fr.ConversationID <= 0) {
			t.Fatalf("parseFrame(%q) accepted %+v", data, fr)
		}
	})
}
