package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// FuzzDecode feeds arbitrary request bodies to the JSON decoder of every request type:
// it never panics, and refuses with EINVALID (or ETOOLARGE, status 413) what it does not
// accept; whatever it accepts was valid UTF-8, and encoding/json decodes it the same.
// Where encoding/json accepts what decode refuses, the refusal is one of the deliberate
// ones: a name given twice, a name in another case, an escaped lone surrogate.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"body":"Bonjour !"}`, `{"body":"x","client_id":"k1"}`, `{"login":"a","password":"b"}`,
		`{"chat_name":"Al","chat_languages":["fr","pt-BR"]}`, `{"score":5,"comment":"ok"}`,
		`{"body":"hi","languages":["fr-BE"],"page_url":"https://x","visitor_token":"t"}`,
		`{"name":"Sales","max_ongoing_per_operator":3,"button_color":"#112233"}`,
		`{}`, `[]`, `null`, `{"body":`, "{\"body\":\"\xff\"}", `{"body":1}`, `{"nope":1}`, `{} {}`, ``,
		`{"body":"a","body":"b"}`, `{"CHAT_NAME":"x","chat_name":"y"}`, `{"body":"\ud800"}`, `{"body":"\udc00\ud800x"}`,
		`{"chat_languages":["fr"],"chat_languages":[]}`, `{"allowed_origins":["https://a"],"Allowed_Origins":null}`,
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
			got := target()
			err := decode(httptest.NewRecorder(), r, got)
			want := target()
			wantErr := legacyDecode(body, want)
			switch code := parley.ErrorCode(err); code {
			case "":
				if !utf8.Valid(body) {
					t.Fatalf("accepted invalid UTF-8 %q", body)
				}
				if wantErr != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: decoded %+v, encoding/json %+v (%v)", body, got, want, wantErr)
				}
			case parley.EINVALID, parley.ETOOLARGE:
				if parley.ErrorMessage(err) == "" {
					t.Fatalf("refusal of %q has no message", body)
				}
				if wantErr == nil && utf8.Valid(body) && len(body) <= MaxBodyBytes && !deliberate(err) {
					t.Fatalf("%q: refused (%v), but encoding/json accepts it as %+v", body, err, want)
				}
			default:
				t.Fatalf("decode %q: code %s (%v)", body, code, err)
			}
		}
	})
}

// FuzzParseFrame feeds arbitrary WebSocket frames: never a panic, every refusal EINVALID,
// and an accepted frame is a known type with what that type needs. A frame's JSON is
// decoded as a request body is: what encoding/json decodes differently must be one of
// the deliberate refusals.
func FuzzParseFrame(f *testing.F) {
	for _, seed := range []string{`{"type":"activity"}`, `{"type":"typing","conversation_id":3}`, `{"type":"typing"}`,
		`{"type":"nope"}`, `{"type":1}`, `[]`, `"x"`, ``, "\xff",
		`{"type":"send","conversation_id":12,"body":"Bonjour !","client_id":"k1"}`,
		`{"TYPE":"send","Conversation_ID":12,"body":"a\u00e9\ud83d\ude00","client_id":"k1","extra":{"a":[1,2]}}`,
		`{"type":"send","conversation_id":1e3,"client_id":"k"}`, `{"type":"send","conversation_id":12.0,"client_id":"k"}`,
		`{"type":"send","conversation_id":"12","client_id":"k"}`, `{"type":"send","body":null,"client_id":"k","conversation_id":1}`,
		`{"type":"typing","conversation_id":1,"conversation_id":2}`, `{"type":"typing","conversation_id":99999999999999999999}`,
		`{"type":"activity"} x`, ` {"type":"activity"}` + "\n", `{"type":"send","body":"\ud800","client_id":"k","conversation_id":1}`,
		`{"type":"send","conversation_id":1,"body":"x","client_id":"k","Body":"y"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := parseFrame(data)
		var want clientFrame
		wantErr := legacyDecode(data, &want)
		if err != nil {
			if parley.ErrorCode(err) != parley.EINVALID || parley.ErrorMessage(err) == "" {
				t.Fatalf("parseFrame(%q): %v", data, err)
			}
			if wantErr == nil && utf8.Valid(data) && want.valid() && !deliberate(err) {
				t.Fatalf("parseFrame(%q) refused (%v), but encoding/json decodes it as %+v", data, err, want)
			}
			return
		}
		if wantErr != nil || fr != want {
			t.Fatalf("parseFrame(%q) = %+v, encoding/json %+v (%v)", data, fr, want, wantErr)
		}
		if !fr.valid() {
			t.Fatalf("parseFrame(%q) accepted %+v", data, fr)
		}
	})
}

// valid reports whether a decoded frame has a known type and what that type needs.
func (f clientFrame) valid() bool {
	switch f.Type {
	case "activity":
		return true
	case "typing":
		return f.ConversationID > 0
	case "send":
		return f.ConversationID > 0 && f.ClientID != ""
	}
	return false
}

// legacyDecode decodes data as encoding/json would, with the rules decode had before
// strictJSON: no unknown field, one value only.
func legacyDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return fmt.Errorf("more than one value (%v)", err)
	}
	return nil
}

// deliberate reports whether err is one of the refusals encoding/json would not make.
func deliberate(err error) bool {
	msg := parley.ErrorMessage(err)
	return strings.HasSuffix(msg, "appears more than once.") || strings.HasPrefix(msg, "Unknown field ") ||
		strings.Contains(msg, "lone surrogate")
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
