package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(c Config) bool
		wantErr string
	}{
		{"defaults", nil, nil, func(c Config) bool {
			return c.Addr == "127.0.0.1:8080" && c.DB == "parley-data/parley.db" && c.InactivityTimeout == 30*time.Minute && c.RateLimit && c.Bus == ""
		}, ""},
		{"environment", nil, map[string]string{"PARLEY_ADDR": ":9000", "PARLEY_INACTIVITY_TIMEOUT": "90s", "PARLEY_RATE_LIMIT": "off", "PARLEY_ADMIN_PASSWORD": "pw-from-env"}, func(c Config) bool {
			return c.Addr == ":9000" && c.InactivityTimeout == 90*time.Second && !c.RateLimit && c.AdminPassword == "pw-from-env"
		}, ""},
		{"flag beats environment", []string{"--addr", "127.0.0.1:7000", "--inactivity-timeout", "5m"}, map[string]string{"PARLEY_ADDR": ":9000", "PARLEY_INACTIVITY_TIMEOUT": "90s"}, func(c Config) bool {
			return c.Addr == "127.0.0.1:7000" && c.InactivityTimeout == 5*time.Minute
		}, ""},
		{"trusted proxies", []string{"--trusted-proxies", "10.0.0.0/8, 192.168.1.7/24"}, nil, func(c Config) bool {
			return len(c.TrustedProxies) == 2 && c.TrustedProxies[1] == netip.MustParsePrefix("192.168.1.0/24")
		}, ""},
		{"secure cookies auto by default", nil, nil, func(c Config) bool {
			return !c.AlwaysSecureCookies && c.BodyTimeout == 30*time.Second && c.MaxConnsPerAddress == 256
		}, ""},
		{"secure cookies always", []string{"--secure-cookies", "always"}, nil, func(c Config) bool { return c.AlwaysSecureCookies }, ""},
		{"secure cookies from the environment", nil, map[string]string{"PARLEY_SECURE_COOKIES": "always"}, func(c Config) bool { return c.AlwaysSecureCookies }, ""},
		{"secure cookies flag beats environment", []string{"--secure-cookies", "auto"}, map[string]string{"PARLEY_SECURE_COOKIES": "always"}, func(c Config) bool { return !c.AlwaysSecureCookies }, ""},
		{"bad secure cookies", []string{"--secure-cookies", "yes"}, nil, nil, "secure-cookies"},
		{"bad timeout", []string{"--inactivity-timeout", "soon"}, nil, nil, "inactivity-timeout"},
		{"negative timeout", []string{"--inactivity-timeout", "-1m"}, nil, nil, "inactivity-timeout"},
		{"bad proxy", []string{"--trusted-proxies", "everyone"}, nil, nil, "trusted-proxies"},
		{"bad rate limit", []string{"--rate-limit", "maybe"}, nil, nil, "rate-limit"},
		{"several servers", []string{"--db", "postgres://u:secret@localhost/parley", "--bus", "nats://localhost:4222", "--cluster", "shop-eu"}, nil, func(c Config) bool {
			return c.Postgres() && c.Bus == "nats://localhost:4222" && c.Cluster == "shop-eu"
		}, ""},
		{"several servers from the environment", nil, map[string]string{"PARLEY_DB": "postgresql://localhost/parley", "PARLEY_BUS": "nats://localhost:4222", "PARLEY_CLUSTER": "x"}, func(c Config) bool {
			return c.Postgres() && c.Bus != "" && c.Cluster == "x"
		}, ""},
		{"one server on postgres", []string{"--db", "postgres://localhost/parley"}, nil, func(c Config) bool { return c.Postgres() && c.Bus == "" && c.Cluster == "parley" }, ""},
		{"nats beside sqlite", []string{"--bus", "nats://localhost:4222"}, nil, nil, "PostgreSQL"},
		{"bus not nats", []string{"--db", "postgres://u:secret@localhost/parley", "--bus", "redis://u:secret@localhost"}, nil, nil, "NATS"},
		{"bad cluster name", []string{"--db", "postgres://localhost/parley", "--bus", "nats://localhost:4222", "--cluster", "a.b"}, nil, nil, "cluster"},
		{"unknown flag", []string{"--colour", "blue"}, nil, nil, "colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := ParseConfig(tc.args, func(k string) string { return tc.env[k] }, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error()+stderr.String(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the database password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}

// parley user add creates an operator who can then log in.
func TestUserAddCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	var out bytes.Buffer
	err := run(context.Background(), []string{"user", "add", "--db", db, "--login", "carol", "--password", "carol-secret-1", "--name", "Carol Jones", "--chat-name", "Carol"}, func(string) string { return "" }, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Created operator "carol"`) {
		t.Fatalf("output %q", out.String())
	}
	err = run(context.Background(), []string{"user", "add", "--db", db, "--login", "dan", "--password", "dan-secret-1", "--name", "Dan", "--languages", "xx-nope"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "xx-nope") {
		t.Fatalf("adding a user with a language that is not enabled: err = %v", err)
	}
	s := mustStart(t, db)
	me := s.must(t, 200, "GET", "/api/me", s.login(t, "carol", "carol-secret-1"), nil).object(t)
	if me["chat_name"] != "Carol" || me["role"] != "operator" {
		t.Fatalf("me = %v", me)
	}
}

// Without --admin-password, the first start prints a random admin password once.
func TestFirstStartPrintsAdminPassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	var out bytes.Buffer
	m := &Main{Config: DefaultConfig(), Stdout: &out}
	m.Config.Addr, m.Config.DB = "127.0.0.1:0", db
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := &testServer{Main: m, URL: "http://" + m.Addr()}
	t.Cleanup(func() { m.Close() })
	line := out.String()
	const prefix = "Created the user admin with the password "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("output %q", line)
	}
	password := strings.Fields(strings.TrimPrefix(line, prefix))[0]
	s.login(t, "admin", password)
	m.Close()

	out.Reset()
	s = mustStart(t, db)
	if out.Len() != 0 {
		t.Fatalf("second start printed %q", out.String())
	}
}

// Shutting down tells WebSocket clients to reconnect (1012, service restart).
func TestShutdownAsksWebSocketsToReconnect(t *testing.T) {
	s := mustStart(t, "")
	ws := s.console(t, s.adminToken(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ws.closed:
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusServiceRestart {
			t.Fatalf("close = %v, want status 1012", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the WebSocket was not closed")
	}
}
