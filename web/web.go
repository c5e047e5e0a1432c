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
	"path"
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

// Handler serves the console at /, its assets, /widget.js and /demo.
func Handler() http.Handler {
	static := Static()
	files := noDirectories(static, http.FileServerFS(static))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", consolePolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", demoPolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "demo.html")
	})
	for _, p := range []string{"GET /console/", "GET /vendor/", "GET /widget/", "GET /widget.js"} {
		mux.Handle(p, noCache(files))
	}
	return mux
}

// noDirectories answers 404 for a directory: the file server would list it, and what
// Parley ships is no one's business but the files a page asks for.
func noDirectories(static fs.FS, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if st, err := fs.Stat(static, name); strings.HasSuffix(r.URL.Path, "/") || (err == nil && st.IsDir()) {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// noCache makes browsers revalidate, so an upgraded Parley is seen at the next load.
func noCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
