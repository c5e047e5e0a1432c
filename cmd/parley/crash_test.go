package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// mustBinary builds the parley command once for the tests that run it as a process.
func mustBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parley-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "parley")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binary
}

// mustProcessWithChannel runs parley as a process on a new database with one channel.
func mustProcessWithChannel(t *testing.T) (proc *exec.Cmd, s *testServer, db string, channel int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	db = filepath.Join(t.TempDir(), "parley.db")
	proc, s = startProcess(t, db)
	channel = s.mustChannel(t, s.adminToken(t), map[string]any{"name": "Website"})
	return proc, s, db, channel
}

var listening = regexp.MustCompile(`msg="parley is listening" addr=(http://\S+)`)

// startProcess runs parley as a separate process on db and returns it with its URL.
func startProcess(tb testing.TB, db string) (*exec.Cmd, *testServer) {
	tb.Helper()
	return startParley(tb, "--addr", "127.0.0.1:0", "--db", db, "--admin-password", adminPassword, "--rate-limit", "off")
}

// startParley runs parley serve with args as a separate process and returns it with its URL.
func startParley(tb testing.TB, args ...string) (*exec.Cmd, *testServer) {
	tb.Helper()
	cmd := exec.Command(mustBinary(tb), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
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
	case url := <-found:
		return cmd, &testServer{URL: url}
	case <-time.After(30 * time.Second):
		tb.Fatal("parley did not start within 30 s")
		return nil, nil
	}
}

// Nothing acknowledged is lost: clients send while the server is killed with SIGKILL;
// after a restart, every message that was answered 201 is stored exactly once, and the
// clients' resends (same client_id) are answered with the stored message, not a copy.
func TestKilledServerLosesNothingAcknowledged(t *testing.T) {
	proc, s, db, ch := mustProcessWithChannel(t)

	const visitors = 6
	type sender struct {
		token   string
		conv    int64
		acked   []string // client ids answered 201 or 200
		pending string   // the client id in flight when the server died
		body    map[string]string
	}
	senders := make([]*sender, visitors)
	for i := range senders {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello", "client_id": fmt.Sprintf("v%d-start", i)}).object(t)
		senders[i] = &sender{token: out["visitor_token"].(string), conv: num(path(out, "conversation", "id")), body: map[string]string{}}
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, snd := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("v%d-m%d", i, n)
				snd.body[id] = fmt.Sprintf("message %d of visitor %d", n, i)
				r, err := trySend(s.URL, snd.conv, snd.token, snd.body[id], id)
				if err != nil {
					snd.pending = id // the answer was lost: unknown whether it was stored
					return
				}
				if r != http.StatusCreated {
					t.Errorf("send %s: status %d", id, r)
					return
				}
				snd.acked = append(snd.acked, id)
			}
		}()
	}
	time.Sleep(400 * time.Millisecond)
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	close(stop)
	wg.Wait()

	_, s = startProcess(t, db)
	total := 0
	for i, snd := range senders {
		total += len(snd.acked)
		if len(snd.acked) == 0 {
			t.Fatalf("visitor %d got no acknowledgement before the kill", i)
		}
		// The client resends what it is unsure of, and (to prove the deduplication) the
		// last message it was sure of.
		resend := []string{snd.acked[len(snd.acked)-1]}
		if snd.pending != "" {
			resend = append(resend, snd.pending)
		}
		for _, id := range resend {
			r := s.call(t, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", snd.conv), snd.token, map[string]string{"body": snd.body[id], "client_id": id})
			if r.Status != http.StatusOK && r.Status != http.StatusCreated {
				t.Fatalf("resend %s: %d %s", id, r.Status, r.Body)
			}
			if id == snd.acked[len(snd.acked)-1] && r.Status != http.StatusOK {
				t.Fatalf("resend of acknowledged %s answered %d, want 200 (already stored)", id, r.Status)
			}
			snd.acked = append(snd.acked, id)
		}

		var msgs []map[string]any
		s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", snd.conv), snd.token, nil).decode(t, &msgs)
		count := map[string]int{}
		for j, m := range msgs {
			if num(m["seq"]) != int64(j+1) {
				t.Fatalf("visitor %d: message %d has seq %v: gap or duplicate", i, j, m["seq"])
			}
			if id, _ := m["client_id"].(string); id != "" {
				count[id]++
				if want := snd.body[id]; want != "" && m["body"] != want {
					t.Errorf("%s stored as %q, want %q", id, m["body"], want)
				}
			}
		}
		for _, id := range snd.acked {
			if count[id] != 1 {
				t.Errorf("acknowledged %s stored %d times, want exactly once", id, count[id])
			}
		}
	}
	t.Logf("%d messages acknowledged before SIGKILL, all stored exactly once", total)
}

// trySend posts one visitor message and returns the status, or an error when no answer came.
func trySend(base string, conv int64, token, body, clientID string) (int, error) {
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/livechat/conversations/%d/messages", base, conv),
		jsonBody(map[string]string{"body": body, "client_id": clientID}))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// SIGTERM drains: a request in flight when the signal comes is finished and answered,
// while new connections are refused; the process then exits cleanly, and what it
// answered is stored.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	proc, s, db, ch := mustProcessWithChannel(t)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	token, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))

	// A request is in flight: its headers and half its body are sent when SIGTERM comes.
	addr := strings.TrimPrefix(s.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"body":"sent across the shutdown"}`
	fmt.Fprintf(conn, "POST /livechat/conversations/%d/messages HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", conv, addr, token, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for range 100 { // the listener closes: new connections are refused
		if c, err := net.Dial("tcp", addr); err != nil {
			refused = true
			break
		} else {
			c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Fatal("new connections were still accepted 2 s after SIGTERM")
	}
	io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight was cut: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the request in flight was answered %d, want 201", resp.StatusCode)
	}
	if err := proc.Wait(); err != nil {
		t.Fatalf("parley exited with %v after SIGTERM, want 0", err)
	}

	_, s = startProcess(t, db)
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), token, nil).decode(t, &msgs)
	if len(msgs) != 2 || msgs[1]["body"] != "sent across the shutdown" {
		t.Fatalf("stored messages %v", msgs)
	}
}
