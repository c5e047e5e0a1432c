// Package web serves Parley's faces as embedded files: the operators' console (plain ES
// modules with a vendored Preact + htm, no build step), the widget that websites embed
// with one script tag, and a demo page that embeds it.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"slices"
	"strings"
)

//go:embed static
var files embed.FS

// Static is the tree of embedded files, rooted at static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // static/ is embedded at build time
	}
	return sub
}

// consolePolicy keeps the console to its own origin: scripts, styles and connections
// (including its WebSocket: CSP3's 'self' matches ws: and wss: to the page's own host)
// only from Parley itself.
const consolePolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// demoPolicy keeps the demo page, which shares the console's origin and so its session
// cookie, to Parley's own scripts: /widget.js and the page's inline script, allowed by
// its hash. Its styles are inline (a page of its own, with hostile CSS on purpose); the
// widget's are a constructed stylesheet, which needs no allowance.
var demoPolicy = "default-src 'self'; script-src 'self' " + inlineScriptHashes("demo.html") + "; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// inlineScriptHashes are the CSP sources of the inline <script>s of an embedded page.
func inlineScriptHashes(name string) string {
	page, err := fs.ReadFile(Static(), name)
	if err != nil {
		panic(err)
	}
	var sources []string
	for {
		_, rest, ok := bytes.Cut(page, []byte("<script>"))
		if !ok {
			break
		}
		script, after, ok := bytes.Cut(rest, []byte("</script>"))
		if !ok {
			break
		}
		sum := sha256.Sum256(script)
		sources = append(sources, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		page = after
	}
	return strings.Join(sources, " ")
}

// How long browsers keep each kind of file. The console's files and its libraries are
// served under a URL naming their version, so a browser may keep them for a year: a new
// Parley names new URLs in index.html, which browsers check at every load. /widget.js
// keeps its URL, which is in websites' pages: browsers keep it five minutes, then check
// it with its ETag. Everything else is checked at every use.
const (
	cacheVersioned = "public, max-age=31536000, immutable"
	cacheWidget    = "public, max-age=300"
	cacheCheck     = "no-cache"
)

// Handler serves the console at /, its assets, /widget.js and /demo. Every file has an
// ETag from its content and is sent compressed (brotli or gzip) to a browser that takes it.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", consolePolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		assets().index.serve(w, r, cacheCheck)
	})
	mux.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", demoPolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		assets().files["demo.html"].serve(w, r, cacheCheck)
	})
	mux.HandleFunc("GET /widget.js", func(w http.ResponseWriter, r *http.Request) {
		assets().files["widget.js"].serve(w, r, cacheWidget)
	})
	mux.HandleFunc("GET /assets/{version}/{name...}", func(w http.ResponseWriter, r *http.Request) {
		site, name := assets(), r.PathValue("name")
		a, ok := site.files[name]
		if r.PathValue("version") != site.version || !ok || !slices.ContainsFunc(versioned, func(dir string) bool { return strings.HasPrefix(name, dir) }) {
			http.NotFound(w, r)
			return
		}
		a.serve(w, r, cacheVersioned)
	})
	// The same files under their plain paths, for anything that still names them.
	for _, dir := range []string{"console", "vendor", "widget"} {
		mux.HandleFunc("GET /"+dir+"/{name...}", func(w http.ResponseWriter, r *http.Request) {
			a, ok := assets().files[dir+"/"+r.PathValue("name")]
			if !ok { // directories too: what Parley ships is no one's business but the files a page asks for
				http.NotFound(w, r)
				return
			}
			a.serve(w, r, cacheCheck)
		})
	}
	return mux
}
