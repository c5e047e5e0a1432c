package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run each scenario for a moment, at a small scale, against a real Parley (the
// parley binary, built and started as a process with --rate-limit off) and against the
// relay. They assert only what must be exact: every message delivered once, nothing lost,
// the report consistent. They never assert a time.

const adminPassword = "load-test-admin-1"

var (
	buildMu  sync.Mutex
	binaries = map[string]string{}
	binDir   string

	parleyOnce sync.Once
	parleyURL  string
	parleyPID  int
	parleyErr  error
	parleyCmd  *exec.Cmd
)

func TestMain(m *testing.M) {
	code := m.Run()
	if parleyCmd != nil {
		parleyCmd.Process.Kill()
		parleyCmd.Wait()
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// mustBuild builds a command of this module once (without the race detector: the
// server's speed is not what the tests look at, and its own tests race-check it).
func mustBuild(tb testing.TB, pkg, name string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := binaries[pkg]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "parley-load-bin-")
		if err != nil {
			tb.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	binaries[pkg] = bin
	return bin
}

var listening = regexp.MustCompile(`msg="parley is listening" addr=(http://\S+)`)

// mustParley starts one Parley process for the whole test binary; each run creates its
// own operators and channel, so runs do not disturb each other.
func mustParley(tb testing.TB) (url string, pid int) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs the parley binary; skipped with -short")
	}
	bin := mustBuild(tb, "../parley", "parley")
	parleyOnce.Do(func() {
		db := filepath.Join(binDir, "parley.db")
		cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--db", db, "--admin-password", adminPassword, "--rate-limit", "off")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			parleyErr = err
			return
		}
		if err := cmd.Start(); err != nil {
			parleyErr = err
			return
		}
		parleyCmd = cmd
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if m := listening.FindStringSubmatch(sc.Text()); m != nil {
					found <- m[1]
				}
			}
		}()
		select {
		case parleyURL = <-found:
			parleyPID = cmd.Process.Pid
		case <-time.After(30 * time.Second):
			parleyErr = fmt.Errorf("parley did not start within 30 s")
		}
	})
	if parleyErr != nil {
		tb.Fatal(parleyErr)
	}
	return parleyURL, parleyPID
}

// startRelay serves the relay in this process.
func startRelay(tb testing.TB) string {
	tb.Helper()
	srv := httptest.NewServer(newRelay().handler())
	tb.Cleanup(srv.Close)
	return srv.URL
}

func small(scenario, url string, pid int) Config {
	c := DefaultConfig(scenario)
	c.URL, c.AdminPassword, c.ServerPID = url, adminPassword, pid
	c.Operators, c.Conversations = 4, 40
	c.Rate, c.Duration = 400, 2*time.Second
	c.Grace = 15 * time.Second // ends as soon as everything arrived
	c.Hold = 200 * time.Millisecond
	c.Concurrency, c.Workers = 10, 8
	c.Timeout = 2 * time.Minute
	return c
}

func mustRun(t *testing.T, cfg Config) *Report {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), cfg, t.Output())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	t.Log("\n" + table.String())
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	return rep
}

// checkMessages asserts what must hold of any sending phase, however fast the machine.
func checkMessages(t *testing.T, m Messages) {
	t.Helper()
	if m.Planned == 0 || m.Sent != m.Planned {
		t.Errorf("sent %d of %d planned", m.Sent, m.Planned)
	}
	if m.Acknowledged != m.Sent || m.Failed != 0 {
		t.Errorf("%d sent, %d acknowledged, %d failed", m.Sent, m.Acknowledged, m.Failed)
	}
	if m.Delivered != m.Sent || m.Lost != 0 || m.Duplicated != 0 || m.Misrouted != 0 {
		t.Errorf("%d sent, %d delivered, %d lost, %d duplicated, %d misrouted", m.Sent, m.Delivered, m.Lost, m.Duplicated, m.Misrouted)
	}
	l := m.LatencyMs
	if l.Count != int64(m.Delivered) {
		t.Errorf("latency histogram holds %d values for %d deliveries", l.Count, m.Delivered)
	}
	if !(0 < l.P50 || l.Max == 0) || !(l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
		t.Errorf("percentiles out of order: %+v", l)
	}
	if m.DeliveredPerSecond <= 0 {
		t.Errorf("delivered per second %g", m.DeliveredPerSecond)
	}
}

// checkReport asserts the report's fields agree with each other and survive JSON.
func checkReport(t *testing.T, rep *Report, cfg Config) {
	t.Helper()
	if rep.Scenario != cfg.Scenario || rep.RunID == "" {
		t.Errorf("scenario %q, run %q", rep.Scenario, rep.RunID)
	}
	if rep.Connections.Held < rep.Connections.Operators+rep.Connections.Visitors {
		t.Errorf("held %d connections, fewer than %d operators + %d visitors", rep.Connections.Held, rep.Connections.Operators, rep.Connections.Visitors)
	}
	if s := rep.Server; cfg.ServerPID != 0 {
		if s.PID != cfg.ServerPID || s.CPUSeconds < 0 || s.RSSAfterKiB <= 0 || s.PeakRSSKiB < s.RSSAfterKiB {
			t.Errorf("server figures inconsistent: %+v", s)
		}
	}
	if rep.Tool.CPUSeconds < 0 || rep.Tool.Saturated != (rep.Tool.CPUPercent > toolCPULimit) {
		t.Errorf("tool figures inconsistent: %+v", rep.Tool)
	}

	file := filepath.Join(t.TempDir(), "report.json")
	if err := rep.WriteJSONFile(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var back Report
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("decode the JSON report: %v", err)
	}
	if !reflect.DeepEqual(back.Messages, rep.Messages) || !reflect.DeepEqual(back.Errors, rep.Errors) || back.Server != rep.Server {
		t.Errorf("the JSON report differs from the report")
	}
	// Every field is present, even those the scenario does not fill.
	var keys map[string]json.RawMessage
	json.Unmarshal(data, &keys)
	for _, want := range jsonKeys(reflect.TypeOf(Report{})) {
		if _, ok := keys[want]; !ok {
			t.Errorf("JSON report lacks %q", want)
		}
	}
	rt := reflect.TypeOf(Report{})
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Type.Kind() != reflect.Struct || f.Type == reflect.TypeOf(time.Time{}) {
			continue
		}
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		var sub map[string]json.RawMessage
		json.Unmarshal(keys[name], &sub)
		for _, want := range jsonKeys(f.Type) {
			if _, ok := sub[want]; !ok {
				t.Errorf("JSON report lacks %s.%s", name, want)
			}
		}
	}
}

func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		keys = append(keys, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
	}
	return keys
}

// Messages sent as WebSocket frames (as the widget and console send them) and as HTTP
// requests: every one acknowledged and delivered once, to the right socket.
func TestSteadyAgainstParley(t *testing.T) {
	url, pid := mustParley(t)
	for _, send := range []string{SendWS, SendHTTP} {
		t.Run(send, func(t *testing.T) {
			cfg := small(ScenarioSteady, url, pid)
			cfg.Send = send
			cfg.Latencies = filepath.Join(t.TempDir(), "latencies.txt")
			rep := mustRun(t, cfg)
			if rep.Target != "parley" || rep.Config.Send != send {
				t.Errorf("target %q sent by %q, want parley by %q", rep.Target, rep.Config.Send, send)
			}
			if rep.Connections.Held != cfg.Operators+cfg.Conversations || rep.Connections.Opened != cfg.Conversations {
				t.Errorf("held %d, opened %d; want %d and %d", rep.Connections.Held, rep.Connections.Opened, cfg.Operators+cfg.Conversations, cfg.Conversations)
			}
			if want := int(cfg.Rate * cfg.Duration.Seconds()); rep.Messages.Planned != want {
				t.Errorf("planned %d messages, want %d", rep.Messages.Planned, want)
			}
			checkMessages(t, rep.Messages)
			checkReport(t, rep, cfg)
			checkLatencies(t, cfg.Latencies, rep.Messages)
		})
	}
}

// checkLatencies asserts that the file of --latencies holds a latency for every message,
// agreeing with the report's count and maximum.
func checkLatencies(t *testing.T, path string, m Messages) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(data))
	delivered, highest := 0, 0.0
	for _, l := range lines {
		ms, err := strconv.ParseFloat(l, 64)
		if err != nil || ms < 0 {
			t.Fatalf("latencies file line %q: not a latency in ms", l)
		}
		if ms > 0 {
			delivered++
		}
		highest = max(highest, ms)
	}
	if len(lines) != m.Planned || delivered != m.Delivered {
		t.Errorf("latencies file: %d lines, %d delivered; want %d and %d", len(lines), delivered, m.Planned, m.Delivered)
	}
	if math.Abs(highest-m.LatencyMs.Max) > 0.01*m.LatencyMs.Max+0.01 {
		t.Errorf("latencies file's highest %.3f ms, the report's max %.3f ms", highest, m.LatencyMs.Max)
	}
}

// The assign check at a small scale: 20 operators with a cap of 2 take 40 of 100
// conversations, none more than 2, none twice; the other 60 wait in the queue.
func TestAssignAgainstParley(t *testing.T) {
	url, pid := mustParley(t)
	cfg := small(ScenarioAssign, url, pid)
	cfg.Operators, cfg.Conversations, cfg.Cap = 20, 100, 2
	rep := mustRun(t, cfg)
	checkAssign(t, rep, 40)
	checkReport(t, rep, cfg)
}

func checkAssign(t *testing.T, rep *Report, want int) {
	t.Helper()
	a := rep.Assign
	if a.Check != "ok" || a.Assigned != want || a.ExpectedAssigned != want || a.Queued != a.Conversations-want ||
		a.OverCap != 0 || a.AssignedTwice != 0 || a.Mismatched != 0 || a.MaxPerOperator != a.Cap {
		t.Errorf("assign: %+v", a)
	}
	if a.PerSecond <= 0 {
		t.Errorf("assignments per second %g", a.PerSecond)
	}
}

func TestIdleAndConnectAgainstParley(t *testing.T) {
	url, pid := mustParley(t)
	for _, scenario := range []string{ScenarioIdle, ScenarioConnect} {
		t.Run(scenario, func(t *testing.T) {
			cfg := small(scenario, url, pid)
			cfg.Operators = 2
			rep := mustRun(t, cfg)
			if rep.Connections.Held != cfg.Operators+cfg.Conversations || rep.Connections.Opened != cfg.Conversations || rep.Connections.PerSecond <= 0 {
				t.Errorf("connections: %+v", rep.Connections)
			}
			h := rep.Connections.HandshakeMs
			if h.Count != int64(cfg.Conversations) || !(h.P50 <= h.P99 && h.P99 <= h.Max) {
				t.Errorf("handshakes: %+v", h)
			}
			checkReport(t, rep, cfg)
		})
	}
}

// The relay answers the same client code: every scenario runs against it too.
func TestRelay(t *testing.T) {
	url := startRelay(t)
	for _, send := range []string{SendWS, SendHTTP} {
		t.Run("steady-"+send, func(t *testing.T) {
			cfg := small(ScenarioSteady, url, 0)
			cfg.Send = send
			rep := mustRun(t, cfg)
			if rep.Target != "relay" {
				t.Errorf("target %q, want relay", rep.Target)
			}
			checkMessages(t, rep.Messages)
			checkReport(t, rep, cfg)
		})
	}
	t.Run("assign", func(t *testing.T) {
		cfg := small(ScenarioAssign, url, 0)
		cfg.Operators, cfg.Conversations, cfg.Cap = 20, 100, 2
		checkAssign(t, mustRun(t, cfg), 40)
	})
	t.Run("max", func(t *testing.T) {
		cfg := small(ScenarioMax, url, 0)
		cfg.Rate, cfg.Duration, cfg.StepFactor, cfg.MaxSteps = 200, 500*time.Millisecond, 2, 2
		rep := mustRun(t, cfg)
		if n := len(rep.Steps); n < 1 || n > 2 {
			t.Fatalf("%d steps, want 1 or 2", n)
		}
		for _, st := range rep.Steps {
			if st.Held {
				checkMessages(t, st.Messages)
			}
		}
		if held := rep.HighestRateHeld; held != 0 && !slices.ContainsFunc(rep.Steps, func(s Step) bool { return s.Held && s.Rate == held }) {
			t.Errorf("highest rate held %g is no step's that held", held)
		}
		checkReport(t, rep, cfg)
	})
}

// The command as documented: --baseline starts the relay as a child process, the report
// goes to stdout and to --json, and the child is stopped at the end.
func TestCommandBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the parley-load binary; skipped with -short")
	}
	bin := mustBuild(t, ".", "parley-load")
	file := filepath.Join(t.TempDir(), "relay.json")
	out, err := exec.Command(bin, "--baseline", "--scenario", "steady", "--operators", "2", "--conversations", "10",
		"--rate", "200", "--duration", "1s", "--json", file).CombinedOutput()
	if err != nil {
		t.Fatalf("parley-load --baseline: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "steady against relay") {
		t.Errorf("no table in the output:\n%s", out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Target != "relay" || rep.Server.PID == 0 {
		t.Errorf("target %q, server pid %d: want the relay child measured", rep.Target, rep.Server.PID)
	}
	checkMessages(t, rep.Messages)

	// summary reads reports back.
	var sum bytes.Buffer
	if err := summaryCommand([]string{file}, &sum); err != nil || !strings.Contains(sum.String(), "p99 ms") {
		t.Errorf("summary: %v\n%s", err, sum.String())
	}
	// A run that posted its messages is summarised apart from one that sent them on the
	// WebSockets.
	rep.Config.Send = SendHTTP
	posted := filepath.Join(t.TempDir(), "relay-http.json")
	if b, err := json.Marshal(rep); err != nil || os.WriteFile(posted, b, 0o600) != nil {
		t.Fatal(err)
	}
	sum.Reset()
	if err := summaryCommand([]string{file, posted}, &sum); err != nil ||
		!strings.Contains(sum.String(), "steady 200 msg/s by HTTP") || !strings.Contains(sum.String(), "steady 200 msg/s  ") {
		t.Errorf("summary of a run by WebSocket and one by HTTP: %v\n%s", err, sum.String())
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.0.0.2:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://example.com", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
	} {
		err := checkLoopback(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
	if _, err := ParseConfig([]string{"--url", "http://192.0.2.1:8080"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a remote --url was not refused clearly: %v", err)
	}
}

func TestConfig(t *testing.T) {
	c, err := ParseConfig([]string{"--scenario", "idle"}, &bytes.Buffer{})
	if err != nil || c.Conversations != 10_000 || c.Operators != 200 {
		t.Errorf("idle defaults: %+v, %v", c, err)
	}
	c, err = ParseConfig([]string{"--scenario=assign", "--cap", "3"}, &bytes.Buffer{})
	if err != nil || c.Operators != 1000 || c.Conversations != 5000 || c.Cap != 3 {
		t.Errorf("assign: %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"--scenario", "fast"},
		{"--rate", "0"},
		{"--rate", "100000", "--duration", "10m"}, // too many messages
		{"--duration", "2h"},
		{"--conversations", "1000000"},
		{"--scenario", "max", "--refine", "11"},
		{"--scenario", "max", "--refine", "-1"},
	} {
		if _, err := ParseConfig(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// The max scenario's steps climb by the factor until one fails, then each refining step
// lies halfway (geometrically) between the highest rate held and the lowest failed; a
// step that lost messages ends the run.
func TestLadder(t *testing.T) {
	const held, slow, failed = stepHeld, stepSlow, stepFailed
	type outcome struct {
		rate     float64
		refining bool
		o        stepOutcome
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		steps []outcome // all of them: past them, next says the run is over
	}{
		{"refined both ways", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 1e6, Refine: 3}, []outcome{
			{1000, false, held}, {2000, false, held}, {4000, false, slow},
			{2828, true, held}, {3363, true, slow}, {3084, true, held},
		}},
		{"no refinement asked", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 1e6}, []outcome{
			{1000, false, held}, {2000, false, slow},
		}},
		{"first step failed: nothing to refine", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 1e6, Refine: 3}, []outcome{
			{1000, false, slow},
		}},
		{"max steps reached, none failed", Config{Rate: 1000, StepFactor: 2, MaxSteps: 2, MaxRate: 1e6, Refine: 3}, []outcome{
			{1000, false, held}, {2000, false, held},
		}},
		{"max rate reached", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 3000, Refine: 3}, []outcome{
			{1000, false, held}, {2000, false, held},
		}},
		{"a refining step failing above a held one", Config{Rate: 100, StepFactor: 4, MaxSteps: 10, MaxRate: 1e6, Refine: 2}, []outcome{
			{100, false, held}, {400, false, slow}, {200, true, slow}, {141, true, held},
		}},
		{"messages lost: no refinement", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 1e6, Refine: 3}, []outcome{
			{1000, false, held}, {2000, false, failed},
		}},
		{"messages lost while refining: no more", Config{Rate: 1000, StepFactor: 2, MaxSteps: 10, MaxRate: 1e6, Refine: 3}, []outcome{
			{1000, false, held}, {2000, false, slow}, {1414, true, failed},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLadder(tc.cfg)
			for i, want := range tc.steps {
				rate, refining, ok := l.next()
				if !ok || rate != want.rate || refining != want.refining {
					t.Fatalf("step %d: rate %g, refining %v, ok %v; want %g, %v", i+1, rate, refining, ok, want.rate, want.refining)
				}
				l.record(rate, want.o)
			}
			if rate, _, ok := l.next(); ok {
				t.Fatalf("a step at %g after the last", rate)
			}
		})
	}
}

func TestClientIDAndDelivery(t *testing.T) {
	id := clientID(nil, "k3x9.2", 1234, 567890)
	seq, sched, ok := parseClientID(id, "k3x9.2")
	if !ok || seq != 1234 || sched != 567890 {
		t.Errorf("parseClientID(%s) = %d, %d, %v", id, seq, sched, ok)
	}
	for _, other := range []string{"k3x9.1", "k3x9", "k3x9.21"} {
		if _, _, ok := parseClientID(id, other); ok {
			t.Errorf("%s taken for a message of %s", id, other)
		}
	}
	if _, _, ok := parseClientID([]byte("k3x9-start-3"), "k3x9.0"); ok {
		t.Error("a conversation's first message taken for a timed one")
	}
	frame := []byte(`{"type":"message","conversation_id":42,"message":{"conversation_id":42,"seq":7,"author":{"kind":"visitor","name":"V"},"body":"m k3x9.2-1234-567890 xx","created_at":"2026-01-01T00:00:00Z","client_id":"k3x9.2-1234-567890"}}`)
	conv, got, ok := parseDelivery(frame)
	if !ok || conv != 42 || string(got) != "k3x9.2-1234-567890" {
		t.Errorf("parseDelivery = %d, %s, %v", conv, got, ok)
	}
	if _, _, ok := parseDelivery([]byte(`{"type":"typing","conversation_id":42}`)); ok {
		t.Error("a typing event taken for a message")
	}
	event, msg := relayMessage(42, 7, "visitor", "hello", "k3x9.2-1234-567890")
	if conv, got, ok := parseDelivery(event); !ok || conv != 42 || string(got) != "k3x9.2-1234-567890" || !json.Valid(event) || !json.Valid(msg) {
		t.Errorf("the relay's event %s is not read as Parley's", event)
	}
	// A refused send frame is answered by an error naming its client_id.
	refusal := []byte(`{"type":"error","conversation_id":42,"client_id":"k3x9.2-1234-567890","error":{"code":"ECONFLICT","message":"Conversation 42 has ended."}}`)
	if id, code, ok := parseRefusal(refusal); !ok || string(id) != "k3x9.2-1234-567890" || string(code) != "ECONFLICT" {
		t.Errorf("parseRefusal = %s, %s, %v", id, code, ok)
	}
	if _, _, ok := parseRefusal([]byte(`{"type":"error","error":{"code":"EINVALID","message":"Unknown frame type."}}`)); ok {
		t.Error("an error naming no send taken for a refused send")
	}
}

func TestPercentiles(t *testing.T) {
	var ns []int64
	for i := 1; i <= 1000; i++ {
		ns = append(ns, int64(i)*int64(time.Microsecond))
	}
	p := percentiles(ns)
	if p.Count != 1000 || !(p.P50 <= p.P90 && p.P90 <= p.P99 && p.P99 <= p.P999 && p.P999 <= p.Max) {
		t.Errorf("%+v", p)
	}
	if p.P50 < 0.49 || p.P50 > 0.51 || p.Max < 0.99 || p.Max > 1.01 {
		t.Errorf("p50 %g ms, max %g ms; want 0.5 and 1", p.P50, p.Max)
	}
	if (percentiles(nil) != Percentiles{}) {
		t.Error("no values should give zeros")
	}
}

// The timerfd pacer wakes up at or after each deadline, never before it: deadlines on a
// one-shot timer, on the period it was given, on a period that is not a whole number of
// nanoseconds (rounded up, as the traffic's), and ones that skip ticks.
func TestPacerNeverEarly(t *testing.T) {
	const fractional = 1e9 / 14551.915228366852 // a step of the max scenario
	cases := []struct {
		name     string
		period   time.Duration
		deadline func(i int) time.Duration
	}{
		{"one-shot", 0, func(i int) time.Duration { return time.Duration(i) * 200 * time.Microsecond }},
		{"periodic", 200 * time.Microsecond, func(i int) time.Duration { return time.Duration(i) * 200 * time.Microsecond }},
		{"fractional", time.Duration(math.Ceil(fractional)), func(i int) time.Duration { return time.Duration(float64(i) * fractional) }},
		{"skipping", 100 * time.Microsecond, func(i int) time.Duration { return time.Duration(i*i) * 100 * time.Microsecond }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			p, err := newPacer(defaultPacer, start, c.period)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for i := 1; i <= 50; i++ {
				d := c.deadline(i)
				if err := p.WaitUntil(d); err != nil {
					t.Fatal(err)
				}
				if got := time.Since(start); got < d {
					t.Fatalf("woke at %s, before %s", got, d)
				}
			}
		})
	}
}

// On a run's own period the timerfd pacer arms its timer once, not once per message
// (arming was a fifth of the tool's CPU at 16,000 messages a second).
func TestPacerArmsOnce(t *testing.T) {
	if !haveTimerfd {
		t.Skip("timerfd needs Linux")
	}
	const interval = 1e9 / 5000.0
	start := time.Now()
	p, err := newPacer("timerfd", start, time.Duration(math.Ceil(interval)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 1; i <= 500; i++ {
		if err := p.WaitUntil(time.Duration(float64(i) * interval)); err != nil {
			t.Fatal(err)
		}
	}
	if arms := p.(*timerfdPacer).arms; arms > 3 {
		t.Errorf("armed %d times for 500 deadlines on its period, want 1 (a few when late)", arms)
	}
}

func TestStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the parley binary; skipped with -short")
	}
	bin := mustBuild(t, "../parley", "parley")
	var out bytes.Buffer
	db := filepath.Join(t.TempDir(), "parley.db")
	if err := startupCommand(context.Background(), []string{"--parley", bin, "--db", db, "--runs", "1"}, &out, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "start-up to healthy /healthz: median") {
		t.Errorf("output:\n%s", out.String())
	}
}
