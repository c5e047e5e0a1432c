// Command parley-load measures a running Parley through its public API only, as its
// visitors and operators use it: it creates operators and a channel, connects consoles
// and visitor WebSockets, sends messages both ways at a fixed rate (open loop) and reports
// delivery latency, losses, connection rates and the server's CPU and memory.
//
// It also serves a bare WebSocket relay (parley-load relay) that speaks the same few
// endpoints without storage, assignment rules or authentication, so that every figure can
// be compared with what the transport alone costs on the same machine.
//
// Every run is bounded in messages, connections and time, and targets loopback only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  parley-load [flags]                 run a scenario against a running Parley (parley-load -h)
  parley-load relay [--addr ADDR]     serve the bare WebSocket relay (the baseline)
  parley-load summary FILE.json...    medians of several JSON reports, Parley beside the relay
  parley-load startup --parley BIN --db FILE   time from exec to a healthy /healthz
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "relay":
			return relayCommand(ctx, args[1:], stdout, stderr)
		case "summary":
			return summaryCommand(args[1:], stdout)
		case "startup":
			return startupCommand(ctx, args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, usage)
			return nil
		}
	}
	cfg, err := ParseConfig(args, stderr)
	if err != nil {
		return err
	}
	// The tool's heap is small and short-lived: collecting less often leaves more of its
	// one core for sending and receiving.
	debug.SetGCPercent(400)
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := Run(ctx, cfg, stderr)
	if rep != nil {
		rep.WriteTable(stdout)
		if cfg.JSON != "" {
			if werr := rep.WriteJSONFile(cfg.JSON); werr != nil && err == nil {
				err = werr
			}
		}
	}
	return err
}

// Scenarios.
const (
	ScenarioIdle    = "idle"
	ScenarioSteady  = "steady"
	ScenarioMax     = "max"
	ScenarioConnect = "connect"
	ScenarioAssign  = "assign"
)

// Limits that keep every run bounded, whatever the flags say.
const (
	maxMessages      = 5_000_000
	maxConversations = 100_000
	maxOperators     = 10_000
	maxDuration      = 10 * time.Minute
)

// Config is one run of the load tool.
type Config struct {
	Scenario      string
	URL           string // Parley's address; must be loopback
	AdminLogin    string
	AdminPassword string

	Operators     int
	Conversations int           // live conversations (steady, max), visitors (idle, connect), starts (assign)
	Cap           int           // the channel's max ongoing conversations per operator, 0 for none
	Rate          float64       // messages per second, over all conversations (steady; first step of max)
	Duration      time.Duration // sending time (steady; each step of max)
	Grace         time.Duration // wait for late deliveries after the last send
	Hold          time.Duration // idle: how long the connections are held before memory is read
	Concurrency   int           // connections being opened (or conversations started) at a time
	Workers       int           // senders (HTTP keep-alive connections) for messages
	BodySize      int           // bytes of each message body
	Send          string        // how messages are sent: ws (a frame on the sender's WebSocket, as the widget and console do) or http (a POST each)

	MaxP99      time.Duration // max: a step fails when its p99 passes this
	StepFactor  float64       // max: each step's rate is the previous one's times this
	MaxRate     float64       // max: never try more than this
	MaxSteps    int           // max: at most this many steps
	Refine      int           // max: steps between the highest rate held and the lowest failed, after the first failure by latency
	Pacer       string        // timerfd or spin
	SourceIPs   int           // bind client sockets to 127.0.0.2… (1: let the kernel choose)
	ServerPID   int           // read the server's CPU and memory from /proc when set
	Baseline    bool          // start the bare relay as a child process and run against it
	BaselineCPU int           // pin that child to this CPU (-1: inherit)
	Timeout     time.Duration // the whole run, set-up included
	JSON        string        // write the report there too
	Latencies   string        // write each message's latency there, in the order they were due
	Label       string        // free text copied into the report (e.g. "parley" or "relay")
	CPUProfile  string        // write the tool's own CPU profile there
}

// How messages are sent.
const (
	SendWS   = "ws"
	SendHTTP = "http"
)

// DefaultConfig returns the defaults of a scenario.
func DefaultConfig(scenario string) Config {
	c := Config{
		Scenario:      scenario,
		URL:           "http://127.0.0.1:8080",
		AdminLogin:    "admin",
		Operators:     20,
		Conversations: 1000,
		Rate:          2000,
		Duration:      10 * time.Second,
		Grace:         5 * time.Second,
		Hold:          3 * time.Second,
		Concurrency:   50,
		Workers:       64,
		BodySize:      64,
		Send:          SendWS,
		MaxP99:        100 * time.Millisecond,
		StepFactor:    1.25,
		MaxRate:       100_000,
		MaxSteps:      12,
		Pacer:         defaultPacer,
		SourceIPs:     1,
		BaselineCPU:   -1,
		Timeout:       10 * time.Minute,
	}
	switch scenario {
	case ScenarioIdle:
		c.Operators, c.Conversations = 200, 10_000
	case ScenarioMax:
		c.Duration = 5 * time.Second
	case ScenarioConnect:
		c.Operators, c.Conversations = 1, 10_000
	case ScenarioAssign:
		c.Operators, c.Conversations, c.Cap = 1000, 5000, 5
	}
	return c
}

// ParseConfig reads the flags. The scenario is read first, since it sets the defaults.
func ParseConfig(args []string, stderr io.Writer) (Config, error) {
	scenario := ScenarioSteady
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "scenario" && strings.HasPrefix(a, "-") {
			if hasVal {
				scenario = val
			} else if i+1 < len(args) {
				scenario = args[i+1]
			}
		}
	}
	c := DefaultConfig(scenario)
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Scenario, "scenario", c.Scenario, "idle, steady, max, connect or assign")
	fs.StringVar(&c.URL, "url", c.URL, "Parley's address (loopback only)")
	fs.StringVar(&c.AdminLogin, "admin-login", c.AdminLogin, "admin login, to create operators and a channel")
	fs.StringVar(&c.AdminPassword, "admin-password", os.Getenv("PARLEY_ADMIN_PASSWORD"), "admin password (PARLEY_ADMIN_PASSWORD)")
	fs.IntVar(&c.Operators, "operators", c.Operators, "operators created, each with a console connected")
	fs.IntVar(&c.Conversations, "conversations", c.Conversations, "conversations, each with its visitor's WebSocket (assign: conversations started at once)")
	fs.IntVar(&c.Cap, "cap", c.Cap, "the channel's cap of ongoing conversations per operator (0: none)")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "messages per second, both directions together (max: the first step)")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "sending time (max: of each step)")
	fs.DurationVar(&c.Grace, "grace", c.Grace, "how long late deliveries are awaited after the last send")
	fs.DurationVar(&c.Hold, "hold", c.Hold, "idle: how long connections are held before the server's memory is read")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "connections opened (or conversations started) at a time")
	fs.IntVar(&c.Workers, "workers", c.Workers, "message senders, each with its keep-alive HTTP connection")
	fs.IntVar(&c.BodySize, "body-size", c.BodySize, "bytes of each message body")
	fs.StringVar(&c.Send, "send", c.Send, "how messages are sent: ws (a send frame on the sender's WebSocket, as the widget and console do) or http (a POST per message)")
	fs.DurationVar(&c.MaxP99, "max-p99", c.MaxP99, "max: a step fails when its p99 passes this")
	fs.Float64Var(&c.StepFactor, "step-factor", c.StepFactor, "max: each step's rate is the previous one's times this")
	fs.Float64Var(&c.MaxRate, "max-rate", c.MaxRate, "max: the highest rate tried")
	fs.IntVar(&c.MaxSteps, "max-steps", c.MaxSteps, "max: at most this many steps")
	fs.IntVar(&c.Refine, "refine", c.Refine, "max: after the first step that fails by its p99 alone, this many more, each halfway (geometrically) between the highest rate held and the lowest failed")
	fs.StringVar(&c.Pacer, "pacer", c.Pacer, "how sends are timed: timerfd (Linux) or spin (sleep, then spin the last millisecond)")
	fs.IntVar(&c.SourceIPs, "source-ips", c.SourceIPs, "bind client sockets to this many source addresses 127.0.0.2… (for more than ~28,000 connections)")
	fs.IntVar(&c.ServerPID, "server-pid", c.ServerPID, "the server's process id: report its CPU and memory from /proc")
	fs.BoolVar(&c.Baseline, "baseline", c.Baseline, "start the bare relay (parley-load relay) as a child process and run against it instead of --url")
	fs.IntVar(&c.BaselineCPU, "baseline-cpu", c.BaselineCPU, "with --baseline: pin the relay to this CPU (like taskset -c)")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "the whole run, set-up included, stops after this")
	fs.StringVar(&c.JSON, "json", c.JSON, "also write the report as JSON to this file")
	fs.StringVar(&c.Label, "label", c.Label, "a label copied into the report")
	fs.StringVar(&c.Latencies, "latencies", c.Latencies, "write each message's delivery latency in ms to this file, a line per message in the order they were due (0: not delivered); the last step's, for finding when the slow ones came")
	fs.StringVar(&c.CPUProfile, "cpuprofile", c.CPUProfile, "write the load tool's own CPU profile to this file (to see whether the tool is the limit)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	return c, c.Validate()
}

// Validate checks that the run is possible and bounded.
func (c *Config) Validate() error {
	switch c.Scenario {
	case ScenarioIdle, ScenarioSteady, ScenarioMax, ScenarioConnect, ScenarioAssign:
	default:
		return fmt.Errorf("--scenario %q: want idle, steady, max, connect or assign", c.Scenario)
	}
	if !c.Baseline {
		if err := checkLoopback(c.URL); err != nil {
			return err
		}
	}
	switch {
	case c.Operators < 1 || c.Operators > maxOperators:
		return fmt.Errorf("--operators %d: want 1 to %d", c.Operators, maxOperators)
	case c.Conversations < 1 || c.Conversations > maxConversations:
		return fmt.Errorf("--conversations %d: want 1 to %d", c.Conversations, maxConversations)
	case c.Cap < 0:
		return fmt.Errorf("--cap %d: want 0 (no cap) or more", c.Cap)
	case c.Rate <= 0 || c.Rate > 1_000_000:
		return fmt.Errorf("--rate %g: want more than 0 and at most 1,000,000 messages per second", c.Rate)
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("--duration %s: want more than 0 and at most %s", c.Duration, maxDuration)
	case c.Grace < 0 || c.Grace > time.Minute:
		return fmt.Errorf("--grace %s: want 0 to 1m", c.Grace)
	case c.Hold < 0 || c.Hold > maxDuration:
		return fmt.Errorf("--hold %s: want 0 to %s", c.Hold, maxDuration)
	case c.Concurrency < 1 || c.Concurrency > 10_000:
		return fmt.Errorf("--concurrency %d: want 1 to 10,000", c.Concurrency)
	case c.Workers < 1 || c.Workers > 10_000:
		return fmt.Errorf("--workers %d: want 1 to 10,000", c.Workers)
	case c.BodySize < 1 || c.BodySize > 4000:
		return fmt.Errorf("--body-size %d: want 1 to 4,000 (Parley's limit)", c.BodySize)
	case c.StepFactor <= 1:
		return fmt.Errorf("--step-factor %g: want more than 1", c.StepFactor)
	case c.MaxSteps < 1 || c.MaxSteps > 50:
		return fmt.Errorf("--max-steps %d: want 1 to 50", c.MaxSteps)
	case c.Refine < 0 || c.Refine > 10:
		return fmt.Errorf("--refine %d: want 0 to 10", c.Refine)
	case c.MaxRate < c.Rate:
		return fmt.Errorf("--max-rate %g is below --rate %g", c.MaxRate, c.Rate)
	case c.SourceIPs < 1 || c.SourceIPs > 250:
		return fmt.Errorf("--source-ips %d: want 1 to 250", c.SourceIPs)
	case c.Timeout <= 0 || c.Timeout > time.Hour:
		return fmt.Errorf("--timeout %s: want more than 0 and at most 1h", c.Timeout)
	case c.Send != SendWS && c.Send != SendHTTP:
		return fmt.Errorf("--send %q: want ws or http", c.Send)
	case c.Pacer != "timerfd" && c.Pacer != "spin":
		return fmt.Errorf("--pacer %q: want timerfd or spin", c.Pacer)
	}
	if c.Pacer == "timerfd" && !haveTimerfd {
		return errors.New("--pacer timerfd needs Linux; use --pacer spin")
	}
	messages := c.Rate * c.Duration.Seconds()
	if c.Scenario == ScenarioMax {
		messages = c.MaxRate * c.Duration.Seconds()
	}
	if (c.Scenario == ScenarioSteady || c.Scenario == ScenarioMax) && messages > maxMessages {
		return fmt.Errorf("--rate × --duration is %.0f messages: at most %d per run (or step)", messages, maxMessages)
	}
	if (c.Scenario == ScenarioSteady || c.Scenario == ScenarioMax) && c.Conversations < 1 {
		return errors.New("--conversations must be at least 1 to send messages")
	}
	return nil
}

// checkLoopback refuses any target but this machine: the tool is a load generator, and
// pointing it at someone else's server would be an attack.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want an address such as http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--url %q: parley-load only targets this machine's loopback (127.0.0.0/8, ::1 or localhost), not %q", raw, host)
	}
	return nil
}
