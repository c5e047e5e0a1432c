package chat

import (
	"strconv"
	"strings"

	"github.com/mileusna/useragent"
)

// ParseUserAgent names the browser (with its major version: "Chrome 120") and the
// operating system ("Windows") of a User-Agent header; "" for what it does not know.
// Only a header that starts "Mozilla/", as every browser's does, names a browser: a
// script's (curl, a monitoring probe) does not.
func ParseUserAgent(header string) (browser, os string) {
	if header == "" {
		return "", ""
	}
	ua := useragent.Parse(header)
	if strings.HasPrefix(header, "Mozilla/") && ua.Name != "" {
		browser = ua.Name
		if v := ua.VersionNo.Major; v > 0 {
			browser += " " + strconv.Itoa(v)
		}
	}
	return browser, ua.OS
}
