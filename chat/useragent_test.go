package chat_test

import (
	"testing"

	"github.com/parleychat/parley/chat"
)

func TestParseUserAgent(t *testing.T) {
	tests := []struct {
		name, header, browser, os string
	}{
		{"Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120", "Windows"},
		{"Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121", "Linux"},
		{"Safari on an iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari 17", "iOS"},
		{"Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge 120", "Windows"},
		{"Firefox on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121", "macOS"},
		{"none", "", "", ""},
		{"not a browser", "curl/8.5.0", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			browser, os := chat.ParseUserAgent(tc.header)
			if browser != tc.browser || os != tc.os {
				t.Errorf("ParseUserAgent = %q, %q; want %q, %q", browser, os, tc.browser, tc.os)
			}
		})
	}
}
