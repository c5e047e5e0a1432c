package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The faces' budgets, in bytes as they cross the network.
const (
	widgetBudget     = 20_000 // /widget.js, compressed: every page view of every website that embeds it
	firstLoadBudget  = 60_000 // the console's login page with nothing cached: index.html, its CSS, every module
	repeatVisitBudge = 10_000 // the same, in a browser that has loaded it before
)

// fetchAs gets path from s with the given Accept-Encoding (none when empty), returning the
// answer and its body as sent, not decoded.
func fetchAs(t *testing.T, s *testServer, path, accept string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Accept-Encoding", accept) // set, even empty: Transport then leaves the body as sent
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// consoleFiles are the paths that index.html loads: its stylesheet, its entry module and
// the modules it preloads.
func consoleFiles(t *testing.T, index string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, m := range regexp.MustCompile(`(?:href|src)="(/[^"]+)"`).FindAllStringSubmatch(index, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	if len(out) < 10 {
		t.Fatalf("index.html names only %v", out)
	}
	return out
}

// TestFacesWeight measures the bytes Parley serves for the widget and for the console's
// first load, plain, gzip and brotli, and holds them to their budgets; a browser that
// comes back with its ETags gets 304s and no body for every file it does not keep.
func TestFacesWeight(t *testing.T) {
	s := mustStart(t, "")
	type sizes struct{ raw, gzip, br int }
	measure := func(path string) sizes {
		t.Helper()
		var z sizes
		for _, enc := range []struct {
			accept string
			n      *int
		}{{"", &z.raw}, {"gzip", &z.gzip}, {"br", &z.br}} {
			resp, b := fetchAs(t, s, path, enc.accept)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != enc.accept && len(b) >= 1024 {
				t.Errorf("GET %s with Accept-Encoding %q: Content-Encoding %q", path, enc.accept, got)
			}
			*enc.n = len(b)
		}
		return z
	}

	widget := measure("/widget.js")
	t.Logf("widget.js: %d bytes, gzip %d, brotli %d", widget.raw, widget.gzip, widget.br)
	if widget.br > widgetBudget {
		t.Errorf("widget.js is %d bytes with brotli, over its budget of %d", widget.br, widgetBudget)
	}

	_, page := fetchAs(t, s, "/", "")
	first := measure("/")
	files := consoleFiles(t, string(page))
	for _, f := range files {
		z := measure(f)
		first.raw += z.raw
		first.gzip += z.gzip
		first.br += z.br
	}
	t.Logf("console's first load (index.html and %d files): %d bytes, gzip %d, brotli %d", len(files), first.raw, first.gzip, first.br)
	if first.br > firstLoadBudget {
		t.Errorf("the console's first load is %d bytes with brotli, over its budget of %d", first.br, firstLoadBudget)
	}

	// Coming back: files under a versioned URL are kept, the rest answer 304 to their ETag.
	for _, f := range append([]string{"/", "/widget.js", "/demo"}, files...) {
		resp, _ := fetchAs(t, s, f, "gzip, br")
		cc := resp.Header.Get("Cache-Control")
		switch {
		case strings.HasPrefix(f, "/assets/"):
			if cc != "public, max-age=31536000, immutable" {
				t.Errorf("GET %s: Cache-Control %q, want a year, immutable", f, cc)
			}
		case f == "/widget.js" && cc != "public, max-age=300", f != "/widget.js" && cc != "no-cache":
			t.Errorf("GET %s: Cache-Control %q", f, cc)
		}
		again, b := fetchAs(t, s, f, "gzip, br", "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s again with its ETag %s: %d, %d bytes; want 304", f, resp.Header.Get("ETag"), again.StatusCode, len(b))
		}
	}
}

// TestJSONCompressed: a large JSON answer is gzipped for a client that accepts it, a small
// one or an error is not, and a WebSocket asked for with Accept-Encoding works as before.
func TestJSONCompressed(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)

	resp, b := fetchAs(t, s, "/api/openapi.json", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("GET /api/openapi.json: Content-Encoding %q, Vary %q; want gzip", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(zr)
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(doc), []byte("{")) {
		t.Fatalf("gunzipped openapi.json: %v, %.40q", err, doc)
	}
	plain, pb := fetchAs(t, s, "/api/openapi.json", "")
	if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(pb, doc) {
		t.Errorf("GET /api/openapi.json without Accept-Encoding: Content-Encoding %q, not the same document", plain.Header.Get("Content-Encoding"))
	}
	t.Logf("openapi.json: %d bytes, gzip %d", len(doc), len(b))

	for _, path := range []string{"/api/me", "/api/nothing", "/livechat/channels/999999"} {
		resp, b := fetchAs(t, s, path, "gzip, br")
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Contains(b, []byte(`"error"`)) {
			t.Errorf("GET %s: Content-Encoding %q, %q; want a plain JSON error", path, resp.Header.Get("Content-Encoding"), b)
		}
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Accept-Encoding", "gzip")
	me, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	me.Body.Close()
	if me.StatusCode != 200 || me.Header.Get("Content-Encoding") != "" {
		t.Errorf("GET /api/me: %d, Content-Encoding %q; want a small answer plain", me.StatusCode, me.Header.Get("Content-Encoding"))
	}

	// The operator's WebSocket, asked for by a client that accepts gzip: frames as before.
	ws := s.dial(t, "/api/ws", http.Header{"Authorization": {"Bearer " + admin}, "Accept-Encoding": {"gzip, br"}})
	ws.send(t, map[string]any{"type": "send", "conversation_id": 999999, "body": "hello", "client_id": "c-1"})
	if ev := ws.expect(t, "error", nil); ev["client_id"] != "c-1" {
		t.Errorf("error frame %v, want client_id c-1", ev)
	}
}

// TestFacesWeightInBrowser counts what Chromium itself downloads (the DevTools protocol's
// encodedDataLength: headers and body as received) for the console's login page in a
// browser with nothing cached, then for a second visit and a reload of that browser, and
// for the widget on the demo page. It also checks that every script the console loads was
// named in a modulepreload link, so that none waits for the module that imports it.
func TestFacesWeightInBrowser(t *testing.T) {
	s := mustStart(t, "")
	p := newConsolePage(t, s)

	type request struct {
		url, kind string
		status    int64
		bytes     float64
		cached    bool
		done      bool
	}
	var (
		mu       sync.Mutex
		requests map[network.RequestID]*request
		order    []network.RequestID
	)
	chromedp.Listen(p.ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		if requests == nil {
			return
		}
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, ok := requests[e.RequestID]; !ok {
				order = append(order, e.RequestID)
			}
			requests[e.RequestID] = &request{url: strings.TrimPrefix(e.Request.URL, s.URL), kind: string(e.Type)}
		case *network.EventRequestServedFromCache:
			if r := requests[e.RequestID]; r != nil {
				r.cached = true
			}
		case *network.EventResponseReceived:
			if r := requests[e.RequestID]; r != nil {
				r.status = e.Response.Status
				r.cached = r.cached || e.Response.FromDiskCache
			}
		case *network.EventLoadingFinished:
			if r := requests[e.RequestID]; r != nil {
				r.bytes, r.done = e.EncodedDataLength, true
			}
		case *network.EventLoadingFailed:
			if r := requests[e.RequestID]; r != nil {
				r.done = true
			}
		}
	})
	// visit runs the action, waits for the page (ready) and for every request to finish,
	// and returns the requests and the bytes received for them.
	visit := func(what string, action chromedp.Action[chromedp.Void], ready string) ([]*request, float64) {
		t.Helper()
		mu.Lock()
		requests, order = map[network.RequestID]*request{}, nil
		mu.Unlock()
		p.do(action)
		p.wait(ready, what)
		var out []*request
		var total float64
		for deadline := time.Now().Add(waitTimeout); ; time.Sleep(100 * time.Millisecond) {
			mu.Lock()
			out, total = nil, 0
			pending := 0
			for _, id := range order {
				r := requests[id]
				out = append(out, r)
				total += r.bytes
				if !r.done {
					pending++
				}
			}
			mu.Unlock()
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d requests never finished", what, pending)
			}
		}
		var lines []string
		for _, r := range out {
			lines = append(lines, fmt.Sprintf("  %3d %-6s %6.0f B%s %s", r.status, r.kind, r.bytes, map[bool]string{true: " (cache)"}[r.cached], r.url))
		}
		t.Logf("%s: %d requests, %.0f bytes received\n%s", what, len(out), total, strings.Join(lines, "\n"))
		return out, total
	}
	loginForm := fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-form"))

	first, firstBytes := visit("console, first load", chromedp.Navigate(s.URL+"/"), loginForm)
	if firstBytes > firstLoadBudget {
		t.Errorf("the console's first load received %.0f bytes, over its budget of %d", firstBytes, firstLoadBudget)
	}
	index := consoleEval[string](p, `document.documentElement.outerHTML`)
	var scripts []string
	for _, r := range first {
		if r.kind == string(network.ResourceTypeScript) {
			scripts = append(scripts, r.url)
			if !strings.Contains(index, `<link rel="modulepreload" href="`+r.url+`">`) {
				t.Errorf("the console loaded %s, which index.html does not preload", r.url)
			}
			if !strings.HasPrefix(r.url, "/assets/") {
				t.Errorf("the console loaded %s, not under a versioned URL", r.url)
			}
		}
	}
	sort.Strings(scripts)
	if len(scripts) < 10 || !strings.HasSuffix(scripts[len(scripts)-1], "/vendor/preact-htm.js") {
		t.Errorf("scripts loaded: %v; want the console's modules and Preact", scripts)
	}

	_, again := visit("console, second visit", chromedp.Navigate(s.URL+"/"), loginForm)
	if again > repeatVisitBudge {
		t.Errorf("a second visit of the console received %.0f bytes, over its budget of %d", again, repeatVisitBudge)
	}
	_, reload := visit("console, reload", chromedp.Reload(), loginForm)
	if reload > repeatVisitBudge {
		t.Errorf("a reload of the console received %.0f bytes, over its budget of %d", reload, repeatVisitBudge)
	}

	demo, _ := visit("demo page", chromedp.Navigate(s.URL+"/demo"), `!!document.querySelector('script[src$="/widget.js"]') && !!window.customElements`)
	for _, r := range demo {
		if strings.HasSuffix(r.url, "/widget.js") {
			t.Logf("widget.js as Chromium received it: %.0f bytes", r.bytes)
			if r.bytes > widgetBudget {
				t.Errorf("widget.js: %.0f bytes received, over its budget of %d", r.bytes, widgetBudget)
			}
		}
	}
}
