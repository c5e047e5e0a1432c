package parley_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// The waits between attempts: the base, then three times longer each time, 8 attempts
// over about eighteen hours with the default base of a minute.
func TestWebhookBackoff(t *testing.T) {
	var total time.Duration
	want := []time.Duration{time.Minute, 3 * time.Minute, 9 * time.Minute, 27 * time.Minute, 81 * time.Minute, 243 * time.Minute, 729 * time.Minute}
	for i, w := range want {
		got := parley.WebhookBackoff(time.Minute, i+1)
		if got != w {
			t.Errorf("after attempt %d: %v, want %v", i+1, got, w)
		}
		total += got
	}
	if len(want) != parley.WebhookMaxAttempts-1 || total < 17*time.Hour || total > 24*time.Hour {
		t.Errorf("%d waits over %v", len(want), total)
	}
}

// A signature verifies over the same body and secret at about the same time only.
func TestWebhookSignature(t *testing.T) {
	at := time.Unix(1712345678, 0)
	body := []byte(`{"event":"message"}`)
	sig := parley.SignWebhook("s3cret-s3cret-s3cret", at, body)
	if !strings.HasPrefix(sig, "t=1712345678,v1=") || len(sig) != len("t=1712345678,v1=")+64 {
		t.Fatalf("signature %q", sig)
	}
	// Computed apart: printf '%s' '1712345678.{"event":"message"}' | openssl dgst -sha256 -hmac s3cret-s3cret-s3cret
	if want := "t=1712345678,v1=fc509edefc1f08cf77a4636dfd88c0b004bf7cdc1c8404ac1dd8dabe80b4f98c"; sig != want {
		t.Errorf("signature %q, want %q", sig, want)
	}
	if err := parley.VerifyWebhook("s3cret-s3cret-s3cret", sig, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	for _, tc := range []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
	}{
		{"another body", "s3cret-s3cret-s3cret", sig, []byte(`{"event":"ended"}`), at},
		{"another secret", "other-other-other-other", sig, body, at},
		{"too old", "s3cret-s3cret-s3cret", sig, body, at.Add(10 * time.Minute)},
		{"malformed", "s3cret-s3cret-s3cret", "v1=abc", body, at},
	} {
		if err := parley.VerifyWebhook(tc.secret, tc.header, tc.body, tc.now, 5*time.Minute); err == nil {
			t.Errorf("%s: verified", tc.name)
		}
	}
}

func TestValidateWebhook(t *testing.T) {
	ok := func() *parley.Webhook {
		return &parley.Webhook{URL: "https://crm.example/hook", Events: []string{parley.WebhookMessage, parley.WebhookStarted}, Secret: "0123456789abcdef"}
	}
	w := ok()
	if err := parley.ValidateWebhook(w); err != nil {
		t.Fatal(err)
	}
	if strings.Join(w.Events, ",") != "conversation.started,message" {
		t.Errorf("events put in order: %v", w.Events)
	}
	for _, tc := range []struct {
		name string
		edit func(w *parley.Webhook)
	}{
		{"ftp", func(w *parley.Webhook) { w.URL = "ftp://crm.example/" }},
		{"no scheme", func(w *parley.Webhook) { w.URL = "crm.example/hook" }},
		{"credentials", func(w *parley.Webhook) { w.URL = "https://user:pw@crm.example/" }},
		{"no events", func(w *parley.Webhook) { w.Events = nil }},
		{"unknown event", func(w *parley.Webhook) { w.Events = []string{"typing"} }},
		{"test event", func(w *parley.Webhook) { w.Events = []string{parley.WebhookTest} }},
		{"short secret", func(w *parley.Webhook) { w.Secret = "short" }},
	} {
		w := ok()
		tc.edit(w)
		if err := parley.ValidateWebhook(w); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", tc.name, err)
		}
	}
}
