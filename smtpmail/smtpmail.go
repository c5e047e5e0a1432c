// Package smtpmail sends Parley's emails through an SMTP server (github.com/wneessen/go-mail):
// replies to left messages, transcripts, notices of messages left. It implements
// parley.Mailer: Send only queues, and one goroutine delivers the queue, each email within
// a time limit, so that no request ever waits on the mail server.
package smtpmail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleychat/parley"
)

// TLS modes of the connection to the SMTP server.
const (
	TLSNone     = "none"     // plain text (a server on the same machine or network)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Config is how to reach the SMTP server.
type Config struct {
	Host     string
	Port     int    // 0: 25 with none, 587 with starttls, 465 with tls
	TLS      string // TLSNone, TLSStartTLS (default) or TLSImplicit
	User     string // "" sends without authentication
	Password string
	From     string // the sender's address, e.g. "Support <support@example.com>"
	// Timeout bounds the delivery of one email, connection included (default 30 s).
	Timeout time.Duration
	// QueueSize is how many emails may wait (default 256); Send refuses more.
	QueueSize int
}

// Validate checks the configuration, without a word about the password.
func (c Config) Validate() error {
	if c.Host == "" {
		return errors.New("SMTP host is empty")
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("SMTP TLS mode %q: want none, starttls or tls", c.TLS)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("SMTP port %d: want 1 to 65535", c.Port)
	}
	if c.From == "" {
		return errors.New("SMTP from address is empty: emails need a sender")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("SMTP from address %q is not an address such as Support <support@example.com>", c.From)
	}
	if c.Password != "" && c.User == "" {
		return errors.New("an SMTP password is set without a user")
	}
	return nil
}

// Mailer delivers emails in the background. Make it with New; Close it.
type Mailer struct {
	cfg    Config
	logger *slog.Logger
	queue  chan parley.Email

	mu     sync.Mutex
	closed bool
	done   chan struct{}
	stop   context.CancelFunc
	ctx    context.Context
}

var _ parley.Mailer = (*Mailer)(nil)

// New starts a mailer for cfg.
func New(cfg Config, logger *slog.Logger) (*Mailer, error) {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[cfg.TLS]
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	m := &Mailer{cfg: cfg, logger: logger, queue: make(chan parley.Email, cfg.QueueSize), done: make(chan struct{}), ctx: ctx, stop: stop}
	go m.run()
	return m, nil
}

// ErrQueueFull is Send's refusal when the mail server falls too far behind.
var ErrQueueFull = errors.New("the email queue is full")

// ErrClosed is Send's refusal after Close.
var ErrClosed = errors.New("the mailer is closed")

// Send queues e for delivery and returns at once.
func (m *Mailer) Send(ctx context.Context, e parley.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	select {
	case m.queue <- e:
		return nil
	default:
		return ErrQueueFull
	}
}

// Close delivers what is queued, waiting at most until ctx is done, then stops.
func (m *Mailer) Close(ctx context.Context) error {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.mu.Unlock()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		m.stop() // the email being sent gives up; the others are dropped
		<-m.done
		return ctx.Err()
	}
}

func (m *Mailer) run() {
	defer close(m.done)
	for e := range m.queue {
		if m.ctx.Err() != nil {
			m.logger.Warn("email dropped at shutdown", "subject", e.Subject, "recipients", len(e.To))
			continue
		}
		ctx, cancel := context.WithTimeout(m.ctx, m.cfg.Timeout)
		err := m.deliver(ctx, e)
		cancel()
		if err != nil {
			// go-mail's errors name the server and what it answered, never the password.
			m.logger.Error("send email", "subject", e.Subject, "recipients", len(e.To), "smtp", m.cfg.Host, "err", err)
		}
	}
}

// deliver sends one email now.
func (m *Mailer) deliver(ctx context.Context, e parley.Email) error {
	msg, err := m.message(e)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if m.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(m.cfg.User), gomail.WithPassword(m.cfg.Password))
	}
	c, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send to %s:%d: %w", m.cfg.Host, m.cfg.Port, err)
	}
	return nil
}

func (m *Mailer) message(e parley.Email) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(e.To...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if e.ReplyTo != "" {
		if err := msg.ReplyTo(e.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	// A subject is one line: a visitor's name in it must not add a header.
	msg.Subject(strings.Join(strings.Fields(e.Subject), " "))
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return msg, nil
}
