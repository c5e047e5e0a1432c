package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// pngImage is a small real PNG image.
func pngImage(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a multipart/form-data body with a "file" part (and the other fields) to
// path, with an optional bearer token and extra headers.
func (s *testServer) upload(tb testing.TB, path, token, name string, content []byte, fields map[string]string, header http.Header) response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req, err := http.NewRequest("POST", s.URL+path, &body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return s.do(tb, req)
}

func (s *testServer) do(tb testing.TB, req *http.Request) response {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// A file goes both ways: the visitor's image reaches the operator's console as a message
// event with its attachment, the operator's PDF reaches the visitor's socket; each side
// downloads it from its own API, with the headers that keep a browser from running it;
// nobody outside the conversation reads it.
func TestFilesBothWays(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	_, bob := s.mustOperator(t, admin, "bob", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	start := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	visitor, conv := start["visitor_token"].(string), num(path(start, "conversation", "id"))
	stranger := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi"}).object(t)["visitor_token"].(string)
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	img := pngImage(t)

	// The visitor sends an image, with a caption and a client_id.
	r := s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "screen shot é.png", img,
		map[string]string{"client_id": "img-1", "body": "Look at this"}, nil)
	if r.Status != 201 {
		t.Fatalf("visitor upload: %d %s", r.Status, r.Body)
	}
	m := r.object(t)
	att, _ := m["attachment"].(map[string]any)
	fileID := num(att["id"])
	if m["body"] != "Look at this" || m["client_id"] != "img-1" || att["name"] != "screen shot é.png" || att["content_type"] != "image/png" ||
		num(att["size"]) != int64(len(img)) || att["url"] != fmt.Sprintf("/livechat/files/%d", fileID) || fileID == 0 {
		t.Fatalf("visitor's file message: %s", r.Body)
	}
	ev := aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "attachment") != nil })
	if path(ev, "message", "attachment", "url") != fmt.Sprintf("/api/files/%d", fileID) || path(ev, "message", "attachment", "name") != "screen shot é.png" {
		t.Fatalf("the console's message event: %v", ev)
	}
	// A resend with the same client_id stores nothing more.
	again := s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "screen shot é.png", img, map[string]string{"client_id": "img-1"}, nil)
	if again.Status != 200 || num(path(again.object(t), "attachment", "id")) != fileID {
		t.Fatalf("resend: %d %s; want 200 with the stored message", again.Status, again.Body)
	}

	// Both parties (and an admin) download it; the image is shown inline.
	for _, tc := range []struct {
		who, path, token string
	}{
		{"the visitor", fmt.Sprintf("/livechat/files/%d", fileID), visitor},
		{"the operator", fmt.Sprintf("/api/files/%d", fileID), alice},
		{"an admin", fmt.Sprintf("/api/files/%d", fileID), admin},
	} {
		got := s.call(t, "GET", tc.path, tc.token, nil)
		if got.Status != 200 || !bytes.Equal(got.Body, img) {
			t.Fatalf("%s downloads: %d, %d bytes", tc.who, got.Status, len(got.Body))
		}
		wantHeaders(t, got, "image/png", `inline; filename="screen shot _.png"; filename*=UTF-8''screen%20shot%20%C3%A9.png`)
	}
	// The console's <img> sends the session cookie instead of a token.
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/files/%d", s.URL, fileID), nil)
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: alice})
	if got := s.do(t, req); got.Status != 200 || !bytes.Equal(got.Body, img) {
		t.Fatalf("download with the session cookie: %d", got.Status)
	}

	// Nobody else: another visitor, an operator of the channel who is not the
	// conversation's, a visitor's token on the console API.
	for _, tc := range []struct {
		who, path, token string
		status           int
	}{
		{"another visitor", fmt.Sprintf("/livechat/files/%d", fileID), stranger, 404},
		{"another operator", fmt.Sprintf("/api/files/%d", fileID), bob, 404},
		{"nobody", fmt.Sprintf("/api/files/%d", fileID), "", 401},
		{"an operator's token on the visitor API", fmt.Sprintf("/livechat/files/%d", fileID), alice, 401},
		{"an unknown file", fmt.Sprintf("/api/files/%d", fileID+100), alice, 404},
	} {
		if got := s.call(t, "GET", tc.path, tc.token, nil); got.Status != tc.status || bytes.Contains(got.Body, img[:16]) {
			t.Errorf("%s: status %d, want %d: %s", tc.who, got.Status, tc.status, got.Body)
		}
	}
	if got := s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), stranger, "x.png", img, nil, nil); got.Status != 404 {
		t.Errorf("another visitor uploads in the conversation: %d, want 404", got.Status)
	}
	if got := s.upload(t, fmt.Sprintf("/api/conversations/%d/files", conv), bob, "x.png", img, nil, nil); got.Status != 403 {
		t.Errorf("another operator uploads in the conversation: %d, want 403", got.Status)
	}

	// The operator sends a PDF: the visitor's socket gets it, as a download.
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	r = s.upload(t, fmt.Sprintf("/api/conversations/%d/files", conv), alice, "Prix \"2026\".pdf", pdf, nil, nil)
	if r.Status != 201 {
		t.Fatalf("operator upload: %d %s", r.Status, r.Body)
	}
	pdfID := num(path(r.object(t), "attachment", "id"))
	ev = visitorWS.expect(t, "message", func(ev map[string]any) bool { return num(path(ev, "message", "attachment", "id")) == pdfID })
	if path(ev, "message", "attachment", "url") != fmt.Sprintf("/livechat/files/%d", pdfID) || path(ev, "message", "body") != "" ||
		path(ev, "message", "author", "name") != "Alice" {
		t.Fatalf("the widget's message event: %v", ev)
	}
	got := s.call(t, "GET", fmt.Sprintf("/livechat/files/%d", pdfID), visitor, nil)
	if got.Status != 200 || !bytes.Equal(got.Body, pdf) {
		t.Fatalf("the visitor downloads the PDF: %d", got.Status)
	}
	wantHeaders(t, got, "application/pdf", `attachment; filename="Prix _2026_.pdf"; filename*=UTF-8''Prix%20%222026%22.pdf`)

	// The messages list shows both, each with the reader's own URL.
	var list []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, nil).decode(t, &list)
	if len(list) != 3 || path(list[1], "attachment", "url") != fmt.Sprintf("/livechat/files/%d", fileID) || list[0]["attachment"] != nil {
		t.Fatalf("visitor's messages: %v", list)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, nil).decode(t, &list)
	if len(list) != 3 || path(list[2], "attachment", "url") != fmt.Sprintf("/api/files/%d", pdfID) {
		t.Fatalf("operator's messages: %v", list)
	}
}

// wantHeaders checks what keeps a browser from running a download.
func wantHeaders(tb testing.TB, r response, contentType, disposition string) {
	tb.Helper()
	for k, want := range map[string]string{
		"Content-Type":            contentType,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Content-Disposition":     disposition,
	} {
		if got := r.Header.Get(k); got != want {
			tb.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		tb.Errorf("Cache-Control %q, want private", cc)
	}
}

// The admin's limits: a file past the size limit is refused with 413 naming the limit,
// a type not allowed with 415 naming it, whatever name or type the sender claims; HTML
// and SVG are never accepted, nor can an admin allow them; the widget learns the limits.
func TestFileLimits(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	start := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	visitor, conv := start["visitor_token"].(string), num(path(start, "conversation", "id"))
	visitorUpload := fmt.Sprintf("/livechat/conversations/%d/files", conv)
	operatorUpload := fmt.Sprintf("/api/conversations/%d/files", conv)

	var fs map[string]any
	s.must(t, 200, "GET", "/api/settings/files", alice, nil).decode(t, &fs)
	if num(fs["max_size"]) != 10<<20 || !strings.Contains(fmt.Sprint(fs["allowed_types"]), "image/png") {
		t.Fatalf("default settings: %v", fs)
	}
	status := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if num(path(status, "files", "max_size")) != 10<<20 {
		t.Fatalf("the widget's channel status: %v", status)
	}

	for _, tc := range []struct {
		name, file string
		content    string
		status     int
		message    string // part of the error's
	}{
		{"HTML", "page.html", "<html><script>alert(1)</script></html>", 415, "text/html"},
		{"HTML named as a text file", "notes.txt", "<!DOCTYPE html><html><script>alert(1)</script>", 415, "text/html"},
		{"HTML named as an image", "cat.png", "<html><body onload=alert(1)>", 415, "text/html"},
		{"SVG", "logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, 415, "image/svg+xml"},
		{"SVG named as a text file", "logo.txt", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, 415, "image/svg+xml"},
		{"an executable", "setup.exe", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", 415, "application/octet-stream"},
		{"empty", "empty.txt", "", 400, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []struct{ path, token string }{{visitorUpload, visitor}, {operatorUpload, alice}} {
				r := s.upload(t, p.path, p.token, tc.file, []byte(tc.content), nil, nil)
				if r.Status != tc.status || r.errorCode(t) != "EINVALID" || !strings.Contains(r.errorMessage(t), tc.message) {
					t.Fatalf("%s: %d %s; want %d naming %s", p.path, r.Status, r.Body, tc.status, tc.message)
				}
			}
		})
	}

	// The admin lowers the limit and allows only PDF.
	s.must(t, 200, "PATCH", "/api/settings/files", admin, map[string]any{"max_size": 1000, "allowed_types": []string{"application/pdf"}})
	s.must(t, 200, "GET", "/api/settings/files", alice, nil).decode(t, &fs)
	if num(fs["max_size"]) != 1000 || fmt.Sprint(fs["allowed_types"]) != "[application/pdf]" {
		t.Fatalf("settings after the change: %v", fs)
	}
	status = s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if num(path(status, "files", "max_size")) != 1000 {
		t.Fatalf("the widget's channel status after the change: %v", status)
	}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 1500)...)
	for _, p := range []struct{ path, token string }{{visitorUpload, visitor}, {operatorUpload, alice}} {
		r := s.upload(t, p.path, p.token, "big.pdf", big, nil, nil)
		if r.Status != 413 || r.errorCode(t) != "EINVALID" || !strings.Contains(r.errorMessage(t), "1000 bytes") {
			t.Fatalf("%s, a file past the limit: %d %s", p.path, r.Status, r.Body)
		}
		r = s.upload(t, p.path, p.token, "small.png", pngImage(t), nil, nil)
		if r.Status != 415 || !strings.Contains(r.errorMessage(t), "image/png") {
			t.Fatalf("%s, PNG no longer allowed: %d %s", p.path, r.Status, r.Body)
		}
		if r := s.upload(t, p.path, p.token, "ok.pdf", big[:900], nil, nil); r.Status != 201 {
			t.Fatalf("%s, a small PDF: %d %s", p.path, r.Status, r.Body)
		}
	}
	// A body announced past the limit is refused before it is sent: the answer comes
	// while the client has sent only the header, long before the server would give up
	// waiting for the body (30 s).
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n",
		visitorUpload, visitor, 10<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 413 {
		t.Fatalf("a body announced past the limit: %d", resp.StatusCode)
	}
	resp.Body.Close()

	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"HTML", map[string]any{"allowed_types": []string{"text/html"}}},
		{"SVG", map[string]any{"allowed_types": []string{"image/png", "image/svg+xml"}}},
		{"not a type", map[string]any{"allowed_types": []string{"png"}}},
		{"no size", map[string]any{"max_size": 0}},
		{"too large", map[string]any{"max_size": 1 << 40}},
	} {
		if r := s.call(t, "PATCH", "/api/settings/files", admin, tc.body); r.Status != 400 || r.errorCode(t) != "EINVALID" {
			t.Errorf("settings allowing %s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	if r := s.call(t, "PATCH", "/api/settings/files", alice, map[string]any{"max_size": 5000}); r.Status != 403 {
		t.Errorf("an operator changes the limits: %d", r.Status)
	}
	s.must(t, 200, "GET", "/api/settings/files", alice, nil).decode(t, &fs)
	if num(fs["max_size"]) != 1000 {
		t.Fatalf("refused changes changed the settings: %v", fs)
	}

	// Not a multipart body, or no file part.
	if r := s.call(t, "POST", visitorUpload, visitor, map[string]any{"body": "x"}); r.Status != 415 {
		t.Errorf("a JSON body: %d %s", r.Status, r.Body)
	}
	if r := s.upload(t, visitorUpload, visitor, "", nil, map[string]string{"body": "x"}, nil); r.Status != 400 || !strings.Contains(r.errorMessage(t), "file") {
		t.Errorf("no file part: %d %s", r.Status, r.Body)
	}
}

// A text file (any file but a raster image) is served as a download, whatever it holds.
func TestFileDownloadIsNeverActive(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, _ := s.mustAliceOnline(t)
	start := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	visitor, conv := start["visitor_token"].(string), num(path(start, "conversation", "id"))
	text := "Hello <b>there</b>\nsecond line\n"
	r := s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "notes.txt", []byte(text), nil, nil)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	id := num(path(r.object(t), "attachment", "id"))
	got := s.call(t, "GET", fmt.Sprintf("/api/files/%d", id), alice, nil)
	if got.Status != 200 || string(got.Body) != text {
		t.Fatalf("download: %d %q", got.Status, got.Body)
	}
	wantHeaders(t, got, "text/plain; charset=utf-8", `attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`)
}

// A file of a channel restricted to some websites is refused to pages of others, as its
// conversation is.
func TestFileDownloadFromOtherWebsites(t *testing.T) {
	s := mustStart(t, "")
	admin, _, ch, _ := s.mustAliceOnline(t)
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin, map[string]any{"allowed_origins": []string{"https://shop.example.com"}})
	start := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	visitor, conv := start["visitor_token"].(string), num(path(start, "conversation", "id"))
	r := s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "shot.png", pngImage(t), nil,
		http.Header{"Origin": {"https://evil.example.net"}})
	if r.Status != 403 {
		t.Fatalf("upload from another website: %d %s", r.Status, r.Body)
	}
	r = s.upload(t, fmt.Sprintf("/livechat/conversations/%d/files", conv), visitor, "shot.png", pngImage(t), nil,
		http.Header{"Origin": {"https://shop.example.com"}})
	if r.Status != 201 || r.Header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" {
		t.Fatalf("upload from the shop: %d %s", r.Status, r.Body)
	}
	id := num(path(r.object(t), "attachment", "id"))
	for origin, want := range map[string]int{"https://shop.example.com": 200, "https://evil.example.net": 403} {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/livechat/files/%d", s.URL, id), nil)
		req.Header.Set("Authorization", "Bearer "+visitor)
		req.Header.Set("Origin", origin)
		if got := s.do(t, req); got.Status != want {
			t.Errorf("download from %s: %d, want %d", origin, got.Status, want)
		}
	}
}
