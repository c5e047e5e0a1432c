package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
)

// get requests target from Handler with the given header fields ("Name: value").
func get(t *testing.T, method, target string, fields ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for _, f := range fields {
		k, v, _ := strings.Cut(f, ": ")
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, req)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode undoes resp's Content-Encoding.
func decode(t *testing.T, resp *http.Response, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc := resp.Header.Get("Content-Encoding"); enc {
	case "":
		return b
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompressedAndCached checks each file's encodings, validators and cache lifetime as
// a browser sees them: the best encoding it accepts, the right length, a 304 for the ETag
// it has, a range of the plain file, HEAD without a body.
func TestCompressedAndCached(t *testing.T) {
	site := assets()
	widget, _ := fs.ReadFile(Static(), "widget.js")
	v := "/assets/" + site.version
	for _, tc := range []struct {
		target, accept, encoding, cache string
	}{
		{"/widget.js", "gzip, deflate, br, zstd", "br", "public, max-age=300"},
		{"/widget.js", "gzip", "gzip", "public, max-age=300"},
		{"/widget.js", "br;q=0, gzip;q=0.5", "gzip", "public, max-age=300"},
		{"/widget.js", "*", "br", "public, max-age=300"},
		{"/widget.js", "br;q=0, *", "gzip", "public, max-age=300"},
		{"/widget.js", "identity", "", "public, max-age=300"},
		{"/widget.js", "", "", "public, max-age=300"},
		{"/", "gzip, br", "br", "no-cache"},
		{"/demo", "gzip, br", "br", "no-cache"},
		{"/console/app.js", "gzip, br", "br", "no-cache"},
		{"/vendor/preact-htm.js", "gzip", "gzip", "no-cache"},
		{v + "/console/app.js", "br", "br", "public, max-age=31536000, immutable"},
		{v + "/console/console.css", "br", "br", "public, max-age=31536000, immutable"},
		{v + "/vendor/preact-htm.js", "gzip, br", "br", "public, max-age=31536000, immutable"},
	} {
		resp := get(t, "GET", tc.target, "Accept-Encoding: "+tc.accept)
		b := body(t, resp)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != tc.encoding || h.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s (Accept-Encoding %q): %d, Content-Encoding %q, Cache-Control %q; want 200, %q, %q",
				tc.target, tc.accept, resp.StatusCode, h.Get("Content-Encoding"), h.Get("Cache-Control"), tc.encoding, tc.cache)
			continue
		}
		if h.Get("Content-Length") != strconv.Itoa(len(b)) || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Content-Length %q for %d bytes, nosniff %q", tc.target, h.Get("Content-Length"), len(b), h.Get("X-Content-Type-Options"))
		}
		if tc.encoding != "" && h.Get("Vary") != "Accept-Encoding" {
			t.Errorf("GET %s: Vary %q", tc.target, h.Get("Vary"))
		}
		if tc.target == "/widget.js" && !bytes.Equal(decode(t, resp, b), widget) {
			t.Errorf("GET /widget.js (%q): not the file once decoded", tc.accept)
		}
		etag := h.Get("ETag")
		if !regexp.MustCompile(`^"[A-Za-z0-9_-]{20}(-br|-gz)?"$`).MatchString(etag) {
			t.Errorf("GET %s: ETag %q, want a strong one", tc.target, etag)
		}
		again := get(t, "GET", tc.target, "Accept-Encoding: "+tc.accept, "If-None-Match: "+etag)
		if again.StatusCode != 304 || len(body(t, again)) != 0 || again.Header.Get("ETag") != etag || again.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s If-None-Match %s: %d, ETag %q, Cache-Control %q; want 304", tc.target, etag, again.StatusCode, again.Header.Get("ETag"), again.Header.Get("Cache-Control"))
		}
		head := get(t, "HEAD", tc.target, "Accept-Encoding: "+tc.accept)
		if hb := body(t, head); head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(b)) || head.Header.Get("ETag") != etag {
			t.Errorf("HEAD %s: %d, %d bytes, Content-Length %q, ETag %q; want the GET's headers", tc.target, head.StatusCode, len(hb), head.Header.Get("Content-Length"), head.Header.Get("ETag"))
		}
	}

	// The ETags differ by encoding, so that a cache never takes one form for another.
	br := get(t, "GET", "/widget.js", "Accept-Encoding: br").Header.Get("ETag")
	gz := get(t, "GET", "/widget.js", "Accept-Encoding: gzip").Header.Get("ETag")
	plain := get(t, "GET", "/widget.js").Header.Get("ETag")
	if br == gz || br == plain || gz == plain {
		t.Errorf("ETags br %s, gzip %s, identity %s: want three", br, gz, plain)
	}
	if resp := get(t, "GET", "/widget.js", "Accept-Encoding: br", "If-None-Match: "+gz); resp.StatusCode != 200 {
		t.Errorf("GET /widget.js br with the gzip form's ETag: %d, want 200", resp.StatusCode)
	}

	// A range is of the file itself, whatever the client accepts.
	resp := get(t, "GET", "/widget.js", "Accept-Encoding: gzip, br", "Range: bytes=10-19")
	if b := body(t, resp); resp.StatusCode != 206 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, widget[10:20]) || resp.Header.Get("Content-Length") != "10" {
		t.Errorf("Range bytes=10-19: %d, Content-Encoding %q, %q; want 206 and %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), b, widget[10:20])
	}

	for _, target := range []string{
		"/assets/0000000000000000/console/app.js", // another version: not this one's to keep for a year
		v + "/widget.js", v + "/demo.html", v + "/index.html", v + "/console/", v + "/console/components",
		"/console/", "/console/components", "/vendor/", "/widget/", "/index.html", "/console/nothing.js",
	} {
		if resp := get(t, "GET", target); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", target, resp.StatusCode)
		}
	}
}

// TestIndexPreloadsEveryModule checks that index.html names the console's files under its
// version and preloads every module the console imports: a module added later is found
// by reading the import lines again here, not from the list the server made.
func TestIndexPreloadsEveryModule(t *testing.T) {
	site := assets()
	page := string(decode(t, get(t, "GET", "/"), body(t, get(t, "GET", "/"))))
	prefix := "/assets/" + site.version + "/"
	for _, want := range []string{
		`<link rel="stylesheet" href="` + prefix + `console/console.css">`,
		`<script type="module" src="` + prefix + `console/app.js"></script>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, `"/console/`) || strings.Contains(page, `"/vendor/`) {
		t.Errorf("index.html names an unversioned file:\n%s", page)
	}

	// Every .js under console/ and vendor/ that app.js imports by name, directly or not;
	// and the modules loaded later with import(), which the first load does without.
	// An import or export statement, which may span lines, at the start of a line: not a
	// 'from' in a module's code.
	staticImport := regexp.MustCompile(`(?m)^(?:import|export)\s[^;']*?\bfrom\s*'([^']+)'`)
	dynamicImport := regexp.MustCompile(`import\(\s*'([^']+)'\s*\)`)
	// reach is the modules of from and every module they import, directly or not, but
	// those of skip.
	reach := func(from []string, skip map[string]bool) map[string]bool {
		seen := map[string]bool{}
		var order []string
		for _, m := range from {
			if !skip[m] && !seen[m] {
				seen[m] = true
				order = append(order, m)
			}
		}
		for i := 0; i < len(order); i++ {
			src, err := fs.ReadFile(Static(), order[i])
			if err != nil {
				t.Errorf("%s: %v", order[i], err)
				continue
			}
			for _, m := range staticImport.FindAllStringSubmatch(string(src), -1) {
				if dep := path.Join(path.Dir(order[i]), m[1]); !seen[dep] && !skip[dep] {
					seen[dep] = true
					order = append(order, dep)
				}
			}
		}
		return seen
	}
	imported := reach([]string{"console/app.js"}, nil)
	var later []string
	for m := range imported {
		src, _ := fs.ReadFile(Static(), m)
		for _, d := range dynamicImport.FindAllStringSubmatch(string(src), -1) {
			later = append(later, path.Join(path.Dir(m), d[1]))
		}
	}
	dynamic := reach(later, imported)
	if len(imported) < 10 {
		t.Fatalf("found only %d modules: %v", len(imported), imported)
	}
	for m := range imported {
		if !strings.Contains(page, `<link rel="modulepreload" href="`+prefix+m+`">`) {
			t.Errorf("index.html does not preload %s", m)
		}
		if resp := get(t, "GET", prefix+m); resp.StatusCode != 200 {
			t.Errorf("GET %s%s: %d", prefix, m, resp.StatusCode)
		}
	}
	for m := range dynamic {
		if strings.Contains(page, `href="`+prefix+m+`"`) {
			t.Errorf("index.html preloads %s, which the console loads only when needed", m)
		}
		if resp := get(t, "GET", prefix+m); resp.StatusCode != 200 {
			t.Errorf("GET %s%s: %d", prefix, m, resp.StatusCode)
		}
	}
}

// TestModuleGraphRefusesAbsoluteImports: a module that imports by absolute path would
// load the unversioned file beside the versioned ones, twice the bytes and two copies of
// Preact's state.
func TestModuleGraphRefusesAbsoluteImports(t *testing.T) {
	tree := fstest.MapFS{
		"console/app.js": {Data: []byte("import { html } from '/vendor/preact-htm.js';\n")},
	}
	if _, err := moduleGraph(tree, "console/app.js"); err == nil || !strings.Contains(err.Error(), "relative") {
		t.Errorf("moduleGraph: %v, want an error about relative paths", err)
	}
}
