package parley_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

// zipWith is a ZIP archive holding the named entries, the first stored uncompressed as
// OpenDocument requires of its "mimetype" entry.
func zipWith(tb testing.TB, entries ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(entries); i += 2 {
		method := zip.Deflate
		if i == 0 {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: entries[i], Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(entries[i+1]))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// A file's type comes from its content; the name only makes a container precise (an
// Office document is a ZIP or OLE file, CSV is text), and never turns active content
// into something else.
func TestDetectFileType(t *testing.T) {
	docx := zipWith(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>")
	odt := zipWith(t, "mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<office:document-content/>")
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"PNG", "shot.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"PNG under another name", "shot.txt", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"PDF", "a.pdf", "%PDF-1.7\n", "application/pdf"},
		{"text", "a.txt", "hello\n", "text/plain; charset=utf-8"},
		{"CSV", "a.csv", "a,b\n1,2\n", "text/csv; charset=utf-8"},
		{"Word", "report.docx", string(docx), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"a ZIP named as Word", "report.docx", string(zipWith(t, "a.txt", "x")), "application/zip"},
		{"Word named as a ZIP", "report.zip", string(docx), "application/zip"},
		{"OpenDocument", "letter.odt", string(odt), "application/vnd.oasis.opendocument.text"},
		{"old Excel", "sheet.xls", string(ole), "application/vnd.ms-excel"},
		{"OLE under another name", "sheet.bin", string(ole), "application/octet-stream"},
		{"HTML", "page.txt", "<!DOCTYPE html><p>x", "text/html; charset=utf-8"},
		{"HTML named as PDF", "a.pdf", "<html><script>", "text/html; charset=utf-8"},
		{"an .html name", "a.html", "hello", "text/html"},
		{"SVG", "logo.txt", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "image/svg+xml"},
		{"an .svg name", "logo.svg", "\x89PNG\r\n\x1a\n", "image/svg+xml"},
		{"XML", "a.txt", `<?xml version="1.0"?><a/>`, "text/xml; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parley.DetectFileType(tc.file, []byte(tc.content)); got != tc.want {
				t.Errorf("DetectFileType(%q) = %q, want %q", tc.file, got, tc.want)
			}
		})
	}
}

func TestFileSettings(t *testing.T) {
	fs := parley.DefaultFileSettings()
	for _, typ := range []string{"image/png", "text/plain; charset=utf-8", "application/pdf"} {
		if !fs.Allows(typ) {
			t.Errorf("the defaults refuse %s", typ)
		}
	}
	for _, typ := range []string{"text/html; charset=utf-8", "image/svg+xml", "application/octet-stream", "text/xml"} {
		if fs.Allows(typ) {
			t.Errorf("the defaults allow %s", typ)
		}
	}
	set := parley.FileSettings{MaxSize: 1000, AllowedTypes: []string{" Image/PNG", "application/pdf", "image/png"}}
	if err := set.Validate(); err != nil || strings.Join(set.AllowedTypes, ",") != "application/pdf,image/png" {
		t.Fatalf("Validate: %v, %v", set.AllowedTypes, err)
	}
	for _, bad := range []parley.FileSettings{
		{MaxSize: 0},
		{MaxSize: parley.MaxFileSizeLimit + 1},
		{MaxSize: 1000, AllowedTypes: []string{"text/html"}},
		{MaxSize: 1000, AllowedTypes: []string{"application/atom+xml"}},
		{MaxSize: 1000, AllowedTypes: []string{"png"}},
		{MaxSize: 1000, AllowedTypes: []string{"text/plain; charset=utf-8"}},
	} {
		if err := bad.Validate(); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Validate(%+v) = %v, want EINVALID", bad, err)
		}
	}
}

func TestValidateFileName(t *testing.T) {
	for in, want := range map[string]string{
		"shot.png":             "shot.png",
		`C:\Users\me\shot.png`: "shot.png",
		"../../etc/passwd":     "passwd",
		"  résumé 2026.pdf  ":  "résumé 2026.pdf",
	} {
		if got, err := parley.ValidateFileName(in); err != nil || got != want {
			t.Errorf("ValidateFileName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/", "a\nb.txt", "a\u202eb.txt", strings.Repeat("a", 300)} {
		if _, err := parley.ValidateFileName(bad); err == nil {
			t.Errorf("ValidateFileName(%q) accepted", bad)
		}
	}
}
