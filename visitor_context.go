package parley

import (
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"
)

// What Parley keeps about a visitor's browsing, for the operator who answers them.
const (
	MaxPageViews       = 15   // page views kept per visitor: the newest
	MaxURLLength       = 2048 // a page's or a referrer's URL, in characters
	MaxPageTitleLength = 300
	MaxTimezoneLength  = 64
	MaxUTCOffset       = 18 * 60 // minutes, either way
)

// EventPageView tells the operator of a visitor's active conversation that the visitor
// viewed another page: {"type":"page_view","conversation_id":ID}.
const EventPageView = "page_view"

// PageView is a page of the website that the visitor viewed with the widget loaded.
type PageView struct {
	URL      string    `json:"url"`
	Title    string    `json:"title"`
	Referrer string    `json:"referrer"`
	ViewedAt time.Time `json:"viewed_at"`
}

// VisitorContext is what the visitor's browser told at their last start, and where they
// came from to the website.
type VisitorContext struct {
	UserAgent string
	Browser   string // "Chrome 120", parsed from UserAgent
	OS        string // "Windows 10"
	Languages []string
	Timezone  string // IANA name, "Europe/Paris"
	// UTCOffsetMinutes is the browser's offset east of UTC at the start; nil when unknown.
	UTCOffsetMinutes *int
	UpdatedAt        time.Time
	// Referrer is the page of another website that last brought the visitor here; it is
	// set with page views, and kept when the next start replaces the rest.
	Referrer string
}

// Visit is what a first message tells of the visitor's browser and browsing.
type Visit struct {
	Context  VisitorContext
	Pages    []PageView // oldest first
	Referrer string     // the page of another website that brought the visitor, or ""
}

// ValidatePageView checks a page view as a visitor's browser reports it: an http(s) URL
// of at most MaxURLLength characters, a one-line title of at most MaxPageTitleLength, and
// an http(s) referrer or none.
func ValidatePageView(v PageView) error {
	if err := ValidateWebURL("Page URL", v.URL, true); err != nil {
		return err
	}
	if err := ValidateName("Page title", v.Title, MaxPageTitleLength, false); err != nil {
		return err
	}
	return ValidateWebURL("Referrer", v.Referrer, false)
}

// ValidateWebURL checks an absolute http or https URL of at most MaxURLLength characters;
// an empty one passes unless required.
func ValidateWebURL(field, s string, required bool) error {
	if s == "" {
		if required {
			return Errorf(EINVALID, "%s is required.", field)
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8.", field)
	}
	if n := utf8.RuneCountInString(s); n > MaxURLLength {
		return Errorf(EINVALID, "%s has %d characters; the limit is %d.", field, n, MaxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EINVALID, "%s must be an http or https URL.", field)
	}
	return nil
}

var timezonePattern = regexp.MustCompile(`^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$`)

// ValidateTimezone checks an IANA time zone name as browsers give it ("Europe/Paris",
// "UTC"), or none, and a UTC offset within MaxUTCOffset minutes.
func ValidateTimezone(name string, offsetMinutes *int) error {
	if len(name) > MaxTimezoneLength || name != "" && !timezonePattern.MatchString(name) {
		return Errorf(EINVALID, "Time zone %q is not a time zone name such as Europe/Paris.", name)
	}
	if offsetMinutes != nil && (*offsetMinutes < -MaxUTCOffset || *offsetMinutes > MaxUTCOffset) {
		return Errorf(EINVALID, "UTC offset %d is not between -%d and %d minutes.", *offsetMinutes, MaxUTCOffset, MaxUTCOffset)
	}
	return nil
}
