// Command parley runs the Parley live chat server, and manages it from the shell.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/natsbus"
	"github.com/parleychat/parley/natspresence"
	"github.com/parleychat/parley/postgres"
	"github.com/parleychat/parley/smtpmail"
	"github.com/parleychat/parley/sqlite"
	"github.com/parleychat/parley/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runWithInput is run reading what a command asks for (a password) from stdin.
func runWithInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "user":
		return userCommand(ctx, args, getenv, stdin, stdout, stderr)
	case "watch":
		return watch(ctx, args, getenv, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

const usage = `usage:
  parley [serve] [flags]          run the server (parley serve -h lists the flags)
  parley user add [flags]         add an operator, supervisor or admin (parley user add -h)
  parley user passwd LOGIN        set a user's password and end their sessions (parley user passwd -h)
  parley watch [flags]            log in as an operator, stay online and print live events
`

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := ParseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(stderr, nil)), Stdout: stdout}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return m.Close()
}

// Main is one running Parley: it wires the concrete parts by hand.
type Main struct {
	Config Config
	Logger *slog.Logger
	Stdout io.Writer // where the generated admin password is printed once

	Store   parley.Store
	Service *chat.Service
	HTTP    *httpapi.Server

	cluster  *clusterParts    // nil on one server
	mailer   *smtpmail.Mailer // nil when no SMTP server is set
	server   *http.Server
	listener net.Listener
	stop     context.CancelFunc
	swept    chan struct{}
	closed   bool
}

// Run opens the database, starts the sweeper and starts serving; it returns once Parley
// is listening.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	store, err := openStore(ctx, m.Config.DB, true)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	m.Store = store
	opts := chat.Options{Timeout: m.Config.InactivityTimeout, AbandonAfter: m.Config.AbandonAfter}
	var bus parley.Bus = inmem.NewBus()
	if m.Config.Bus != "" {
		m.cluster, err = joinCluster(ctx, m.Config, m.Logger)
		if err != nil {
			return err
		}
		bus, opts.Presence, opts.Leader = m.cluster.bus, m.cluster.presence, m.cluster.leader
	}
	if m.Config.SMTP.Host != "" {
		if m.mailer, err = smtpmail.New(m.Config.SMTP, m.Logger); err != nil {
			return fmt.Errorf("email: %w", err)
		}
		opts.Mailer = m.mailer
		m.Logger.Info("emails go through SMTP", "smtp_host", m.Config.SMTP.Host, "smtp_tls", m.Config.SMTP.TLS)
	} else {
		m.Logger.Info("no SMTP server set (--smtp-host): no email is sent, replies to left messages and transcripts by email are off")
	}
	m.Service = chat.NewWith(store, bus, m.Logger, opts)
	created, generated, err := m.Service.EnsureAdmin(ctx, m.Config.AdminPassword)
	if errors.Is(err, chat.ErrAdminExists) {
		// Silence here would let an operator believe the password they passed works.
		m.Logger.Warn("--admin-password (PARLEY_ADMIN_PASSWORD) ignored: users exist already, and the admin keeps their password; to set a new one, run: parley user passwd admin")
	} else if err != nil {
		return err
	}
	if created && generated != "" {
		fmt.Fprintf(m.Stdout, "Created the user admin with the password %s (shown only this once).\n", generated)
	} else if created {
		m.Logger.Info("created the user admin")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.HTTP = httpapi.New(m.Service, store, m.Logger, httpapi.Options{
		TrustedProxies:      m.Config.TrustedProxies,
		RateLimit:           m.Config.RateLimit,
		Registry:            reg,
		Web:                 web.Handler(),
		BodyTimeout:         m.Config.BodyTimeout,
		AlwaysSecureCookies: m.Config.AlwaysSecureCookies,
		WidgetStrings:       web.WidgetStrings,
	})
	if m.cluster != nil {
		// Events published while this server's NATS connection was down are lost: the
		// notices that keep its caches true, so it forgets them, and its clients' events,
		// so they reconnect and fetch what they missed.
		m.cluster.bus.OnResync(m.Service.ForgetCaches)
		m.cluster.bus.OnResync(m.HTTP.ResyncWebSockets)
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.listener = ln
	// One address may hold no more than its share of connections; like every limit it is
	// off with --rate-limit off, for load tests that open thousands from 127.0.0.1.
	if m.Config.RateLimit {
		max := m.Config.MaxConnsPerAddress
		if max <= 0 {
			max = httpapi.DefaultMaxConnsPerAddress
		}
		ln = httpapi.LimitConns(ln, max, m.Config.TrustedProxies)
	}
	m.server = &http.Server{
		Handler:           m.HTTP.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serve", "err", err)
		}
	}()

	sweepCtx, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.swept = make(chan struct{}, 2)
	go func() {
		defer func() { m.swept <- struct{}{} }()
		m.Service.Run(sweepCtx)
	}()
	// Every server sends webhooks: the store's claim keeps each delivery to one.
	sender := chat.NewWebhookSender(store, m.Logger, chat.WebhookOptions{Backoff: m.Config.WebhookBackoff, Timeout: m.Config.WebhookTimeout})
	go func() {
		defer func() { m.swept <- struct{}{} }()
		sender.Run(sweepCtx)
	}()
	attrs := []any{"addr", "http://" + ln.Addr().String(), "db", m.Config.DB}
	if n, ok := openFileLimit(); ok {
		attrs = append(attrs, "open_files", n) // about the most connections it can hold
	}
	m.Logger.Info("parley is listening", attrs...)
	return nil
}

// Addr is the address Parley listens on (useful with --addr 127.0.0.1:0).
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Close drains: in-flight requests finish, WebSocket clients are told to reconnect,
// then the database is closed.
func (m *Main) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.HTTP.CloseWebSockets()
		if err := m.server.Shutdown(ctx); err != nil {
			m.Logger.Warn("shutdown", "err", err)
		}
	}
	if m.stop != nil {
		m.stop()
		<-m.swept
		<-m.swept
	}
	if m.mailer != nil {
		// The emails queued go out first, within a few seconds.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := m.mailer.Close(ctx); err != nil {
			m.Logger.Warn("emails left unsent at shutdown", "err", err)
		}
		cancel()
	}
	if m.cluster != nil {
		m.cluster.close()
	}
	if m.Store != nil {
		return m.Store.Close()
	}
	return nil
}

// openStore opens the database the URL or file names: PostgreSQL, or SQLite, which a
// server holds alone (server) while the command-line tools open it beside that server.
func openStore(ctx context.Context, db string, server bool) (parley.Store, error) {
	if isPostgres(db) {
		return postgres.Open(ctx, db)
	}
	if server {
		return sqlite.OpenServer(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// clusterParts are what a server needs to work with the others: the bus, the shared
// presence and the lease on the periodic sweep, all over one NATS connection.
type clusterParts struct {
	bus      *natsbus.Bus
	presence *natspresence.Presence
	leader   *natspresence.Leader
}

// bucketNames names the JetStream key-value buckets that a cluster's servers share.
type bucketNames struct{ presence, activity, leader string }

func clusterBuckets(cluster string) bucketNames {
	return bucketNames{presence: cluster + "_presence", activity: cluster + "_activity", leader: cluster + "_leader"}
}

func joinCluster(ctx context.Context, cfg Config, logger *slog.Logger) (*clusterParts, error) {
	bus, err := natsbus.Open(cfg.Bus, natsbus.Prefix(cfg.Cluster), natsbus.Logger(logger))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", redact(cfg.Bus), err)
	}
	c := &clusterParts{bus: bus}
	buckets := clusterBuckets(cfg.Cluster)
	c.presence, err = natspresence.New(ctx, bus.Conn(), natspresence.Options{
		Timeout:        cfg.InactivityTimeout,
		Logger:         logger,
		Bucket:         buckets.presence,
		ActivityBucket: buckets.activity,
	})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("shared presence on NATS (is JetStream on?): %w", err)
	}
	c.leader, err = natspresence.NewLeader(ctx, bus.Conn(), natspresence.LeaderOptions{Bucket: buckets.leader, Logger: logger})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("sweep lease on NATS: %w", err)
	}
	return c, nil
}

// close hands the lease over at once, writes the presence's last state, then leaves NATS.
func (c *clusterParts) close() {
	if c.leader != nil {
		c.leader.Close()
	}
	if c.presence != nil {
		c.presence.Close()
	}
	c.bus.Close()
}
