package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// asset is one file as served: its bytes, a strong ETag from its content, and its gzip
// and brotli forms, made once at its first request rather than at start-up (compressing
// every file at level 11 would take longer than Parley takes to start) or per request.
type asset struct {
	raw         []byte
	contentType string
	etag        string // of the identity form; the compressed forms add -gz and -br

	once     sync.Once
	gz, br   []byte // nil when compressing does not pay
	compress bool
}

func newAsset(name string, raw []byte) *asset {
	sum := sha256.Sum256(raw)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(raw)
	}
	return &asset{
		raw:         raw,
		contentType: ct,
		etag:        base64.RawURLEncoding.EncodeToString(sum[:15]),
		compress:    len(raw) >= 512 && (strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript")),
	}
}

// encodings returns the compressed forms, making them on the first call.
func (a *asset) encodings() (gz, br []byte) {
	a.once.Do(func() {
		if !a.compress {
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(a.raw)
		zw.Close()
		if b.Len() < len(a.raw)*9/10 {
			a.gz = slices.Clip(b.Bytes())
		}
		var c bytes.Buffer
		bw := brotli.NewWriterLevel(&c, brotli.BestCompression)
		bw.Write(a.raw)
		bw.Close()
		if c.Len() < len(a.raw)*9/10 {
			a.br = slices.Clip(c.Bytes())
		}
	})
	return a.gz, a.br
}

// serve answers r with the asset in the best encoding the client accepts. A request for
// a range, or with preconditions other than If-None-Match, gets the identity form, so
// that byte offsets mean what a client expects; net/http's ServeContent does the rest
// (304 on a matching If-None-Match, ranges, HEAD).
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.raw, a.etag
	if a.compress {
		h.Add("Vary", "Accept-Encoding")
		plain := r.Header.Get("Range") != "" || r.Header.Get("If-Match") != "" ||
			r.Header.Get("If-Unmodified-Since") != ""
		if !plain {
			gz, br := a.encodings()
			switch accepts := acceptedEncodings(r); {
			case br != nil && accepts["br"]:
				body, etag = br, a.etag+"-br"
				h.Set("Content-Encoding", "br")
			case gz != nil && accepts["gzip"]:
				body, etag = gz, a.etag+"-gz"
				h.Set("Content-Encoding", "gzip")
			}
			if etag != a.etag {
				// ServeContent leaves the length to whoever set Content-Encoding.
				h.Set("Content-Length", strconv.Itoa(len(body)))
			}
		}
	}
	h.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptedEncodings are the content codings of r's Accept-Encoding with a weight above 0
// (RFC 9110, 12.5.3); "*" stands for those it does not name.
func acceptedEncodings(r *http.Request) map[string]bool {
	accepts := map[string]bool{}
	star, starred := false, false
	for _, v := range r.Header.Values("Accept-Encoding") {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			ok := true
			for p := range strings.SplitSeq(params, ";") {
				k, q, found := strings.Cut(strings.TrimSpace(p), "=")
				if found && strings.EqualFold(strings.TrimSpace(k), "q") {
					w, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
					ok = err == nil && w > 0
				}
			}
			switch coding {
			case "*":
				star, starred = ok, true
			case "x-gzip":
				accepts["gzip"] = ok
			default:
				accepts[coding] = ok
			}
		}
	}
	if starred {
		for _, coding := range []string{"gzip", "br"} {
			if _, named := accepts[coding]; !named {
				accepts[coding] = star
			}
		}
	}
	return accepts
}

// site is every embedded file as an asset, the version of the console's tree, and the
// console's index.html naming its files under that version.
type site struct {
	files   map[string]*asset // by path under static/, "console/app.js"
	version string
	index   *asset
	modules []string // the console's modules, in the order index.html preloads them
}

// assets are built once per process, at the first request rather than before Parley
// listens (hashing every file and reading the modules' imports takes a few milliseconds,
// as long as the rest of the start-up): the embedded files never change while it runs,
// and their compressed forms are then shared by every Handler (tests start many servers).
var assets = sync.OnceValue(func() *site {
	s, err := newSite(Static())
	if err != nil {
		panic(err) // the embedded tree is fixed at build time; web's tests build it
	}
	return s
})

// versioned are the folders served under /assets/<version>/: the console's own files and
// the libraries they import, which refer to each other by relative paths.
var versioned = []string{"console/", "vendor/"}

func newSite(static fs.FS) (*site, error) {
	s := &site{files: map[string]*asset{}}
	tree := sha256.New()
	err := fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		s.files[name] = newAsset(name, raw)
		if slices.ContainsFunc(versioned, func(dir string) bool { return strings.HasPrefix(name, dir) }) {
			fmt.Fprintf(tree, "%s\x00%d\x00", name, len(raw))
			tree.Write(raw)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.version = hex.EncodeToString(tree.Sum(nil)[:8])
	if s.modules, err = moduleGraph(static, "console/app.js"); err != nil {
		return nil, err
	}
	page, err := fs.ReadFile(static, "index.html")
	if err != nil {
		return nil, err
	}
	if page, err = s.versionedIndex(page); err != nil {
		return nil, err
	}
	s.index = newAsset("index.html", page)
	return s, nil
}

// versionedIndex names the console's files under /assets/<version>/ in index.html and
// preloads every module that app.js imports, directly or not: the browser then fetches
// them all at once instead of discovering them one level of imports at a time.
func (s *site) versionedIndex(page []byte) ([]byte, error) {
	prefix := "/assets/" + s.version + "/"
	entry := []byte(`<script type="module"`)
	if !bytes.Contains(page, entry) {
		return nil, fmt.Errorf("index.html: no %s", entry)
	}
	var preload bytes.Buffer
	for _, m := range s.modules {
		fmt.Fprintf(&preload, "<link rel=\"modulepreload\" href=\"%s%s\">\n", prefix, m)
	}
	page = bytes.Replace(page, entry, append(preload.Bytes(), entry...), 1)
	for _, dir := range versioned {
		page = bytes.ReplaceAll(page, []byte(`="/`+dir), []byte(`="`+prefix+dir))
	}
	return page, nil
}

// importPattern finds the module specifiers of static import and export-from statements.
var importPattern = regexp.MustCompile(`(?m)^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]`)

// moduleGraph lists entry and every module it imports, directly or not, by relative path,
// breadth first.
func moduleGraph(static fs.FS, entry string) ([]string, error) {
	seen := map[string]bool{entry: true}
	order := []string{entry}
	for i := 0; i < len(order); i++ {
		src, err := fs.ReadFile(static, order[i])
		if err != nil {
			return nil, fmt.Errorf("module graph: %w", err)
		}
		for _, m := range importPattern.FindAllSubmatch(src, -1) {
			spec := string(m[1])
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				return nil, fmt.Errorf("%s imports %q: console modules import by relative path, so that they resolve under their versioned URL", order[i], spec)
			}
			dep := path.Join(path.Dir(order[i]), spec)
			if !seen[dep] {
				seen[dep] = true
				order = append(order, dep)
			}
		}
	}
	return order, nil
}
