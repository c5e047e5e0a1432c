package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Report is what one run measured. Its JSON form is stable: every field is always
// present (zero when the scenario does not measure it).
type Report struct {
	Scenario        string           `json:"scenario"`
	Target          string           `json:"target"` // "parley" or "relay"
	Label           string           `json:"label"`
	URL             string           `json:"url"`
	RunID           string           `json:"run_id"`
	StartedAt       time.Time        `json:"started_at"`
	WallSeconds     float64          `json:"wall_seconds"`     // the whole run, set-up included
	MeasuredSeconds float64          `json:"measured_seconds"` // the measured phase
	Config          ReportConfig     `json:"config"`
	Connections     Connections      `json:"connections"`
	Messages        Messages         `json:"messages"` // steady; max: the highest step held
	Steps           []Step           `json:"steps"`    // max
	HighestRateHeld float64          `json:"highest_rate_held"`
	Assign          AssignResult     `json:"assign"`
	Errors          map[string]int64 `json:"errors"`
	Server          ServerStats      `json:"server"`
	Tool            ToolStats        `json:"tool"`
	Warnings        []string         `json:"warnings"`
}

// ReportConfig is the part of the run's configuration that shapes its figures.
type ReportConfig struct {
	Operators     int     `json:"operators"`
	Conversations int     `json:"conversations"`
	Cap           int     `json:"cap"`
	Rate          float64 `json:"rate"`
	DurationS     float64 `json:"duration_seconds"`
	Concurrency   int     `json:"concurrency"`
	Workers       int     `json:"workers"`
	BodySize      int     `json:"body_size"`
	Pacer         string  `json:"pacer"`
	Send          string  `json:"send"`
}

// Connections are the WebSockets the run held and how fast the visitors' were opened.
type Connections struct {
	Held        int         `json:"held"` // the most open at once
	Operators   int         `json:"operators"`
	Visitors    int         `json:"visitors"`
	Opened      int         `json:"opened"` // visitor sockets opened in the timed phase
	OpenSeconds float64     `json:"open_seconds"`
	PerSecond   float64     `json:"per_second"`
	HandshakeMs Percentiles `json:"handshake_ms"`
}

// Messages is what happened to the messages of one sending phase.
type Messages struct {
	Rate               float64     `json:"rate"`
	DurationSeconds    float64     `json:"duration_seconds"`
	Planned            int         `json:"planned"`
	Sent               int         `json:"sent"`
	Acknowledged       int         `json:"acknowledged"`
	Failed             int         `json:"failed"`
	Delivered          int         `json:"delivered"`
	Lost               int         `json:"lost"`       // acknowledged, never delivered within the grace
	Duplicated         int         `json:"duplicated"` // delivered more than once
	Misrouted          int         `json:"misrouted"`  // delivered to a socket not of that conversation
	DeliveredPerSecond float64     `json:"delivered_per_second"`
	LatencyMs          Percentiles `json:"latency_ms"`  // scheduled send to delivery
	SendLagMs          Percentiles `json:"send_lag_ms"` // scheduled send to the request's start: the tool's own delay
}

// Percentiles of a distribution, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

// Step is one rate of the max scenario.
type Step struct {
	Rate             float64  `json:"rate"`
	Held             bool     `json:"held"`
	Reason           string   `json:"reason"`
	Refining         bool     `json:"refining"` // a step of --refine, after the first that failed
	Messages         Messages `json:"messages"`
	ServerCPUPercent float64  `json:"server_cpu_percent"` // of one core, during this step
	ToolCPUPercent   float64  `json:"tool_cpu_percent"`
}

// AssignResult is the assign scenario's outcome and its check.
type AssignResult struct {
	Operators        int     `json:"operators"`
	Cap              int     `json:"cap"`
	Conversations    int     `json:"conversations"`
	Assigned         int     `json:"assigned"`
	Queued           int     `json:"queued"`
	ExpectedAssigned int     `json:"expected_assigned"`
	Seconds          float64 `json:"seconds"`
	PerSecond        float64 `json:"per_second"` // conversations assigned per second
	StartsPerSecond  float64 `json:"starts_per_second"`
	MaxPerOperator   int     `json:"max_per_operator"`
	OverCap          int     `json:"over_cap"`
	AssignedTwice    int     `json:"assigned_twice"`
	Mismatched       int     `json:"mismatched"`
	Check            string  `json:"check"` // "ok", or what is wrong
}

// ServerStats come from the server's /proc, over the measured phase.
type ServerStats struct {
	PID                 int     `json:"pid"` // 0: not measured
	CPUSeconds          float64 `json:"cpu_seconds"`
	CPUPercent          float64 `json:"cpu_percent"` // of one core
	RSSBeforeKiB        int64   `json:"rss_before_kib"`
	RSSAfterKiB         int64   `json:"rss_after_kib"`
	PeakRSSKiB          int64   `json:"peak_rss_kib"` // VmHWM
	RSSPerConnectionKiB float64 `json:"rss_per_connection_kib"`
}

// ToolStats is the load tool's own CPU over the measured phase.
type ToolStats struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
	Saturated  bool    `json:"saturated"`   // above toolCPULimit: the tool may be the limit
}

// toolCPULimit is the share of its core above which the tool, not the server, may be
// what limits the figures.
const toolCPULimit = 85

func newReport(cfg Config, runID string) *Report {
	return &Report{
		Scenario:  cfg.Scenario,
		Label:     cfg.Label,
		URL:       cfg.URL,
		RunID:     runID,
		StartedAt: time.Now().UTC().Truncate(time.Second),
		Config: ReportConfig{
			Operators: cfg.Operators, Conversations: cfg.Conversations, Cap: cfg.Cap,
			Rate: cfg.Rate, DurationS: cfg.Duration.Seconds(), Concurrency: cfg.Concurrency,
			Workers: cfg.Workers, BodySize: cfg.BodySize, Pacer: cfg.Pacer, Send: cfg.Send,
		},
		Steps:    []Step{},
		Errors:   map[string]int64{},
		Warnings: []string{},
	}
}

// finish adds the warnings that a reader of the figures must see.
func (rep *Report) finish() {
	if rep.Tool.CPUPercent > toolCPULimit {
		rep.Tool.Saturated = true
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the load tool used %.0f%% of a core: above %d%%, the tool, not the server, may be the limit", rep.Tool.CPUPercent, toolCPULimit))
	}
	if rep.Server.PID == 0 {
		rep.Warnings = append(rep.Warnings, "no --server-pid: the server's CPU and memory were not measured")
	}
}

// percentiles summarises nanosecond values (negative ones count as zero) in milliseconds.
func percentiles(ns []int64) Percentiles {
	h := hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3) // microseconds
	for _, v := range ns {
		h.RecordValue(max(0, v) / 1e3)
	}
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	ms := func(us int64) float64 { return float64(us) / 1e3 }
	return Percentiles{
		Count: h.TotalCount(),
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
		Mean:  h.Mean() / 1e3,
	}
}

// WriteTable prints the report for a person.
func (rep *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{name}, args...)...)
	}
	row("scenario", "%s against %s (%s), run %s", rep.Scenario, rep.Target, rep.URL, rep.RunID)
	c := rep.Config
	row("config", "%d operators, %d conversations, cap %d, rate %.0f/s for %gs, concurrency %d, %d senders, %d-byte bodies, pacer %s, sent by %s",
		c.Operators, c.Conversations, c.Cap, c.Rate, c.DurationS, c.Concurrency, c.Workers, c.BodySize, c.Pacer, c.Send)
	row("connections held", "%d (%d operator consoles, %d visitors)", rep.Connections.Held, rep.Connections.Operators, rep.Connections.Visitors)
	if rep.Connections.Opened > 0 {
		h := rep.Connections.HandshakeMs
		row("new connections/s", "%.0f (%d in %.2f s; handshake p50 %.2f ms, p99 %.2f ms, max %.2f ms)",
			rep.Connections.PerSecond, rep.Connections.Opened, rep.Connections.OpenSeconds, h.P50, h.P99, h.Max)
	}
	if rep.Scenario == ScenarioSteady || rep.Scenario == ScenarioMax {
		for _, st := range rep.Steps {
			verdict := "held"
			if !st.Held {
				verdict = "failed: " + st.Reason
			}
			label := fmt.Sprintf("step %.0f/s", st.Rate)
			if st.Refining {
				label = fmt.Sprintf("refine %.0f/s", st.Rate)
			}
			row(label, "p99 %.2f ms, delivered %d of %d sent, server CPU %.0f%%, tool CPU %.0f%%: %s",
				st.Messages.LatencyMs.P99, st.Messages.Delivered, st.Messages.Sent, st.ServerCPUPercent, st.ToolCPUPercent, verdict)
		}
		if rep.Scenario == ScenarioMax {
			row("highest rate held", "%.0f messages/s (p99 under the limit, nothing lost)", rep.HighestRateHeld)
		}
		m := rep.Messages
		row("messages sent", "%d of %d planned (%d acknowledged, %d failed)", m.Sent, m.Planned, m.Acknowledged, m.Failed)
		row("delivered", "%d (%.0f/s)", m.Delivered, m.DeliveredPerSecond)
		row("lost", "%d", m.Lost)
		row("duplicated", "%d", m.Duplicated)
		if m.Misrouted > 0 {
			row("misrouted", "%d", m.Misrouted)
		}
		l := m.LatencyMs
		row("delivery latency", "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms", l.P50, l.P90, l.P99, l.P999, l.Max)
		row("send lag (tool)", "p99 %.3f ms, max %.3f ms", m.SendLagMs.P99, m.SendLagMs.Max)
	}
	if rep.Scenario == ScenarioAssign {
		a := rep.Assign
		row("assignments/s", "%.0f (%d assigned, %d queued of %d started in %.2f s)", a.PerSecond, a.Assigned, a.Queued, a.Conversations, a.Seconds)
		row("assignment check", "%s (cap %d, at most %d per operator, %d over the cap, %d assigned twice, %d mismatched)",
			a.Check, a.Cap, a.MaxPerOperator, a.OverCap, a.AssignedTwice, a.Mismatched)
	}
	if len(rep.Errors) == 0 {
		row("errors", "none")
	}
	kinds := make([]string, 0, len(rep.Errors))
	for k := range rep.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		row("error", "%d × %s", rep.Errors[k], k)
	}
	if s := rep.Server; s.PID != 0 {
		row("server CPU", "%.2f s (%.0f%% of a core) over %.1f s measured", s.CPUSeconds, s.CPUPercent, rep.MeasuredSeconds)
		row("server memory", "RSS %s before, %s after, peak %s", kib(s.RSSBeforeKiB), kib(s.RSSAfterKiB), kib(s.PeakRSSKiB))
		if s.RSSPerConnectionKiB != 0 {
			row("RSS per connection", "%.1f KiB", s.RSSPerConnectionKiB)
		}
	}
	row("tool CPU", "%.2f s (%.0f%% of a core)", rep.Tool.CPUSeconds, rep.Tool.CPUPercent)
	for _, w := range rep.Warnings {
		row("warning", "%s", w)
	}
	tw.Flush()
}

func kib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/1024) }

// WriteJSONFile writes the report as indented JSON.
func (rep *Report) WriteJSONFile(name string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}

// summaryCommand reads JSON reports and prints, per scenario (and rate), the median of
// each figure for Parley and for the relay, and their ratio.
func summaryCommand(files []string, w io.Writer) error {
	if len(files) == 0 {
		return fmt.Errorf("summary: name the JSON reports to summarise\n%s", usage)
	}
	type group struct {
		key  string
		runs map[string][]*Report // by target
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var rep Report
		if err := json.Unmarshal(b, &rep); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		key := rep.Scenario
		if rep.Scenario == ScenarioSteady {
			key = fmt.Sprintf("steady %.0f msg/s", rep.Config.Rate)
		}
		if rep.Config.Send == SendHTTP && (rep.Scenario == ScenarioSteady || rep.Scenario == ScenarioMax) {
			key += " by HTTP" // not to be mixed with runs that sent on the WebSockets
		}
		g := byKey[key]
		if g == nil {
			g = &group{key: key, runs: map[string][]*Report{}}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.runs[rep.Target] = append(g.runs[rep.Target], &rep)
	}
	// A column per target (parley, or a set-up that load.sh labels, such as cluster), the
	// relay last, then each target's ratio to the relay measured in the same runs.
	var targets []string
	for _, g := range groups {
		for t := range g.runs {
			if t != "relay" && !slices.Contains(targets, t) {
				targets = append(targets, t)
			}
		}
	}
	slices.Sort(targets)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "scenario\tfigure\t" + strings.Join(targets, "\t") + "\trelay\t"
	for _, t := range targets {
		header += t + "/relay\t"
	}
	fmt.Fprintln(tw, header+"runs\t")
	for _, g := range groups {
		var first []*Report
		for _, t := range targets {
			if len(g.runs[t]) > 0 {
				first = g.runs[t]
				break
			}
		}
		for _, f := range figures(first, g.runs["relay"]) {
			r, rn := median(g.runs["relay"], f.get)
			row, ratios, counts := g.key+"\t"+f.name+"\t", "", ""
			for _, t := range targets {
				p, pn := median(g.runs[t], f.get)
				ratio := "-"
				if pn > 0 && rn > 0 && r != 0 {
					ratio = fmt.Sprintf("%.2f", p/r)
				}
				row += show(p, pn, f.format) + "\t"
				ratios += ratio + "\t"
				counts += fmt.Sprintf("%d+", pn)
			}
			fmt.Fprintf(tw, "%s%s\t%s%s%d\t\n", row, show(r, rn, f.format), ratios, counts, rn)
		}
	}
	return tw.Flush()
}

type figure struct {
	name   string
	format string
	get    func(*Report) float64
}

// figures lists what a scenario measures.
func figures(a, b []*Report) []figure {
	var rep *Report
	if len(a) > 0 {
		rep = a[0]
	} else if len(b) > 0 {
		rep = b[0]
	} else {
		return nil
	}
	cpu := figure{"server CPU % of a core", "%.0f", func(r *Report) float64 { return r.Server.CPUPercent }}
	tool := figure{"tool CPU % of a core", "%.0f", func(r *Report) float64 { return r.Tool.CPUPercent }}
	peak := figure{"server peak RSS MiB", "%.1f", func(r *Report) float64 { return float64(r.Server.PeakRSSKiB) / 1024 }}
	switch rep.Scenario {
	case ScenarioIdle:
		return []figure{
			{"connections held", "%.0f", func(r *Report) float64 { return float64(r.Connections.Held) }},
			{"RSS per connection KiB", "%.1f", func(r *Report) float64 { return r.Server.RSSPerConnectionKiB }},
			peak, tool,
		}
	case ScenarioConnect:
		return []figure{
			{"new connections/s", "%.0f", func(r *Report) float64 { return r.Connections.PerSecond }},
			{"handshake p50 ms", "%.2f", func(r *Report) float64 { return r.Connections.HandshakeMs.P50 }},
			{"handshake p99 ms", "%.2f", func(r *Report) float64 { return r.Connections.HandshakeMs.P99 }},
			cpu, tool,
		}
	case ScenarioAssign:
		return []figure{
			{"assignments/s", "%.0f", func(r *Report) float64 { return r.Assign.PerSecond }},
			{"check ok (1 = yes)", "%.0f", func(r *Report) float64 {
				if r.Assign.Check == "ok" {
					return 1
				}
				return 0
			}},
			cpu, tool,
		}
	case ScenarioMax:
		return []figure{
			{"highest rate held msg/s", "%.0f", func(r *Report) float64 { return r.HighestRateHeld }},
			{"p99 ms at that rate", "%.2f", func(r *Report) float64 { return r.Messages.LatencyMs.P99 }},
			{"tool CPU % in the first failed step", "%.0f", func(r *Report) float64 {
				for _, st := range r.Steps {
					if !st.Held {
						return st.ToolCPUPercent
					}
				}
				return 0
			}},
			{"server CPU % in the first failed step", "%.0f", func(r *Report) float64 {
				for _, st := range r.Steps {
					if !st.Held {
						return st.ServerCPUPercent
					}
				}
				return 0
			}},
		}
	default:
		return []figure{
			{"delivered/s", "%.0f", func(r *Report) float64 { return r.Messages.DeliveredPerSecond }},
			{"lost + duplicated", "%.0f", func(r *Report) float64 { return float64(r.Messages.Lost + r.Messages.Duplicated) }},
			{"p50 ms", "%.3f", func(r *Report) float64 { return r.Messages.LatencyMs.P50 }},
			{"p90 ms", "%.3f", func(r *Report) float64 { return r.Messages.LatencyMs.P90 }},
			{"p99 ms", "%.3f", func(r *Report) float64 { return r.Messages.LatencyMs.P99 }},
			{"p99.9 ms", "%.3f", func(r *Report) float64 { return r.Messages.LatencyMs.P999 }},
			{"max ms", "%.3f", func(r *Report) float64 { return r.Messages.LatencyMs.Max }},
			cpu, tool, peak,
		}
	}
}

// median of a figure over runs (the mean of the middle two for an even count).
func median(runs []*Report, get func(*Report) float64) (float64, int) {
	if len(runs) == 0 {
		return 0, 0
	}
	vs := make([]float64, len(runs))
	for i, r := range runs {
		vs[i] = get(r)
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], n
	}
	return (vs[n/2-1] + vs[n/2]) / 2, n
}

func show(v float64, n int, format string) string {
	if n == 0 {
		return "-"
	}
	return strings.TrimSpace(fmt.Sprintf(format, v))
}
