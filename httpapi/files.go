package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// Files: uploads are multipart/form-data with a "file" part (and optional "client_id"
// and "body", a caption), read as they arrive, up to the admin's limit and no further;
// downloads are served so that no browser ever runs them (serveFile).

// multipartOverhead is what an upload's body may hold besides the file: the parts'
// headers, the boundaries, a client_id and a caption.
const multipartOverhead = 64 << 10

// uploadTimeout is how long a client has to send an upload's body: 10 MiB at 300 kbit/s.
const uploadTimeout = 5 * time.Minute

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	u := userFrom(r.Context())
	// Who may not send reads no byte of the body.
	if err := s.service.OperatorMaySend(r.Context(), u, id); err != nil {
		return 0, nil, err
	}
	up, err := s.readUpload(w, r)
	if err != nil {
		return 0, nil, err
	}
	m, isNew, err := s.service.SendOperatorFile(r.Context(), u, id, up)
	if err != nil {
		return 0, nil, err
	}
	if isNew {
		s.metrics.operatorMessages.Inc()
	}
	return created(isNew), m, nil
}

func (s *Server) handleVisitorUpload(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.service.VisitorMaySend(r.Context(), v, id); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowMessage(v.ID, s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	up, err := s.readUpload(w, r)
	if err != nil {
		return 0, nil, err
	}
	m, isNew, err := s.service.SendVisitorFile(r.Context(), v, id, up)
	if err != nil {
		return 0, nil, err
	}
	if isNew {
		s.metrics.visitorMessages.Inc()
	}
	return created(isNew), m, nil
}

// readUpload reads an upload's parts, refusing a body or a file over the limit as soon
// as it is seen to be.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (chat.Upload, error) {
	var up chat.Upload
	fs, err := s.service.FileSettings(r.Context())
	if err != nil {
		return up, err
	}
	limit := fs.MaxSize + multipartOverhead
	if r.ContentLength > limit {
		return up, parley.FileTooLargeError(fs.MaxSize)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return up, parley.Errorf(parley.EUNSUPPORTED, "Request body must be multipart/form-data with a part named \"file\".")
	}
	if r.Body != nil && r.Body != http.NoBody {
		// The body timeout is meant for small JSON bodies; a file takes longer.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTimeout))
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return up, uploadError(err, fs.MaxSize)
		}
		name := part.FormName()
		if seen[name] {
			return up, parley.Errorf(parley.EINVALID, "Part %q appears more than once.", name)
		}
		seen[name] = true
		switch name {
		case "file":
			up.Name = part.FileName()
			up.Content, err = io.ReadAll(io.LimitReader(part, fs.MaxSize+1))
			if err != nil {
				return up, uploadError(err, fs.MaxSize)
			}
			if int64(len(up.Content)) > fs.MaxSize {
				return up, parley.FileTooLargeError(fs.MaxSize)
			}
			if up.Name == "" {
				return up, parley.Errorf(parley.EINVALID, "Part \"file\" has no filename.")
			}
		case "client_id", "body":
			value, err := io.ReadAll(io.LimitReader(part, 4*parley.MaxMessageLength+1))
			if err != nil {
				return up, uploadError(err, fs.MaxSize)
			}
			if len(value) > 4*parley.MaxMessageLength {
				return up, parley.Errorf(parley.ETOOLARGE, "Part %q is too long.", name)
			}
			if name == "client_id" {
				up.ClientID = string(value)
			} else {
				up.Caption = string(value)
			}
		default:
			return up, parley.Errorf(parley.EINVALID, "Unknown part %q; an upload has \"file\", and optionally \"client_id\" and \"body\".", name)
		}
	}
	if !seen["file"] {
		return up, parley.Errorf(parley.EINVALID, "A part named \"file\" is required.")
	}
	return up, nil
}

// uploadError names what went wrong while reading an upload.
func uploadError(err error, max int64) error {
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return parley.FileTooLargeError(max)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return err // answered 408 by timeoutBody
	}
	return parley.Errorf(parley.EINVALID, "Request body is not valid multipart/form-data: %s.", strings.TrimPrefix(err.Error(), "multipart: "))
}

func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	f, content, err := s.service.OperatorFile(r.Context(), userFrom(r.Context()), id)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	// Only the console's own pages may embed it (its session cookie would let
	// another site's page show it to the operator otherwise).
	w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	serveFile(w, r, f, content)
}

func (s *Server) handleVisitorFile(w http.ResponseWriter, r *http.Request) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	f, content, err := s.service.VisitorFile(r.Context(), v, id)
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	serveFile(w, r, f, content)
}

// serveFile sends a file so that no browser runs it, whatever it holds: its stored type
// (an active one, which no upload can have, as bytes), nosniff, a sandbox of a
// Content-Security-Policy that allows nothing, and inline only for raster images;
// anything else is a download under its name.
func serveFile(w http.ResponseWriter, r *http.Request, f *parley.File, content []byte) {
	h := w.Header()
	contentType := f.ContentType
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || parley.IsActiveType(contentType) {
		contentType, mt = "application/octet-stream", "application/octet-stream"
	}
	disposition := "attachment"
	if slices.Contains(parley.InlineImageTypes, mt) {
		disposition = "inline"
	}
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", ContentDisposition(disposition, f.Name))
	// Private: only the conversation's parties may read it, so no shared cache keeps
	// it. A file never changes, so the browser keeps it a day.
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", fmt.Sprintf(`"file-%d"`, f.ID))
	http.ServeContent(w, r, "", f.CreatedAt, bytes.NewReader(content))
}

// ContentDisposition is the header value for a file's name (RFC 6266): an ASCII name for
// old clients, and the name itself in UTF-8 (RFC 8187's filename*).
func ContentDisposition(disposition, name string) string {
	var ascii, encoded strings.Builder
	for _, r := range name {
		if r >= ' ' && r < 0x7f && r != '"' && r != '\\' {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			encoded.WriteByte(b)
		} else {
			fmt.Fprintf(&encoded, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, ascii.String(), encoded.String())
}

func (s *Server) handleFileSettings(w http.ResponseWriter, r *http.Request) (int, any, error) {
	fs, err := s.service.FileSettings(r.Context())
	return http.StatusOK, fs, err
}

func (s *Server) handleSetFileSettings(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req struct {
		MaxSize      *int64    `json:"max_size"`
		AllowedTypes *[]string `json:"allowed_types"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	fs, err := s.service.FileSettings(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if req.MaxSize != nil {
		fs.MaxSize = *req.MaxSize
	}
	if req.AllowedTypes != nil {
		fs.AllowedTypes = *req.AllowedTypes
	}
	set, err := s.service.SetFileSettings(r.Context(), userFrom(r.Context()), *fs)
	return http.StatusOK, set, err
}
