package httpapi

import (
	"net/http"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// The inbox of left messages, and transcripts.

func (s *Server) handleOfflineMessage(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req chat.LeftMessage
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	req.AcceptLanguage = r.Header.Get("Accept-Language")
	// A visitor who chatted before sends their token: the message then names them. A
	// token no longer known leaves the message unnamed rather than refused.
	if _, ok := bearer(r); ok {
		if v, err := s.visitorFrom(r); err == nil {
			req.Visitor = v
		}
	}
	m, err := s.service.LeaveOfflineMessage(r.Context(), id, req)
	return http.StatusCreated, m, err
}

func (s *Server) handleOfflineMessages(w http.ResponseWriter, r *http.Request) (int, any, error) {
	ms, err := s.service.OfflineMessages(r.Context(), userFrom(r.Context()))
	return http.StatusOK, ms, err
}

func (s *Server) handleOfflineMessageGet(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.service.OfflineMessage(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, m, err
}

func (s *Server) handleOfflineMessageRead(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.service.ReadOfflineMessage(r.Context(), userFrom(r.Context()), id)
	return http.StatusOK, m, err
}

func (s *Server) handleOfflineMessageHandled(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Handled *bool `json:"handled"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Handled == nil {
		return 0, nil, parley.Errorf(parley.EINVALID, "Field \"handled\" is required.")
	}
	m, err := s.service.SetOfflineMessageHandled(r.Context(), userFrom(r.Context()), id, *req.Handled)
	return http.StatusOK, m, err
}

func (s *Server) handleOfflineMessageReply(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	m, err := s.service.ReplyOfflineMessage(r.Context(), userFrom(r.Context()), id, req.Body)
	return http.StatusCreated, m, err
}

func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) (int, any, error) {
	st, err := s.service.InboxStatus(r.Context(), userFrom(r.Context()))
	return http.StatusOK, st, err
}

func (s *Server) handleInboxNotify(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var req chat.NotifySettings
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	st, err := s.service.SetNotifySettings(r.Context(), userFrom(r.Context()), req)
	return http.StatusOK, st, err
}

// transcriptFormat reads ?format=html|text (html when absent).
func transcriptFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "html":
		return "html", nil
	case "text":
		return "text", nil
	default:
		return "", parley.Errorf(parley.EINVALID, "Format %q: want html or text.", f)
	}
}

// serveTranscript sends a transcript as a file to save: a page of its own that runs
// nothing (sandboxed, no script, styles inline), or plain text.
func (s *Server) serveTranscript(w http.ResponseWriter, r *http.Request, t *parley.Transcript, format string) {
	body, ext, ctype := t.Text(), "txt", "text/plain; charset=utf-8"
	if format == "html" {
		page, err := t.HTML()
		if err != nil {
			writeError(w, r, s.logger, err)
			return
		}
		body, ext, ctype = page, "html", "text/html; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Content-Disposition", ContentDisposition("attachment", t.FileName(ext)))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

func (s *Server) handleTranscript(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var format string
		if format, err = transcriptFormat(r); err == nil {
			var t *parley.Transcript
			if t, err = s.service.OperatorTranscript(r.Context(), userFrom(r.Context()), id); err == nil {
				s.serveTranscript(w, r, t, format)
				return
			}
		}
	}
	writeError(w, r, s.logger, err)
}

func (s *Server) handleVisitorTranscript(w http.ResponseWriter, r *http.Request) {
	v, id, err := s.visitorRequest(r)
	if err == nil {
		var format string
		if format, err = transcriptFormat(r); err == nil {
			var t *parley.Transcript
			if t, err = s.service.VisitorTranscript(r.Context(), v, id); err == nil {
				s.serveTranscript(w, r, t, format)
				return
			}
		}
	}
	writeError(w, r, s.logger, err)
}

func (s *Server) handleVisitorTranscriptEmail(w http.ResponseWriter, r *http.Request) (int, any, error) {
	v, id, err := s.visitorRequest(r)
	if err != nil {
		return 0, nil, err
	}
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	// An email costs the mail server and may land in anyone's mailbox: as dear as a start.
	if err := s.limits.allowStart(s.clientIP(r)); err != nil {
		return 0, nil, err
	}
	if err := s.service.EmailTranscript(r.Context(), v, id, req.Email); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"status": "queued"}, nil
}
