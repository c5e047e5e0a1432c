// Package httpapi serves Parley's HTTP API and WebSockets: the console API (session
// cookie or bearer token), the visitor API used by the widget (cross-origin, visitor
// token), health, metrics and the OpenAPI description.
package httpapi

import (
	_ "embed"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

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
}

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
	}
	if s.pingInterval <= 0 {
		s.pingInterval = 30 * time.Second
	}
	if opts.RateLimit {
		s.limits = newLimiter()
	}
	// Lives as long as the server: the process.
	s.bus.Subscribe(parley.AccountsTopic, s.accountNotice)
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
		{"GET /api/offline-messages", s.api(s.handleOfflineMessages), console},
		{"GET /api/ws", s.handleOperatorWS, console},

		{"GET /livechat/channels/{id}", s.api(s.handleChannelStatus), visitor},
		{"POST /livechat/channels/{id}/conversations", s.api(s.handleStart), visitor},
		{"POST /livechat/channels/{id}/offline-messages", s.api(s.handleOfflineMessage), visitor},
		{"GET /livechat/conversations/{id}", s.api(s.handleVisitorConversation), visitor},
		{"GET /livechat/conversations/{id}/messages", s.api(s.handleVisitorMessages), visitor},
		{"POST /livechat/conversations/{id}/messages", s.api(s.handleVisitorSend), visitor},
		{"POST /livechat/conversations/{id}/end", s.api(s.handleVisitorEnd), visitor},
		{"POST /livechat/conversations/{id}/rating", s.api(s.handleRate), visitor},
		{"GET /livechat/ws", s.handleVisitorWS, visitor},
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
	return mux
}

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
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
