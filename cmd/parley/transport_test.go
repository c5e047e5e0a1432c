package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
)

// Behind a trusted proxy that adds its own X-Forwarded-For line, a client that sends a
// line of its own, with a new forged address each time, is still the proxy's client: its
// failed logins are limited, and another client of the proxy is not.
func TestForwardedForOverSeveralLines(t *testing.T) {
	s := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	login := func(forged, client, password string) int {
		req, _ := http.NewRequest("POST", s.URL+"/api/session", jsonBody(map[string]string{"login": "admin", "password": password}))
		req.Header.Add("X-Forwarded-For", forged) // the client's own line, passed on
		req.Header.Add("X-Forwarded-For", client) // the proxy's line: the peer it saw
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limited := false
	for i := range 20 {
		if login(fmt.Sprintf("198.51.100.%d", i+1), "203.0.113.5", "wrong-password") == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("20 failed logins, each with another forged first X-Forwarded-For line, were never limited")
	}
	if got := login("198.51.100.99", "203.0.113.5", adminPassword); got != http.StatusTooManyRequests {
		t.Fatalf("the limited client, with a new forged line: %d, want 429", got)
	}
	if got := login("198.51.100.7", "203.0.113.6", adminPassword); got != http.StatusOK {
		t.Fatalf("another client of the proxy: %d, want 200", got)
	}
}
