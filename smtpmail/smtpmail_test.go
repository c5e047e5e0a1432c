package smtpmail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/smtptest"
	"github.com/parleychat/parley/smtpmail"
)

// lockedBuffer is a log sink the mailer's goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newMailer(t *testing.T, cfg smtpmail.Config, log *lockedBuffer) *smtpmail.Mailer {
	t.Helper()
	var logger *slog.Logger
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, nil))
	}
	m, err := smtpmail.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func TestSendPlainAndHTML(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, smtpmail.Config{Host: srv.Host, Port: srv.Port, TLS: smtpmail.TLSNone, From: "Support <support@example.com>"}, nil)
	err := m.Send(t.Context(), parley.Email{
		To:      []string{"ann@example.com"},
		ReplyTo: "team@example.com",
		Subject: "Your conversation\r\nBcc: evil@example.com", // one line, whatever it holds
		Text:    "Bonjour Ann,\nwe will call you. Ça va ?",
		HTML:    "<p>Bonjour <b>Ann</b></p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 10*time.Second)[0]
	if got.From != "support@example.com" || strings.Join(got.To, ",") != "ann@example.com" {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	if got.Subject != "Your conversation Bcc: evil@example.com" {
		t.Errorf("subject = %q, want one line", got.Subject)
	}
	if got.Header.Get("Bcc") != "" {
		t.Errorf("a Bcc header came through the subject: %q", got.Header.Get("Bcc"))
	}
	if !strings.Contains(got.Header.Get("Reply-To"), "team@example.com") {
		t.Errorf("Reply-To = %q", got.Header.Get("Reply-To"))
	}
	if !strings.Contains(got.Text, "Bonjour Ann,\nwe will call you. Ça va ?") {
		t.Errorf("text = %q", got.Text)
	}
	if !strings.Contains(got.HTML, "<p>Bonjour <b>Ann</b></p>") {
		t.Errorf("html = %q", got.HTML)
	}
}

func TestSendWithAuth(t *testing.T) {
	srv := smtptest.Start(t)
	srv.User, srv.Password = "parley", "s3cret-pass"
	m := newMailer(t, smtpmail.Config{Host: srv.Host, Port: srv.Port, TLS: smtpmail.TLSNone, User: "parley", Password: "s3cret-pass", From: "support@example.com"}, nil)
	if err := m.Send(t.Context(), parley.Email{To: []string{"ben@example.com"}, Subject: "Hi", Text: "Hello"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Wait(t, 1, 10*time.Second)[0]; got.To[0] != "ben@example.com" || !strings.Contains(got.Text, "Hello") {
		t.Errorf("received %+v", got)
	}
}

// A refused login is logged, without the password, and the next email still goes.
func TestFailureLoggedWithoutPassword(t *testing.T) {
	srv := smtptest.Start(t)
	srv.User, srv.Password = "parley", "right-password"
	var log lockedBuffer
	m := newMailer(t, smtpmail.Config{Host: srv.Host, Port: srv.Port, TLS: smtpmail.TLSNone, User: "parley", Password: "wrong-password-42", From: "support@example.com"}, &log)
	if err := m.Send(t.Context(), parley.Email{To: []string{"ben@example.com"}, Subject: "Hi", Text: "Hello"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if !strings.Contains(out, "send email") {
		t.Errorf("log = %q, want the failure", out)
	}
	if strings.Contains(out, "wrong-password-42") {
		t.Errorf("the log shows the password: %q", out)
	}
	if n := len(srv.Mails()); n != 0 {
		t.Errorf("%d emails received with a wrong password", n)
	}
	if err := m.Send(t.Context(), parley.Email{To: []string{"x@example.com"}}); err != smtpmail.ErrClosed {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
}

// Send never waits on the server: with nobody answering, it returns at once, and a full
// queue refuses.
func TestSendDoesNotBlock(t *testing.T) {
	m := newMailer(t, smtpmail.Config{Host: "192.0.2.1", Port: 25, TLS: smtpmail.TLSNone, From: "support@example.com", QueueSize: 2, Timeout: time.Second}, nil)
	start := time.Now()
	var errs []error
	for range 4 {
		errs = append(errs, m.Send(t.Context(), parley.Email{To: []string{"x@example.com"}, Subject: "x", Text: "x"}))
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("4 sends took %s", d)
	}
	if errs[0] != nil || errs[3] != smtpmail.ErrQueueFull {
		t.Errorf("errors = %v, want the first queued and the last refused", errs)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  smtpmail.Config
		want string
	}{
		{smtpmail.Config{Host: "mail", TLS: "ssl", From: "a@example.com"}, "TLS mode"},
		{smtpmail.Config{Host: "mail", TLS: "none"}, "from address is empty"},
		{smtpmail.Config{Host: "mail", TLS: "none", From: "not an address"}, "not an address"},
		{smtpmail.Config{Host: "mail", TLS: "none", From: "a@example.com", Password: "pw"}, "without a user"},
		{smtpmail.Config{Host: "mail", TLS: "none", From: "a@example.com", Port: 70000}, "port"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
		if err != nil && tc.cfg.Password != "" && strings.Contains(err.Error(), tc.cfg.Password) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
