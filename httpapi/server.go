// Package httpapi serves Parley's HTTP API and WebSockets: the console API (session
// cookie or bearer token), the visitor API used by the widget (cross-origin, visitor
// token), health, metrics and the OpenAPI description.
package httpapi

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/prometheus/client_golang/prometheus"
)

// Server is the HTTP face of a chat.Service. Make it with New.
type Server struct {
	service        *chat.Service
	store          parley.Store
	bus            parley.Bus
	logger         *slog.Logger
	metrics        *metrics
	trustedProxies []netip.Prefix
	limits         *limiter // nil when rate limits are off
	web            http.Handler
	pingInterval   time.Duration
	bodyTimeout    time.Duration
	alwaysSecure   bool
	widgetStrings  func(language string) map[string]string

	mu     sync.Mutex
	conns  map[*wsConn]struct{}
	closed bool
}

// Options are the HTTP layer's settings.
type Options struct {
	TrustedProxies []netip.Prefix
	RateLimit      bool
	Registry       *prometheus.Registry
	Web            http.Handler  // the console, widget and demo page, served for GET requests outside the API
	PingInterval   time.Duration // WebSockets are pinged this often and closed when the pong takes as long; default 30 s
	// BodyTimeout bounds the time to receive a request body once its header is read;
	// default DefaultBodyTimeout.
	BodyTimeout time.Duration
	// AlwaysSecureCookies marks the session cookie Secure on every request, for a TLS
	// proxy that does not say so; otherwise it is Secure when the request came over TLS
	// or a trusted proxy says https.
	AlwaysSecureCookies bool
	// WidgetStrings gives the widget's own texts in a language, which GET
	// /livechat/channels/{id} sends in the visitor's (nil: none, the widget's English).
	WidgetStrings func(language string) map[string]string
}

// DefaultBodyTimeout is how long a client has to send a request body: a 64 KiB body
// takes less than a second on the slowest mobile link, and a client that takes longer
// holds a connection for nothing.
const DefaultBodyTimeout = 30 * time.Second

// New returns a server for service; its metrics are registered in opts.Registry.
func New(service *chat.Service, store parley.Store, logger *slog.Logger, opts Options) *Server {
	s := &Server{
		service:        service,
		store:          store,
		bus:            service.Bus(),
		logger:         logger,
		metrics:        newMetrics(opts.Registry),
		trustedProxies: opts.TrustedProxies,
		conns:          make(map[*wsConn]struct{}),
		web:            opts.Web,
		pingInterval:   opts.PingInterval,
		bodyTimeout:    opts.BodyTimeout,
		alwaysSecure:   opts.AlwaysSecureCookies,
		widgetStrings:  opts.WidgetStrings,
	}
	if s.pingInterval <= 0 {
		s.pingInterval = 30 * time.Second
	}
	if s.bodyTimeout <= 0 {
		s.bodyTimeout = DefaultBodyTimeout
	}
	if opts.RateLimit {
		s.limits = newLimiter()
	}
	// Lives as long as the server: the process. A refusal here is a broker gone at
	// start-up: logged, since without these notices a session ended on another server
	// would not close its WebSockets here.
	if _, err := s.bus.Subscribe(parley.AccountsTopic, s.accountNotice); err != nil {
		logger.Error("subscribe", "topic", parley.AccountsTopic, "err", err)
	}
	return s
}

type route struct {
	pattern string
	handler http.HandlerFunc
	zone    zone
}

// zone is the trust zone a route belongs to.
type zone int

const (
	public  zone = iota // no credentials
	console             // session cookie or bearer token of a user
	visitor             // cross-origin widget API
)

func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", s.handleHealth, public},
		{"GET /api/openapi.json", s.handleOpenAPI, public},

		{"POST /api/session", s.api(s.handleLogin), public},
		{"DELETE /api/session", s.api(s.handleLogout), console},
		{"GET /api/me", s.api(s.handleMe), console},
		{"PATCH /api/me/preferences", s.api(s.handlePreferences), console},
		{"POST /api/me/password", s.api(s.handleChangePassword), console},
		{"GET /api/languages", s.api(s.handleLanguages), console},
		{"PUT /api/languages/{code}", s.api(s.handleSetLanguage), console},
		{"GET /api/users", s.api(s.handleUsers), console},
		{"POST /api/users", s.api(s.handleCreateUser), console},
		{"GET /api/users/{id}", s.api(s.handleUser), console},
		{"PATCH /api/users/{id}", s.api(s.handleEditUser), console},
		{"DELETE /api/users/{id}", s.api(s.handleDeleteUser), console},
		{"PUT /api/users/{id}/password", s.api(s.handleResetPassword), console},
		{"GET /api/users/{id}/sessions", s.api(s.handleUserSessions), console},
		{"DELETE /api/users/{id}/sessions", s.api(s.handleRevokeSessions), console},
		{"DELETE /api/users/{id}/sessions/{session_id}", s.api(s.handleRevokeSession), console},
		{"GET /api/channels", s.api(s.handleChannels), console},
		{"POST /api/channels", s.api(s.handleCreateChannel), console},
		{"GET /api/channels/{id}", s.api(s.handleChannel), console},
		{"PATCH /api/channels/{id}", s.api(s.handleUpdateChannel), console},
		{"POST /api/channels/{id}/join", s.api(s.handleJoin), console},
		{"POST /api/channels/{id}/leave", s.api(s.handleLeave), console},
		{"GET /api/conversations", s.api(s.handleConversations), console},
		{"GET /api/conversations/{id}", s.api(s.handleConversation), console},
		{"GET /api/conversations/{id}/messages", s.api(s.handleMessages), console},
		{"POST /api/conversations/{id}/messages", s.api(s.handleSend), console},
		{"POST /api/conversations/{id}/read", s.api(s.handleRead), console},
		{"POST /api/conversations/{id}/end", s.api(s.handleEnd), console},
		{"POST /api/conversations/{id}/transfer", s.api(s.handleTransfer), console},
		{"POST /api/conversations/{id}/leave", s.api(s.handleLeaveConversation), console},
		// The live view and hand assignment (liveview.go).
		{"GET /api/live", s.api(s.handleLive), console},
		{"GET /api/queue", s.api(s.handleQueue), console},
		{"POST /api/conversations/{id}/assign", s.api(s.handleAssign), console},
		{"POST /api/conversations/{id}/take", s.api(s.handleTake), console},
		{"GET /api/offline-messages", s.api(s.handleOfflineMessages), console},
		// The inbox of left messages, and transcripts (inbox.go).
		{"GET /api/offline-messages/{id}", s.api(s.handleOfflineMessageGet), console},
		{"POST /api/offline-messages/{id}/read", s.api(s.handleOfflineMessageRead), console},
		{"POST /api/offline-messages/{id}/handled", s.api(s.handleOfflineMessageHandled), console},
		{"POST /api/offline-messages/{id}/replies", s.api(s.handleOfflineMessageReply), console},
		{"GET /api/inbox", s.api(s.handleInbox), console},
		{"PUT /api/inbox/notify", s.api(s.handleInboxNotify), console},
		{"GET /api/conversations/{id}/transcript", s.handleTranscript, console},
		{"GET /api/canned-responses", s.api(s.handleCannedResponses), console},
		{"POST /api/canned-responses", s.api(s.handleCreateCannedResponse), console},
		{"PATCH /api/canned-responses/{id}", s.api(s.handleUpdateCannedResponse), console},
		{"DELETE /api/canned-responses/{id}", s.api(s.handleDeleteCannedResponse), console},
		{"POST /api/canned-responses/{id}/use", s.api(s.handleUseCannedResponse), console},
		{"GET /api/conversations/{id}/visitor", s.api(s.handleVisitorInfo), console},
		{"GET /api/conversations/{id}/routing", s.api(s.handleRouting), console},
		{"GET /api/ws", s.handleOperatorWS, console},
		{"GET /api/search", s.api(s.handleSearch), console},

		// Channel rules per page and business hours (channelrules.go).
		{"GET /api/channels/{id}/rules", s.api(s.handleChannelRules), console},
		{"PUT /api/channels/{id}/rules", s.api(s.handleSetChannelRules), console},
		{"PUT /api/channels/{id}/hours", s.api(s.handleSetChannelHours), console},
		// Chatbot scripts per channel (chatbot.go).
		{"GET /api/channels/{id}/script", s.api(s.handleChatbotScript), console},
		{"PUT /api/channels/{id}/script", s.api(s.handleSetChatbotScript), console},
		{"DELETE /api/channels/{id}/script", s.api(s.handleDeleteChatbotScript), console},

		// Reports (reports.go).
		{"GET /api/reports/conversations", s.handleConversationReport, console},
		// Honest waiting (waiting.go).
		{"GET /api/reports/wait-estimates", s.api(s.handleWaitAccuracy), console},
		{"GET /api/channels/{id}/wait-limits", s.api(s.handleWaitLimits), console},
		{"PUT /api/channels/{id}/wait-limits", s.api(s.handleSetWaitLimits), console},

		// Files (files.go).
		{"POST /api/conversations/{id}/files", s.api(s.handleUpload), console},
		{"GET /api/files/{id}", s.handleFile, console},
		{"GET /api/settings/files", s.api(s.handleFileSettings), console},
		{"PATCH /api/settings/files", s.api(s.handleSetFileSettings), console},
		{"POST /livechat/conversations/{id}/files", s.api(s.handleVisitorUpload), visitor},

		// The audit log, data requests and retention (data.go).
		{"GET /api/audit-log", s.api(s.handleAuditLog), console},
		{"GET /api/data-requests/visitors", s.api(s.handleFindVisitors), console},
		{"GET /api/data-requests/export", s.api(s.handleExportData), console},
		{"POST /api/data-requests/erase", s.api(s.handleEraseData), console},
		{"GET /api/settings/retention", s.api(s.handleRetentionSettings), console},
		{"PATCH /api/settings/retention", s.api(s.handleSetRetentionSettings), console},
		{"GET /livechat/files/{id}", s.handleVisitorFile, visitor},

		// Webhooks (webhooks.go), admins only.
		{"GET /api/webhooks", s.api(s.handleWebhooks), console},
		{"POST /api/webhooks", s.api(s.handleCreateWebhook), console},
		{"PATCH /api/webhooks/{id}", s.api(s.handleUpdateWebhook), console},
		{"DELETE /api/webhooks/{id}", s.api(s.handleDeleteWebhook), console},
		{"GET /api/webhooks/{id}/deliveries", s.api(s.handleWebhookDeliveries), console},
		{"POST /api/webhooks/{id}/test", s.api(s.handleTestWebhook), console},

		{"GET /livechat/channels/{id}", s.api(s.handleChannelStatus), visitor},
		{"POST /livechat/channels/{id}/conversations", s.api(s.handleStart), visitor},
		{"POST /livechat/channels/{id}/offline-messages", s.api(s.handleOfflineMessage), visitor},
		{"GET /livechat/conversations/{id}", s.api(s.handleVisitorConversation), visitor},
		{"GET /livechat/conversations/{id}/messages", s.api(s.handleVisitorMessages), visitor},
		{"POST /livechat/conversations/{id}/messages", s.api(s.handleVisitorSend), visitor},
		{"POST /livechat/conversations/{id}/end", s.api(s.handleVisitorEnd), visitor},
		{"POST /livechat/conversations/{id}/rating", s.api(s.handleRate), visitor},
		{"GET /livechat/conversations/{id}/transcript", s.handleVisitorTranscript, visitor},
		{"POST /livechat/conversations/{id}/transcript/email", s.api(s.handleVisitorTranscriptEmail), visitor},
		{"GET /livechat/ws", s.handleVisitorWS, visitor},
		{"POST /livechat/page-views", s.api(s.handlePageView), visitor},

		// Trusted visitor identity (identity.go).
		{"GET /api/channels/{id}/identity-secret", s.api(s.handleIdentitySecret), console},
		{"POST /api/channels/{id}/identity-secret", s.api(s.handleRotateIdentitySecret), console},
		{"DELETE /api/channels/{id}/identity-secret", s.api(s.handleRemoveIdentitySecret), console},
		{"POST /livechat/channels/{id}/identity", s.api(s.handleIdentify), visitor},

		// Offer and accept (offers.go).
		{"GET /api/offers", s.api(s.handleOffers), console},
		{"POST /api/conversations/{id}/accept", s.api(s.handleAcceptOffer), console},
		{"POST /api/conversations/{id}/decline", s.api(s.handleDeclineOffer), console},
		{"POST /api/me/back", s.api(s.handleBack), console},
	}
}

// Patterns lists every route of the API as "METHOD /path", for the OpenAPI check.
func (s *Server) Patterns() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.pattern)
	}
	return append(out, "GET /metrics")
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.logger, parley.Errorf(parley.EFORBIDDEN, "Cross-origin request refused."))
	}))
	compress := compressJSON()
	for _, r := range s.routes() {
		var h http.Handler = r.handler
		switch r.zone {
		case console:
			h = s.authenticate(h)
			h = cookieCSRF(csrf, h)
		case visitor:
			h = s.visitorCORS(h)
		case public:
			if r.pattern == "POST /api/session" {
				h = cookieCSRF(csrf, h)
			}
		}
		// Only reads are compressed: the answer to a write (a message sent, a setting
		// changed) is small, or echoes what the client has just sent, and the wrapper
		// costs every request of the busiest route, POST …/messages, for nothing. A
		// WebSocket's connection is hijacked, its frames its own.
		if strings.HasPrefix(r.pattern, "GET ") && !strings.HasSuffix(r.pattern, "/ws") {
			h = compress(h)
		}
		mux.Handle(r.pattern, s.instrument(r.pattern, h))
	}
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.Handle("OPTIONS /livechat/", s.visitorCORS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.logger, parley.Errorf(parley.ENOTFOUND, "No route for %s %s.", r.Method, r.URL.Path))
	}
	mux.HandleFunc("/api/", notFound)
	mux.HandleFunc("/livechat/", notFound)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.web != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			s.web.ServeHTTP(w, r)
			return
		}
		notFound(w, r)
	})
	return s.transport(mux)
}

// compressJSON gzips JSON answers of 1 KiB and more for clients that accept it (lists of
// conversations, messages, the OpenAPI document); smaller ones, errors among them, gain
// less than the compression costs.
func compressJSON() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.ContentTypes([]string{"application/json"}),
		gzhttp.EnableZstd(false), gzhttp.CompressionLevel(gzip.DefaultCompression))
	if err != nil {
		panic(err) // the options above are valid
	}
	return wrap
}

// transport applies what every answer needs, whatever its route: the time limit on the
// request body, HTTPS's headers, and nosniff, so that no browser takes an API answer
// (an error echoing what a client sent, say) for HTML or script.
func (s *Server) transport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		https := s.overHTTPS(r)
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		w, r = s.limitBody(w, r)
		next.ServeHTTP(w, r)
	})
}

// overHTTPS reports whether the client reached Parley over HTTPS: TLS to Parley itself,
// or a trusted proxy that says so. X-Forwarded-Proto from anyone else is not believed;
// of a proxy's header, the last value counts, the one the nearest proxy wrote.
func (s *Server) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.trusted(peerAddr(r)) {
		return false
	}
	protos := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
	return strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
}

// limitBody gives a request with a body s.bodyTimeout to send it, from the end of its
// header: a client that sends a few bytes of it and then nothing would otherwise hold
// its connection open forever. Past the deadline, reading the body fails, the client is
// answered 408 and its connection closed. Requests without a body get no deadline: the
// server then already waits on the connection in the background, to notice a client
// that leaves, and a deadline would end that wait instead. The deadline ends when the
// body has been read (net/http clears it), or when the connection is hijacked for a
// WebSocket (wsHijacker clears it).
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return w, r
	}
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyTimeout)); err != nil {
		return w, r
	}
	tw := &timeoutWriter{ResponseWriter: w}
	// The handler gets a copy of the request: net/http must still find its own body in
	// the one it keeps, to answer a refusal at once when most of a body is unread
	// (closing the connection) rather than read up to 256 KiB of it first, which waits
	// for a client that waits for the answer until the deadline above.
	r = r.WithContext(r.Context())
	r.Body = &timeoutBody{ReadCloser: r.Body, w: tw, s: s}
	return tw, r
}

// timeoutBody is a request body that answers 408 when the client is too slow to send it.
type timeoutBody struct {
	io.ReadCloser
	w *timeoutWriter
	s *Server
}

func (b *timeoutBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !b.w.refused && !b.w.wrote {
		b.w.Header().Set("Connection", "close")
		writeJSON(b.w, http.StatusRequestTimeout, errorBody{Error: errorDetail{
			Code:    parley.EINVALID,
			Message: fmt.Sprintf("Request body not received within %s; the connection is closed.", b.s.bodyTimeout),
		}})
		b.w.refused = true
	}
	return n, err
}

// timeoutWriter drops what the handler writes once the 408 has gone out: the handler
// sees the body's read fail and answers as for any bad body.
type timeoutWriter struct {
	http.ResponseWriter
	refused bool // the 408 went out
	wrote   bool // the handler's answer went out: too late for a 408
}

func (w *timeoutWriter) WriteHeader(status int) {
	if !w.refused {
		w.wrote = true
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	if w.refused {
		return len(p), nil
	}
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *timeoutWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.logger.Error("health check", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: parley.EINTERNAL, Message: "The database does not answer."}})
		return
	}
	// A bus between servers (NATS) is part of the health of one: cut off from it, the
	// server would not hear the others.
	if b, ok := s.bus.(interface{ Ping(context.Context) error }); ok {
		if err := b.Ping(r.Context()); err != nil {
			s.logger.Error("health check", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: parley.EINTERNAL, Message: "The event bus between servers does not answer."}})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
