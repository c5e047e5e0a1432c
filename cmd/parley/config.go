package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/httpapi"
	"github.com/parleychat/parley/smtpmail"
)

// Config is how Parley is run: defaults, then PARLEY_* variables, then flags.
type Config struct {
	Addr string
	DB   string
	Bus  string
	// Cluster names one installation on a shared NATS: its servers' subjects and
	// presence buckets start with it.
	Cluster           string
	InactivityTimeout time.Duration
	AdminPassword     string
	TrustedProxies    []netip.Prefix
	RateLimit         bool
	// AlwaysSecureCookies marks the session cookie Secure whatever the request says
	// (--secure-cookies always); by default it is Secure over HTTPS only.
	AlwaysSecureCookies bool

	// AbandonAfter is how long a visitor may be gone (no widget open, no message) before
	// their conversation ends; 0 never ends one.
	AbandonAfter time.Duration

	// SMTP is the mail server Parley sends its emails through; none when its Host is
	// empty. Its password comes from PARLEY_SMTP_PASSWORD or --smtp-password-file, never
	// from a flag (which any user of the machine may read) and never logged.
	SMTP smtpmail.Config

	// WebhookBackoff is the wait after a webhook delivery's first failure, three times
	// longer after each next (chat.WebhookSender); WebhookTimeout bounds one request.
	WebhookBackoff time.Duration
	WebhookTimeout time.Duration

	// Not flags: tests shorten or lower them.
	BodyTimeout        time.Duration // time to send a request body once its header is read
	MaxConnsPerAddress int           // open connections one client address may hold, with rate limits on
}

// DefaultConfig is Parley with nothing set.
func DefaultConfig() Config {
	return Config{
		Addr:               "127.0.0.1:8080",
		DB:                 "parley-data/parley.db",
		Cluster:            "parley",
		InactivityTimeout:  parley.DefaultInactivityTimeout,
		AbandonAfter:       parley.DefaultAbandonAfter,
		WebhookBackoff:     time.Minute,
		WebhookTimeout:     10 * time.Second,
		RateLimit:          true,
		BodyTimeout:        httpapi.DefaultBodyTimeout,
		MaxConnsPerAddress: httpapi.DefaultMaxConnsPerAddress,
	}
}

// ParseConfig reads the PARLEY_* variables of env, then the flags of args.
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("parley serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var proxies, rateLimit, secureCookies string
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "PARLEY_ADDR", c.Addr), "address to listen on (PARLEY_ADDR)")
	fs.StringVar(&c.DB, "db", envOr(getenv, "PARLEY_DB", c.DB), "SQLite database file, or a PostgreSQL URL postgres://… shared by several servers (PARLEY_DB)")
	fs.StringVar(&c.Bus, "bus", envOr(getenv, "PARLEY_BUS", c.Bus), "event bus between servers: empty for one server, or NATS URLs nats://host:4222[,…] (PARLEY_BUS)")
	fs.StringVar(&c.Cluster, "cluster", envOr(getenv, "PARLEY_CLUSTER", c.Cluster), "name of the installation on a shared NATS (PARLEY_CLUSTER)")
	timeout := envOr(getenv, "PARLEY_INACTIVITY_TIMEOUT", c.InactivityTimeout.String())
	fs.Func("inactivity-timeout", "idle time after which an operator is removed from their channels (PARLEY_INACTIVITY_TIMEOUT, default 30m)", func(v string) error {
		timeout = v
		return nil
	})
	abandon := envOr(getenv, "PARLEY_ABANDON_AFTER", c.AbandonAfter.String())
	fs.Func("abandon-after", "time after which a conversation whose visitor has gone (no widget open, no message) ends; 0 never ends one (PARLEY_ABANDON_AFTER, default 30m)", func(v string) error {
		abandon = v
		return nil
	})
	fs.DurationVar(&c.WebhookBackoff, "webhook-backoff", envDuration(getenv, "PARLEY_WEBHOOK_BACKOFF", c.WebhookBackoff), "wait after a webhook delivery's first failure, three times longer after each next, 8 attempts in all (PARLEY_WEBHOOK_BACKOFF)")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", envDuration(getenv, "PARLEY_WEBHOOK_TIMEOUT", c.WebhookTimeout), "time limit of one webhook request (PARLEY_WEBHOOK_TIMEOUT)")
	fs.StringVar(&c.AdminPassword, "admin-password", envOr(getenv, "PARLEY_ADMIN_PASSWORD", ""), "password of the user admin created on first start (PARLEY_ADMIN_PASSWORD)")
	fs.StringVar(&proxies, "trusted-proxies", envOr(getenv, "PARLEY_TRUSTED_PROXIES", ""), "comma-separated CIDRs whose X-Forwarded-For is believed (PARLEY_TRUSTED_PROXIES)")
	fs.StringVar(&rateLimit, "rate-limit", envOr(getenv, "PARLEY_RATE_LIMIT", "on"), "on or off (PARLEY_RATE_LIMIT)")
	fs.StringVar(&secureCookies, "secure-cookies", envOr(getenv, "PARLEY_SECURE_COOKIES", "auto"), "auto: the session cookie is Secure over TLS or when a trusted proxy says https; always: Secure on every request (PARLEY_SECURE_COOKIES)")
	var smtpPort, smtpPasswordFile string
	fs.StringVar(&c.SMTP.Host, "smtp-host", envOr(getenv, "PARLEY_SMTP_HOST", ""), "SMTP server that sends the emails (replies to left messages, transcripts, notices); empty sends none (PARLEY_SMTP_HOST)")
	fs.StringVar(&smtpPort, "smtp-port", envOr(getenv, "PARLEY_SMTP_PORT", ""), "SMTP port (PARLEY_SMTP_PORT, default 25 with --smtp-tls none, 587 with starttls, 465 with tls)")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", envOr(getenv, "PARLEY_SMTP_TLS", smtpmail.TLSStartTLS), "none, starttls or tls (PARLEY_SMTP_TLS)")
	fs.StringVar(&c.SMTP.User, "smtp-user", envOr(getenv, "PARLEY_SMTP_USER", ""), "SMTP user; empty sends without authentication (PARLEY_SMTP_USER; the password: PARLEY_SMTP_PASSWORD or --smtp-password-file)")
	fs.StringVar(&smtpPasswordFile, "smtp-password-file", envOr(getenv, "PARLEY_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password (PARLEY_SMTP_PASSWORD_FILE)")
	fs.StringVar(&c.SMTP.From, "smtp-from", envOr(getenv, "PARLEY_SMTP_FROM", ""), "sender of the emails, e.g. \"Support <support@example.com>\" (PARLEY_SMTP_FROM)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if smtpPort != "" {
		p, err := strconv.Atoi(smtpPort)
		if err != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("--smtp-port %q: want a port number from 1 to 65535", smtpPort)
		}
		c.SMTP.Port = p
	}
	c.SMTP.Password = getenv("PARLEY_SMTP_PASSWORD")
	if smtpPasswordFile != "" {
		b, err := os.ReadFile(smtpPasswordFile)
		if err != nil {
			return c, fmt.Errorf("--smtp-password-file: %w", err)
		}
		c.SMTP.Password = strings.TrimRight(string(b), "\r\n")
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		return c, fmt.Errorf("--inactivity-timeout %q: want a positive duration such as 30m or 90s", timeout)
	}
	c.InactivityTimeout = d
	d, err = time.ParseDuration(abandon)
	if err != nil || d < 0 {
		return c, fmt.Errorf("--abandon-after %q: want a duration such as 30m or 90s, or 0 to never end a conversation for want of its visitor", abandon)
	}
	c.AbandonAfter = d
	if c.WebhookBackoff <= 0 || c.WebhookTimeout <= 0 {
		return c, fmt.Errorf("--webhook-backoff and --webhook-timeout: want positive durations such as 1m or 10s")
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	switch rateLimit {
	case "on":
		c.RateLimit = true
	case "off":
		c.RateLimit = false
	default:
		return c, fmt.Errorf("--rate-limit %q: want on or off", rateLimit)
	}
	switch secureCookies {
	case "auto":
		c.AlwaysSecureCookies = false
	case "always":
		c.AlwaysSecureCookies = true
	default:
		return c, fmt.Errorf("--secure-cookies %q: want auto or always", secureCookies)
	}
	return c, c.Validate()
}

// Validate checks what flag parsing cannot.
func (c Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("--addr is empty")
	}
	if c.DB == "" {
		return fmt.Errorf("--db is empty")
	}
	if c.Bus != "" {
		if !strings.HasPrefix(c.Bus, "nats://") && !strings.HasPrefix(c.Bus, "tls://") {
			return fmt.Errorf("--bus %q: want empty (in-process) or a NATS URL such as nats://127.0.0.1:4222", redact(c.Bus))
		}
		if !c.Postgres() {
			return fmt.Errorf("--bus %q: several servers share a PostgreSQL database; a SQLite file serves one server, which needs no bus (use --db postgres://…)", redact(c.Bus))
		}
	}
	if !validCluster.MatchString(c.Cluster) {
		return fmt.Errorf("--cluster %q: want 1 to 32 letters, digits, - or _", c.Cluster)
	}
	if c.SMTP.Host != "" {
		if err := c.SMTP.Validate(); err != nil {
			return fmt.Errorf("--smtp-*: %w", err)
		}
	}
	return nil
}

var validCluster = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Postgres reports whether the database is a PostgreSQL URL rather than a SQLite file.
func (c Config) Postgres() bool { return isPostgres(c.DB) }

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// redact hides the password of a database URL in messages.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	return url[:scheme+3] + "…" + url[at:]
}

// envDuration is the duration in the variable name, or def when it is unset or not a
// duration (the flag's check then reports nothing: the default stands).
func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil {
		return d
	}
	return def
}
