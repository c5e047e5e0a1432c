// Package web serves Parley's faces as embedded files: the operators' console (plain ES
// modules with a vendored Preact + htm, no build step), the widget that websites embed
// with one script tag, and a demo page that embeds it.
package web

import (
	"embed"
	"io/fs"
	"net/http"
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
// (including its WebSocket) only from Parley itself.
const consolePolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Handler serves the console at /, its assets, /widget.js and /demo.
func Handler() http.Handler {
	static := Static()
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", consolePolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "demo.html")
	})
	for _, p := range []string{"GET /console/", "GET /vendor/", "GET /widget/", "GET /widget.js"} {
		mux.Handle(p, noCache(files))
	}
	return mux
}

// noCache makes browsers revalidate, so an upgraded Parley is seen at the next load.
func noCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
