package chat

import (
	"github.com/medama-io/go-useragent"
)

// ParseUserAgent names the browser (with its major version: "Chrome 120") and the
// operating system ("Windows") of a User-Agent header; "" for what it does not know.
// github.com/medama-io/go-useragent matches the header's tokens against a trie built once,
// at the first call, from the user agents it ships: well under a microsecond a header.
func ParseUserAgent(header string) (browser, os string) {
	if header == "" {
		return "", ""
	}
	ua := useragent.NewParser().Parse(header)
	browser = string(ua.Browser())
	if v := ua.BrowserVersionMajor(); browser != "" && v != "" && v != "0" {
		browser += " " + v
	}
	os = string(ua.OS())
	if os == "MacOS" {
		os = "macOS" // as Apple writes it
	}
	return browser, os
}
