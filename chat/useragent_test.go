package chat_test

import (
	"os"
	"os/exec"
	"runtime"
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
		{"Chrome on Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36", "Chrome 120", "Android"},
		{"Samsung Internet", "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Browser 23", "Android"},
		{"Opera on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera 106", "Windows"},
		{"Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari 17", "macOS"},
		{"Chrome on a Chromebook", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120", "ChromeOS"},
		{"a search engine's bot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot 2", ""},
		{"headless Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36", "Headless Chrome 120", "Linux"},
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

// Every garbage collection scans what the parser keeps, and the servers collect every
// second or two under load: a parser that keeps large tables (a trie of 166,000 objects
// did) lengthens each collection, and the messages delivered during it wait. The first
// parse of a fresh process is measured, in a process of its own.
func TestParseUserAgentKeepsNoTables(t *testing.T) {
	if os.Getenv("PARLEY_TEST_FIRST_PARSE") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestParseUserAgentKeepsNoTables$")
		cmd.Env = append(os.Environ(), "PARLEY_TEST_FIRST_PARSE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	chat.ParseUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
	runtime.GC()
	runtime.ReadMemStats(&after)
	if kept := int64(after.HeapObjects) - int64(before.HeapObjects); kept > 10_000 {
		t.Errorf("the first parse of a user agent kept %d more objects on the heap; want under 10,000", kept)
	}
}
