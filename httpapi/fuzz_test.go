package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	fastjson "github.com/segmentio/encoding/json"
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
// and an accepted frame is a known type with what that type needs. Frames are decoded
// with segmentio/encoding's decoder: it must decode each exactly as encoding/json does,
// the same fields or a refusal from both.
func FuzzParseFrame(f *testing.F) {
	for _, seed := range []string{`{"type":"activity"}`, `{"type":"typing","conversation_id":3}`, `{"type":"typing"}`,
		`{"type":"nope"}`, `{"type":1}`, `[]`, `"x"`, ``, "\xff",
		`{"type":"send","conversation_id":12,"body":"Bonjour !","client_id":"k1"}`,
		`{"TYPE":"send","Conversation_ID":12,"body":"a\u00e9\ud83d\ude00","client_id":"k1","extra":{"a":[1,2]}}`,
		`{"type":"send","conversation_id":1e3,"client_id":"k"}`, `{"type":"send","conversation_id":12.0,"client_id":"k"}`,
		`{"type":"send","conversation_id":"12","client_id":"k"}`, `{"type":"send","body":null,"client_id":"k","conversation_id":1}`,
		`{"type":"typing","conversation_id":1,"conversation_id":2}`, `{"type":"typing","conversation_id":99999999999999999999}`,
		`{"type":"activity"} x`, ` {"type":"activity"}` + "\n", `{"type":"send","body":"\ud800","client_id":"k","conversation_id":1}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want, got clientFrame
		wantErr, err := json.Unmarshal(data, &want), fastjson.Unmarshal(data, &got)
		if (err != nil) != (wantErr != nil) || (wantErr == nil && got != want) {
			t.Fatalf("%q: segmentio/encoding decoded %+v (%v), encoding/json %+v (%v)", data, got, err, want, wantErr)
		}
		fr, err := parseFrame(data)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID {
				t.Fatalf("parseFrame(%q): %v", data, err)
			}
			return
		}
		switch {
		case fr.Type == "activity":
		case fr.Type == "typing" && fr.ConversationID > 0:
		case fr.Type == "send" && fr.ConversationID > 0 && fr.ClientID != "":
		default:
			t.Fatalf("parseFrame(%q) accepted %+v", data, fr)
		}
	})
}

// BenchmarkParseFrame decodes a send frame, as every message sent on a WebSocket is, with
// encoding/json and with parseFrame.
func BenchmarkParseFrame(b *testing.B) {
	data := []byte(`{"type":"send","conversation_id":1234,"body":"` + strings.Repeat("x", 64) + `","client_id":"1tfs6ci.14.123456"}`)
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f clientFrame
			if err := json.Unmarshal(data, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parseFrame", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseFrame(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
