package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// Behind a trusted proxy that adds its own X-Forwarded-For line, a client that sends a
// line of its own, with a new forged address each time, is still the proxy's client: its
// failed logins are limited, and another client of the proxy is not.
func TestForwardedForOverSeveralLines(t *testing.T) {
	s := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	login := func(forged, client, password string) int {
		req, _ := http.NewRequest("POST", s.URL+"/api/session", jsonBody(map[string]string{"login": "admin", "password": password}))
		req.Header.Add("X-Forwarded-For", forged) // the client's own line, passed on
		req.Header.Add("X-Forwarded-For", client) // the proxy's line: the peer it saw
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limited := false
	for i := range 20 {
		if login(fmt.Sprintf("198.51.100.%d", i+1), "203.0.113.5", "wrong-password") == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("20 failed logins, each with another forged first X-Forwarded-For line, were never limited")
	}
	if got := login("198.51.100.99", "203.0.113.5", adminPassword); got != http.StatusTooManyRequests {
		t.Fatalf("the limited client, with a new forged line: %d, want 429", got)
	}
	if got := login("198.51.100.7", "203.0.113.6", adminPassword); got != http.StatusOK {
		t.Fatalf("another client of the proxy: %d, want 200", got)
	}
}

// slowBody opens a connection from local (nil: any) and sends a request whose body
// promises 100 bytes and brings one.
func slowBody(t *testing.T, s *testServer, local net.Addr) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	req := "POST /api/session HTTP/1.1\r\nHost: " + strings.TrimPrefix(s.URL, "http://") + "\r\n" +
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("write: %v", err)
	}
	return c
}

// readAnswer reads the HTTP answer on c, waiting at most wait.
func readAnswer(t *testing.T, c net.Conn, br *bufio.Reader, wait time.Duration) (*http.Response, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", wait, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read the answer's body: %v", err)
	}
	return resp, body
}

// clientFrom is an HTTP client whose connections come from the address ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// One address that opens connection after connection, each sending a request body of
// which only a byte ever comes, can hold no more than its share of connections: the
// others are refused at once (429), another address is still served meanwhile, and the
// slow requests are answered 408 and closed once their time is up.
func TestSlowBodiesAndConnectionsPerAddress(t *testing.T) {
	const max = 8
	s := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.BodyTimeout = time.Second
		c.MaxConnsPerAddress = max
	})
	attacker := &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}
	var slow []net.Conn
	for range max {
		slow = append(slow, slowBody(t, s, attacker))
	}
	for i := range 4 {
		c := slowBody(t, s, attacker)
		resp, body := readAnswer(t, c, bufio.NewReader(c), 5*time.Second)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"ETOOMANY"`) {
			t.Fatalf("connection %d over the limit of one address: %d %s", max+i+1, resp.StatusCode, body)
		}
	}

	// Another address is served while the first holds all its places.
	resp, err := clientFrom("127.0.0.2").Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("a client from another address: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a client from another address: %d", resp.StatusCode)
	}

	// The slow requests are refused once their time is up, and their connections closed.
	for i, c := range slow {
		br := bufio.NewReader(c)
		resp, body := readAnswer(t, c, br, 15*time.Second)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != http.StatusRequestTimeout || e.Error.Code != "EINVALID" || !strings.Contains(e.Error.Message, "body") {
			t.Fatalf("slow request %d: %d %s, want 408 EINVALID naming the body", i+1, resp.StatusCode, body)
		}
		if n, err := br.Read(make([]byte, 1)); err == nil {
			t.Fatalf("slow request %d: its connection is still open (read %d bytes)", i+1, n)
		}
	}

	// The metrics count what the clients got (once each handler has returned).
	want := fmt.Sprintf(`parley_http_requests_total{code="408",route="POST /api/session"} %d`, max)
	eventually(t, "the 408s counted", func() string {
		metrics := string(s.must(t, 200, "GET", "/metrics", "", nil).Body)
		if !strings.Contains(metrics, want) {
			return fmt.Sprintf("metrics lack %q:\n%s", want, grepLines(metrics, "POST /api/session"))
		}
		return ""
	})

	// Its places freed, the first address is served again.
	eventually(t, "the first address served again", func() string {
		resp, err := clientFrom("127.0.0.1").Get(s.URL + "/healthz")
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return ""
	})
}

// Connections from a trusted proxy carry many clients: they are not counted against the
// proxy's address.
func TestTrustedProxyConnectionsAreNotCapped(t *testing.T) {
	const max = 4
	s := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.MaxConnsPerAddress = max
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for range max + 4 {
		slowBody(t, s, &net.TCPAddr{IP: net.ParseIP("127.0.0.1")})
	}
	resp, err := clientFrom("127.0.0.1").Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("the proxy's next connection: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the proxy's next connection: %d", resp.StatusCode)
	}
}

// A WebSocket is no request body: one that stays quiet for longer than a body may take
// still works.
func TestWebSocketOutlivesBodyTimeout(t *testing.T) {
	s := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.BodyTimeout = 500 * time.Millisecond
	})
	ws := s.console(t, s.adminToken(t))
	time.Sleep(2 * time.Second)
	ws.send(t, map[string]any{"type": "nonsense"})
	if ev := ws.expect(t, "error", nil); path(ev, "error", "code") != "EINVALID" {
		t.Fatalf("answer to a frame after a quiet spell: %v", ev)
	}
}

// loginCookie logs in as the admin through client, with the given headers, and returns
// the session cookie and the answer's Strict-Transport-Security.
func loginCookie(t *testing.T, s *testServer, client *http.Client, header http.Header) (*http.Cookie, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/session", jsonBody(map[string]string{"login": "admin", "password": adminPassword}))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			return c, resp.Header.Get("Strict-Transport-Security")
		}
	}
	t.Fatal("login set no session cookie")
	return nil, ""
}

// Behind a TLS proxy, the session cookie is Secure and HSTS is sent, so that a browser
// never sends the cookie over plain HTTP; X-Forwarded-Proto is believed from trusted
// proxies only; --secure-cookies always makes the cookie Secure whatever the request says.
func TestSecureCookies(t *testing.T) {
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	proxied := mustStart(t, "", func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	c, hsts := loginCookie(t, proxied, http.DefaultClient, https)
	if !c.Secure || !c.HttpOnly || !strings.HasPrefix(hsts, "max-age=") {
		t.Fatalf("through a trusted TLS proxy: cookie %v, HSTS %q; want Secure and HSTS", c, hsts)
	}
	// The proxy's own header, the last value, is the one that counts.
	if c, hsts := loginCookie(t, proxied, http.DefaultClient, http.Header{"X-Forwarded-Proto": {"https", "http"}}); c.Secure || hsts != "" {
		t.Fatalf("a trusted proxy that says http: cookie %v, HSTS %q", c, hsts)
	}
	if c, hsts := loginCookie(t, proxied, http.DefaultClient, nil); c.Secure || hsts != "" {
		t.Fatalf("through a trusted plain-HTTP proxy: cookie %v, HSTS %q", c, hsts)
	}
	resp := proxied.mustLogout(t, https)
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure || c[0].MaxAge >= 0 {
		t.Fatalf("logout through a trusted TLS proxy clears the cookie with %v", c)
	}

	untrusted := mustStart(t, "", func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	if c, hsts := loginCookie(t, untrusted, http.DefaultClient, https); c.Secure || hsts != "" {
		t.Fatalf("X-Forwarded-Proto from an untrusted peer was believed: cookie %v, HSTS %q", c, hsts)
	}

	forced := mustStart(t, "", func(c *Config) { c.AlwaysSecureCookies = true })
	if c, _ := loginCookie(t, forced, http.DefaultClient, nil); !c.Secure {
		t.Fatalf("with --secure-cookies always: cookie %v, want Secure", c)
	}
}

// mustLogout logs the admin out by cookie, with the given headers.
func (s *testServer) mustLogout(t *testing.T, header http.Header) *http.Response {
	t.Helper()
	token := s.adminToken(t)
	req, _ := http.NewRequest("DELETE", s.URL+"/api/session", nil)
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: token})
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	return resp
}

// Every API answer, errors included, tells browsers not to guess its type; the demo page
// and the console may not be framed and run only Parley's own scripts; the console's
// connections go to Parley only; the file trees are not listed.
func TestSecurityHeaders(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	get := func(method, path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"GET", "/api/openapi.json", 200},
		{"GET", "/api/me", 401},
		{"GET", "/api/nothing", 404},
		{"POST", "/api/session", 400},
		{"GET", fmt.Sprintf("/livechat/channels/%d", ch), 200},
		{"GET", "/livechat/channels/999999", 404},
		{"POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), 400},
		{"OPTIONS", fmt.Sprintf("/livechat/channels/%d", ch), 204},
		{"GET", "/livechat/ws", 401},
		{"DELETE", "/livechat/nothing", 404},
	} {
		resp := get(tc.method, tc.path)
		if resp.StatusCode != tc.status || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: %d, X-Content-Type-Options %q; want %d and nosniff", tc.method, tc.path, resp.StatusCode, resp.Header.Get("X-Content-Type-Options"), tc.status)
		}
	}

	policy := func(resp *http.Response) map[string][]string {
		directives := map[string][]string{}
		for _, d := range strings.Split(resp.Header.Get("Content-Security-Policy"), ";") {
			if f := strings.Fields(d); len(f) > 0 {
				directives[f[0]] = f[1:]
			}
		}
		return directives
	}
	demo := get("GET", "/demo")
	csp := policy(demo)
	if demo.StatusCode != 200 || demo.Header.Get("X-Frame-Options") != "DENY" || !slices.Equal(csp["frame-ancestors"], []string{"'none'"}) {
		t.Errorf("/demo: %d, X-Frame-Options %q, CSP %q", demo.StatusCode, demo.Header.Get("X-Frame-Options"), demo.Header.Get("Content-Security-Policy"))
	}
	if scripts := csp["script-src"]; !slices.Contains(scripts, "'self'") || slices.Contains(scripts, "'unsafe-inline'") || len(scripts) < 2 || !strings.HasPrefix(scripts[1], "'sha256-") {
		t.Errorf("/demo: script-src %q, want 'self' and the inline script's hash", scripts)
	}
	if !slices.Equal(csp["connect-src"], []string{"'self'"}) || !slices.Equal(csp["default-src"], []string{"'self'"}) {
		t.Errorf("/demo: CSP %q, want connections to Parley only", demo.Header.Get("Content-Security-Policy"))
	}
	console := get("GET", "/")
	if csp := policy(console); !slices.Equal(csp["connect-src"], []string{"'self'"}) || !slices.Equal(csp["frame-ancestors"], []string{"'none'"}) {
		t.Errorf("console: CSP %q, want connect-src 'self' only", console.Header.Get("Content-Security-Policy"))
	}

	for _, p := range []string{"/console/", "/vendor/", "/widget/", "/console/components/", "/console/components", "/vendor/../console/"} {
		req, _ := http.NewRequest("GET", s.URL+p, nil)
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 || strings.Contains(string(body), ".js") {
			t.Errorf("GET %s: %d %.200s; want no listing", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/console/app.js", "/vendor/preact-htm.js", "/widget.js"} {
		if resp := get("GET", p); resp.StatusCode != 200 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return strings.Join(out, "\n")
}
