package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "parley_session"

type ctxKey int

const userKey ctxKey = 0

// caller is who makes a console request: the user, and the token hash of the session
// they made it with (what ends the session's WebSockets when it ends).
type caller struct {
	user    *parley.User
	session []byte
}

func userFrom(ctx context.Context) *parley.User {
	c, _ := ctx.Value(userKey).(*caller)
	if c == nil {
		return nil
	}
	return c.user
}

// sessionFrom is the token hash of the request's console session.
func sessionFrom(ctx context.Context) []byte {
	c, _ := ctx.Value(userKey).(*caller)
	if c == nil {
		return nil
	}
	return c.session
}

// consoleToken returns the session token of a console request: the bearer token, the
// ?token= of a WebSocket upgrade, or the session cookie.
func consoleToken(r *http.Request) (token string, fromCookie bool) {
	if t, ok := bearer(r); ok {
		return t, false
	}
	if r.URL.Path == "/api/ws" {
		if t := r.URL.Query().Get("token"); t != "" {
			return t, false
		}
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value, true
	}
	return "", false
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// authenticate lets through only requests of a logged-in user, who is put in the context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := consoleToken(r)
		u, err := s.service.Authenticate(r.Context(), token)
		if err != nil {
			writeError(w, r, s.logger, err)
			return
		}
		c := &caller{user: u, session: chat.HashToken(token)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, c)))
	})
}

// cookieCSRF applies cross-origin protection to requests that a browser could make with
// the session cookie. A request with a bearer token carries its credential explicitly
// and cannot be forged by another site.
func cookieCSRF(csrf *http.CrossOriginProtection, next http.Handler) http.Handler {
	protected := csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := bearer(r); ok {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// visitorCORS opens the visitor API to the websites that embed the widget, and to them
// only: a request (or WebSocket upgrade) from a page of another origin than those the
// channel allows is refused before it does anything. Requests without Origin come from
// no browser page (servers, curl) and pass; so do pages of Parley itself (the demo).
func (s *Server) visitorCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(r) {
			next.ServeHTTP(w, r)
			return
		}
		ok, err := s.originAllowed(r, origin)
		if err != nil && parley.ErrorCode(err) != parley.ENOTFOUND {
			writeError(w, r, s.logger, err)
			return
		}
		if err == nil && !ok {
			writeError(w, r, s.logger, chat.ForbiddenOrigin(origin))
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		next.ServeHTTP(w, r)
	})
}

// originAllowed finds the channel a visitor request is about and asks whether origin
// may embed it. Unknown ids are ENOTFOUND, which the handler itself will answer.
func (s *Server) originAllowed(r *http.Request, origin string) (bool, error) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // livechat, channels|conversations|ws|page-views, id, …
	if len(parts) == 2 && parts[1] == "ws" {
		v, err := s.service.AuthenticateVisitor(r.Context(), r.URL.Query().Get("token"))
		if err != nil {
			return true, nil // the handler refuses the token
		}
		return s.service.VisitorAllowsOrigin(r.Context(), v, origin)
	}
	if len(parts) == 2 && parts[1] == "page-views" {
		v, err := s.visitorFrom(r)
		if err != nil {
			return true, nil // a preflight, or a token the handler refuses
		}
		return s.service.VisitorAllowsOrigin(r.Context(), v, origin)
	}
	if len(parts) < 3 {
		return true, nil
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return true, nil // the handler refuses the id
	}
	switch parts[1] {
	case "channels":
		return s.service.ChannelAllowsOrigin(r.Context(), id, origin)
	case "conversations":
		return s.service.ConversationAllowsOrigin(r.Context(), id, origin)
	case "files":
		return s.service.FileAllowsOrigin(r.Context(), id, origin)
	}
	return true, nil
}

// visitorFrom authenticates the visitor token of a widget request.
func (s *Server) visitorFrom(r *http.Request) (*parley.Visitor, error) {
	token, _ := bearer(r)
	return s.service.AuthenticateVisitor(r.Context(), token)
}

// clientIP is the address of the client: the connection's peer, or, when that peer is a
// trusted proxy, the last untrusted address of X-Forwarded-For. Every line of the header
// counts, in order, as one list: a client that adds a line of its own must not push the
// proxy's line out of sight.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	addr := peerAddr(r)
	if !addr.IsValid() || !s.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
		addr = a
	}
	return addr
}

// peerAddr is the address of the connection's peer: the client, or a proxy.
func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// setSessionCookie sets (or, with maxAge -1, clears) the session cookie. It is Secure
// when the client came over HTTPS (see Server.overHTTPS) or Options.AlwaysSecureCookies
// says so, so that a browser never sends it over plain HTTP, where anyone on the path
// could read it.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge time.Duration) {
	age := int(maxAge.Seconds())
	if maxAge < 0 {
		age = -1 // Max-Age=0: the browser deletes it (a MaxAge of 0 would send none)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   age,
		HttpOnly: true,
		Secure:   s.alwaysSecure || s.overHTTPS(r),
		SameSite: http.SameSiteLaxMode,
	})
}
