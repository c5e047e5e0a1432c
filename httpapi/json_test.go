package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// Every request body decode refuses gets a message that names the problem: where
// encoding/json would guess (the last of two values, a name in another case, U+FFFD for
// a lone surrogate), decode refuses.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		target func() any
		want   string // the message, "" when accepted
	}{
		{"accepted", `{"chat_name":"Al","chat_languages":["fr"]}`, prefs, ""},
		{"escaped surrogate pair", `{"chat_name":"\ud83d\ude00"}`, prefs, ""},
		{"null", `null`, prefs, ""},
		{"surrounding white space", " \n{}\t\n", prefs, ""},

		{"duplicate name", `{"chat_name":"Al","chat_name":"Admin"}`, prefs, `Field "chat_name" appears more than once.`},
		{"duplicate name of another type", `{"chat_languages":["fr"],"chat_languages":null}`, prefs, `Field "chat_languages" appears more than once.`},
		{"duplicate name deep down", `{"allowed_origins":[[{"a":{"b":1,"b":2}}]]}`, channel, `Field "allowed_origins.0.0.a.b" appears more than once.`},
		{"duplicate name in an unknown field", `{"x":{"a":1,"a":2}}`, send, `Unknown field "x".`},
		{"duplicate name in an array of objects", `{"allowed_origins":[{"o":1,"o":1}]}`, channel, `Field "allowed_origins.0.o" appears more than once.`},
		{"duplicate name, second escaped", `{"chat_name":"Al","chat_\u006eame":"Admin"}`, prefs, `Field "chat_name" appears more than once.`},
		{"name in upper case", `{"CHAT_NAME":"Admin"}`, prefs, `Unknown field "CHAT_NAME".`},
		{"name in mixed case after the exact one", `{"chat_name":"Al","Chat_Name":"Admin"}`, prefs, `Unknown field "Chat_Name".`},
		{"name with a Kelvin sign", "{\"s\u212aore\":5}", rating, "Unknown field \"s\u212aore\"."},
		{"lone high surrogate", `{"chat_name":"\ud800"}`, prefs, `Field "chat_name" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"lone low surrogate", `{"body":"a\udc00b"}`, send, `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"surrogates in the wrong order", `{"body":"\ude00\ud83d"}`, send, `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"lone surrogate in a name", `{"\ud800":1}`, rating, `Request body holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"lone surrogate in an array", `{"chat_languages":["fr","\udbff"]}`, prefs, `Field "chat_languages.1" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},

		// The messages encoding/json's errors gave, kept.
		{"empty", ``, prefs, "Request body is empty; a JSON object is expected."},
		{"truncated", `{"chat_name":`, prefs, "Request body is truncated JSON."},
		{"not JSON", `chat_name=x`, prefs, "Request body is not valid JSON (at byte 0): invalid character 'c' at start of value."},
		{"bad literal", `{"chat_name":tru}`, prefs, "Request body is not valid JSON (at byte 16): invalid character '}' in literal true (expecting 'e')."},
		{"raw control character in a string", "{\"chat_name\":\"a\x01\"}", prefs, "Request body is not valid JSON (at byte 15): invalid character '\\x01' in string (expecting non-control character)."},
		{"invalid UTF-8", "{\"chat_name\":\"\xff\"}", prefs, "Request body is not valid UTF-8."},
		{"unknown field", `{"nickname":"x"}`, prefs, `Unknown field "nickname".`},
		{"wrong type", `{"chat_name":42}`, prefs, `Field "chat_name" must be of type string.`},
		{"wrong type in an array", `{"chat_languages":[1]}`, prefs, `Field "chat_languages.0" must be of type string.`},
		{"array for an array of strings", `{"chat_languages":"fr"}`, prefs, `Field "chat_languages" must be of type array.`},
		{"not an object", `[]`, prefs, "Request body must be a JSON object."},
		{"string for a number", `{"score":"5"}`, rating, `Field "score" must be of type number.`},
		{"fraction for an integer", `{"score":4.5}`, rating, `Field "score" must be an integer, without a fraction or an exponent.`},
		{"exponent for an integer", `{"score":5e0}`, rating, `Field "score" must be an integer, without a fraction or an exponent.`},
		{"integer out of range", `{"score":99999999999999999999}`, rating, `Field "score" is out of range.`},
		{"two values", `{} {}`, prefs, "Request body must hold a single JSON value."},
		{"text after the value", `{}x`, prefs, "Request body is not valid JSON (at byte 2): invalid character 'x' at start of value."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			err := decode(httptest.NewRecorder(), r, tc.target())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("decode(%s): %v", tc.body, err)
				}
				return
			}
			if parley.ErrorCode(err) != parley.EINVALID || parley.ErrorMessage(err) != tc.want {
				t.Fatalf("decode(%s) = %v\nwant EINVALID %q", tc.body, err, tc.want)
			}
		})
	}
}

// A request that passes decode gets exactly the values it sent, under exact names.
func TestDecodeValues(t *testing.T) {
	var p chat.Preferences
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"chat_name":"Al \ud83d\ude00","chat_languages":["fr","pt-BR"]}`))
	if err := decode(httptest.NewRecorder(), r, &p); err != nil {
		t.Fatal(err)
	}
	if p.ChatName == nil || *p.ChatName != "Al 😀" || p.ChatLanguages == nil || strings.Join(*p.ChatLanguages, ",") != "fr,pt-BR" || p.MainLanguage != nil {
		t.Fatalf("decoded %+v", p)
	}
}

// WebSocket frames follow the rules of request bodies.
func TestParseFrameRules(t *testing.T) {
	tests := []struct {
		name, frame string
		want        string // the message, "" when accepted
	}{
		{"send", `{"type":"send","conversation_id":1,"body":"hi","client_id":"k"}`, ""},
		{"escaped pair", `{"type":"send","conversation_id":1,"body":"\ud83d\ude00","client_id":"k"}`, ""},
		{"duplicate body", `{"type":"send","conversation_id":1,"body":"hi","body":"bye","client_id":"k"}`, `Field "body" appears more than once.`},
		{"duplicate conversation", `{"type":"typing","conversation_id":1,"conversation_id":2}`, `Field "conversation_id" appears more than once.`},
		{"duplicate type", `{"type":"activity","type":"send"}`, `Field "type" appears more than once.`},
		{"name in another case", `{"type":"send","conversation_id":1,"body":"hi","client_id":"k","Body":"bye"}`, `Unknown field "Body".`},
		{"type in upper case", `{"TYPE":"activity"}`, `Unknown field "TYPE".`},
		{"unknown field", `{"type":"activity","extra":1}`, `Unknown field "extra".`},
		{"lone surrogate", `{"type":"send","conversation_id":1,"body":"\ud800","client_id":"k"}`, `Field "body" holds a \u escape of a lone surrogate (U+D800 to U+DFFF), which is not a character.`},
		{"invalid UTF-8", "{\"type\":\"send\",\"body\":\"\xff\"}", "Frame is not valid UTF-8."},
		{"empty", ``, "Frame is empty; a JSON object is expected."},
		{"blank", " \n", "Frame is empty; a JSON object is expected."},
		{"truncated", `{"type":`, "Frame is truncated JSON."},
		{"not an object", `"activity"`, "Frame must be a JSON object."},
		{"wrong type", `{"type":"typing","conversation_id":"1"}`, `Field "conversation_id" must be of type number.`},
		{"two values", `{"type":"activity"} {}`, "Frame is not valid JSON (at byte 20): invalid character '{' after top-level value."},
		{"unknown type", `{"type":"nope"}`, `Unknown frame type "nope".`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFrame([]byte(tc.frame))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("parseFrame(%s): %v", tc.frame, err)
				}
				return
			}
			if parley.ErrorCode(err) != parley.EINVALID || parley.ErrorMessage(err) != tc.want {
				t.Fatalf("parseFrame(%s) = %v\nwant EINVALID %q", tc.frame, err, tc.want)
			}
		})
	}
}

func prefs() any   { return &chat.Preferences{} }
func send() any    { return &sendRequest{} }
func channel() any { return &channelPatch{} }
func rating() any  { return &parley.Rating{} }
