package parley

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// File is a file a party of a conversation sent in it. Its bytes are kept by a
// FileStore; what a message shows of it is its Attachment.
type File struct {
	ID             int64
	ConversationID int64
	Name           string
	ContentType    string // as detected from the content, never as the sender claimed alone
	Size           int64
	// UploadedBy is who sent it: an operator's user id, or 0 for the visitor.
	UploadedBy int64
	CreatedAt  time.Time
}

// Attachment is a file as a message shows it. URL is where the reader fetches it: it
// differs for an operator (/api/files/ID) and a visitor (/livechat/files/ID), so the
// store leaves it empty and the service fills it in for each side.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// AttachmentOf is what a message shows of f.
func AttachmentOf(f *File) *Attachment {
	return &Attachment{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size}
}

// FileStore keeps the files sent in conversations where every server of an installation
// reads them. The stores keep them in the database; a store of files in a shared
// directory could implement it as well.
type FileStore interface {
	// CreateFile stores the content as a new file of f.ConversationID and sets f.ID and
	// f.Size. An unknown conversation is ENOTFOUND.
	CreateFile(ctx context.Context, f *File, content []byte) error
	// File returns a file's description, ENOTFOUND if unknown.
	File(ctx context.Context, id int64) (*File, error)
	// FileContent returns a file's description and its content.
	FileContent(ctx context.Context, id int64) (*File, []byte, error)
	// DeleteFile removes a file no message names (an upload whose message was refused);
	// one a message names is ECONFLICT.
	DeleteFile(ctx context.Context, id int64) error
	// FileSettings are the limits an admin set, DefaultFileSettings until then.
	FileSettings(ctx context.Context) (*FileSettings, error)
	SetFileSettings(ctx context.Context, fs *FileSettings) error
}

// FileSettings are the limits on the files sent in conversations.
type FileSettings struct {
	MaxSize      int64    `json:"max_size"`      // bytes
	AllowedTypes []string `json:"allowed_types"` // media types, without parameters
}

// Bounds of FileSettings.MaxSize: a file is held in memory while it is received and
// stored as one database value.
const (
	DefaultMaxFileSize = 10 << 20
	MaxFileSizeLimit   = 100 << 20
	MaxFileNameLength  = 255
)

// DefaultAllowedTypes are common types that no browser runs as a page or a script.
var DefaultAllowedTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"application/pdf", "text/plain", "text/csv",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"application/zip",
}

// DefaultFileSettings are the limits before an admin changes them.
func DefaultFileSettings() *FileSettings {
	return &FileSettings{MaxSize: DefaultMaxFileSize, AllowedTypes: slices.Clone(DefaultAllowedTypes)}
}

// activeTypes are the types a browser would run (a page, a script, an SVG image with its
// scripts): never allowed, whatever the admin says, since an error in serving them
// would let a visitor's file act as the server's own page.
var activeTypes = []string{
	"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
	"text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript",
	"application/x-shockwave-flash", "text/xsl", "application/xslt+xml", "multipart/x-mixed-replace",
}

// IsActiveType reports whether a browser could run content of the media type t.
func IsActiveType(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return true // unparseable: the browser might guess
	}
	return slices.Contains(activeTypes, mt) || strings.HasSuffix(mt, "+xml")
}

// InlineImageTypes are the images a browser may show in place: raster formats only.
var InlineImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// Validate checks the settings and normalizes the types (lowercase, sorted, once each).
func (fs *FileSettings) Validate() error {
	if fs.MaxSize < 1 || fs.MaxSize > MaxFileSizeLimit {
		return Errorf(EINVALID, "max_size must be between 1 and %d bytes (%s).", MaxFileSizeLimit, FormatSize(MaxFileSizeLimit))
	}
	if len(fs.AllowedTypes) > 100 {
		return Errorf(EINVALID, "At most 100 allowed types.")
	}
	types := make([]string, 0, len(fs.AllowedTypes))
	for _, t := range fs.AllowedTypes {
		t = strings.ToLower(strings.TrimSpace(t))
		mt, params, err := mime.ParseMediaType(t)
		if err != nil || len(params) > 0 || mt != t || !strings.Contains(t, "/") || len(t) > 255 {
			return Errorf(EINVALID, "Allowed type %q is not a media type such as image/png.", t)
		}
		if IsActiveType(t) {
			return Errorf(EINVALID, "Type %s cannot be allowed: browsers run it as a page or a script.", t)
		}
		types = append(types, t)
	}
	slices.Sort(types)
	fs.AllowedTypes = slices.Compact(types)
	return nil
}

// Allows reports whether content of the detected type t may be sent.
func (fs *FileSettings) Allows(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	return err == nil && !IsActiveType(mt) && slices.Contains(fs.AllowedTypes, mt)
}

// FormatSize writes a size in bytes for people: "10 MiB", "512 KiB", "300 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// FileTooLargeError is the refusal of a file over the limit.
func FileTooLargeError(limit int64) *Error {
	return Errorf(ETOOLARGE, "The file is larger than the limit of %s (%d bytes).", FormatSize(limit), limit)
}

// ValidateFileName checks the name a file is sent under and returns it cleaned: its last
// path element, as one line of at most MaxFileNameLength characters.
func ValidateFileName(name string) (string, error) {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimSpace(path.Base(name))
	if name == "." || name == "/" || name == "" {
		return "", Errorf(EINVALID, "The file has no name.")
	}
	if err := ValidateName("File name", name, MaxFileNameLength, true); err != nil {
		return "", err
	}
	return name, nil
}

// DetectFileType tells the type of a file from its content, as a browser would sniff
// it (http.DetectContentType), made precise where the name's extension agrees with the
// content: an Office or OpenDocument file is a ZIP (or OLE) archive, a CSV file is text.
// The sender's claim is never believed alone: a name ending in .png on a page of HTML
// is text/html. A name or content that looks like SVG is image/svg+xml.
func DetectFileType(name string, content []byte) string {
	sniffed := http.DetectContentType(content)
	mt, _, _ := mime.ParseMediaType(sniffed)
	ext := strings.ToLower(path.Ext(name))
	if t, ok := activeExtensions[ext]; ok {
		return t // a file a browser would run once saved, whatever it holds: refused
	}
	if strings.HasPrefix(mt, "text/") && looksLikeSVG(content) {
		return "image/svg+xml"
	}
	switch mt {
	case "application/zip":
		if t, ok := zipTypes[ext]; ok && zipHolds(content, t) {
			return t
		}
	case "application/octet-stream":
		if bytes.HasPrefix(content, oleMagic) {
			if t, ok := oleTypes[ext]; ok {
				return t
			}
		}
	case "text/plain":
		if ext == ".csv" && utf8.Valid(content) {
			return "text/csv; charset=utf-8"
		}
	}
	return sniffed
}

// looksLikeSVG reports whether the start of the content is an <svg element, which
// http.DetectContentType takes for plain text.
func looksLikeSVG(content []byte) bool {
	head := bytes.ToLower(content[:min(len(content), 1024)])
	return bytes.Contains(head, []byte("<svg")) || bytes.Contains(head, []byte("<!doctype svg"))
}

var activeExtensions = map[string]string{
	".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
	".svg": "image/svg+xml", ".svgz": "image/svg+xml", ".xml": "application/xml",
	".js": "text/javascript", ".mjs": "text/javascript", ".xsl": "application/xslt+xml",
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

var oleTypes = map[string]string{
	".doc": "application/msword",
	".xls": "application/vnd.ms-excel",
	".ppt": "application/vnd.ms-powerpoint",
}

var zipTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
}

// zipHolds reports whether a ZIP archive has the entry an Office Open XML or
// OpenDocument file of type t starts with. Its local file headers are read as they come:
// the first entry of an OpenDocument file is "mimetype", holding t; an Office Open XML
// file has "[Content_Types].xml" and a folder named after its kind.
func zipHolds(content []byte, t string) bool {
	if strings.Contains(t, "opendocument") {
		// The first entry, stored uncompressed: its name at byte 30, its data after.
		const nameAt = 30
		entry := []byte("mimetype" + t)
		return len(content) > nameAt+len(entry) && bytes.Equal(content[nameAt:nameAt+len(entry)], entry)
	}
	folder := map[string]string{
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "word/",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xl/",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt/",
	}[t]
	return bytes.Contains(content, []byte("[Content_Types].xml")) && bytes.Contains(content, []byte(folder))
}
