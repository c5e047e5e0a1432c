package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleychat/parley/postgres/pgtest"
)

// cluster is what docs/DEPLOY.md describes, on loopback: two Parley processes on one
// PostgreSQL and one NATS, behind a real nginx run with the page's configuration.
type cluster struct {
	servers []*clusterServer
	lb      *testServer // nginx
	args    []string    // the flags every server gets
}

type clusterServer struct {
	*testServer
	proc *exec.Cmd
	addr string
}

// mustCluster starts the cluster, each test on a database schema and a NATS subject
// space of its own.
func mustCluster(t *testing.T) *cluster {
	t.Helper()
	return mustClusterOn(t, os.Getenv("PARLEY_TEST_NATS"))
}

// mustClusterOn starts the cluster on the NATS at natsURL: a test that restarts NATS
// runs one of its own rather than the shared PARLEY_TEST_NATS.
func mustClusterOn(t *testing.T, natsURL string) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("runs two servers, PostgreSQL, NATS and nginx; skipped with -short")
	}
	nginx := os.Getenv("PARLEY_TEST_NGINX")
	if natsURL == "" || nginx == "" {
		t.Skip("PARLEY_TEST_NATS or PARLEY_TEST_NGINX not set: the test command sets them")
	}
	name := "t" + strings.ToLower(rand.Text()[:10])
	// Registered before the servers start, so it runs after they stop.
	t.Cleanup(func() { deleteBuckets(t, natsURL, clusterBuckets(name)) })
	c := &cluster{args: []string{
		"--db", pgtest.URL(t),
		"--bus", natsURL,
		"--cluster", name,
		"--trusted-proxies", "127.0.0.1/32",
		"--admin-password", adminPassword,
	}}
	for range 2 {
		c.servers = append(c.servers, c.start(t, "127.0.0.1:0"))
	}
	c.lb = startNginx(t, c.servers)
	return c
}

// deleteBuckets deletes a cluster's JetStream buckets, so that test runs do not pile
// them up in a shared NATS. A NATS that is gone (a test's own, stopped) keeps them.
func deleteBuckets(t *testing.T, natsURL string, b bucketNames) {
	nc, err := nats.Connect(natsURL, nats.Timeout(2*time.Second))
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Logf("delete the cluster's buckets: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, name := range []string{b.presence, b.activity, b.leader} {
		if err := js.DeleteKeyValue(ctx, name); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Logf("delete bucket %s: %v", name, err)
		}
	}
}

// start runs one more server of the cluster on addr.
func (c *cluster) start(t *testing.T, addr string) *clusterServer {
	t.Helper()
	proc, s := startParley(t, append([]string{"--addr", addr}, c.args...)...)
	return &clusterServer{testServer: s, proc: proc, addr: strings.TrimPrefix(s.URL, "http://")}
}

// kill ends a server as a crash would: no drain, no goodbye to its clients.
func (s *clusterServer) kill(t *testing.T) {
	t.Helper()
	if err := s.proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.proc.Wait()
}

var nginxBlock = regexp.MustCompile("(?s)```nginx\n(.*?)```")
var upstreamServer = regexp.MustCompile(`(?m)^(\s*)server 10\.0\.0\.\d+:8080( [^;]*)?;\n`)

// startNginx runs nginx with the configuration of docs/DEPLOY.md, its upstream servers
// replaced by the cluster's and listening on a free loopback port.
func startNginx(t *testing.T, servers []*clusterServer) *testServer {
	t.Helper()
	doc, err := os.ReadFile("../../docs/DEPLOY.md")
	if err != nil {
		t.Fatal(err)
	}
	m := nginxBlock.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/DEPLOY.md has no nginx configuration")
	}
	site := string(m[1])
	first := true
	site = upstreamServer.ReplaceAllStringFunc(site, func(line string) string {
		if !first {
			return ""
		}
		first = false
		sm := upstreamServer.FindStringSubmatch(line)
		var b strings.Builder
		for _, s := range servers {
			fmt.Fprintf(&b, "%sserver %s%s;\n", sm[1], s.addr, sm[2])
		}
		return b.String()
	})
	port := freePort(t)
	if !strings.Contains(site, "listen 80;") {
		t.Fatal("docs/DEPLOY.md's nginx configuration does not listen on port 80")
	}
	site = strings.Replace(site, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port), 1)

	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[2]s
}
`, dir, site)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Getenv("PARLEY_TEST_NGINX"), "-p", dir, "-c", path)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output: %s\nerror.log: %s", out, log)
		}
	})
	lb := &testServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(lb.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return lb
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer /healthz within 10 s: %v %s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A visitor on one server and an operator on the other chat as on one server: the
// conversation is assigned to the operator the other server sees online, and messages,
// typing and read marks cross both ways.
func TestClusterVisitorAndOperatorOnDifferentServers(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	aliceID, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website"})
	c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	aliceWS := a.console(t, alice)

	waitAvailable(t, c, ch) // B sees Alice, online on A
	started := b.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello from B", "client_id": "cluster-first-message"}).object(t)
	if got := path(started, "conversation", "operator", "name"); got != "Alice" {
		t.Fatalf("conversation started on B went to %v, want Alice (online on A)", got)
	}
	conv := num(path(started, "conversation", "id"))
	visitor := started["visitor_token"].(string)
	ev := aliceWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == conv })
	if num(path(ev, "conversation", "operator", "id")) != aliceID {
		t.Fatalf("conversation event on A = %v", ev)
	}
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Hello from B" })
	visitorWS := b.dial(t, "/livechat/ws?token="+visitor, nil)
	aliceOnB := b.console(t, alice) // her second tab, on the other server

	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	if ev := visitorWS.expect(t, "typing", nil); ev["name"] != "Alice" {
		t.Fatalf("typing event on B = %v", ev)
	}
	visitorWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	aliceWS.expect(t, "typing", func(ev map[string]any) bool { return num(ev["conversation_id"]) == conv })

	a.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Hi, Alice here"})
	visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Hi, Alice here" })
	visitorWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Thanks!", "client_id": "cluster-second-message"})
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Thanks!" })

	// Read on A: her tab on B drops the unread count.
	a.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", conv), alice, map[string]int{"seq": 3})
	aliceOnB.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && num(path(ev, "conversation", "unread")) == 0
	})

	// Logout on A closes her sockets on B.
	a.must(t, 204, "DELETE", "/api/session", alice, nil)
	select {
	case <-aliceOnB.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("logout on A left Alice's WebSocket on B open")
	}
}

// Forty conversations started at once, through nginx and so over both servers, never push
// an operator past the cap nor go to two operators; the queue then drains exactly once.
func TestClusterConcurrentStartsAndQueue(t *testing.T) {
	c := mustCluster(t)
	admin := c.lb.adminToken(t)
	const capacity, starts = 3, 40
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": capacity})
	type op struct {
		id    int64
		token string
		ws    *wsClient
	}
	var ops []op
	for i, s := range c.servers {
		id, tok := c.lb.mustOperator(t, admin, fmt.Sprintf("op%d", i), nil)
		c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), tok, nil)
		ops = append(ops, op{id, tok, s.console(t, tok)})
	}
	waitAvailable(t, c, ch)

	// Each visitor comes from an address of its own, told by nginx in X-Forwarded-For:
	// with rate limits on, forty starts from one address would be refused.
	var wg sync.WaitGroup
	convs := make([]int64, starts)
	tokens := make([]string, starts)
	for i := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/livechat/channels/%d/conversations", c.lb.URL, ch), jsonBody(map[string]any{"body": fmt.Sprintf("visitor %d", i)}))
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var out struct {
				Token        string `json:"visitor_token"`
				Conversation struct {
					ID int64 `json:"id"`
				} `json:"conversation"`
			}
			if resp.StatusCode != 201 {
				t.Errorf("start %d: status %d", i, resp.StatusCode)
				return
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Error(err)
				return
			}
			convs[i], tokens[i] = out.Conversation.ID, out.Token
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	owner := map[int64]int64{} // conversation → operator, from the store
	for _, o := range ops {
		var list []map[string]any
		c.servers[0].must(t, 200, "GET", "/api/conversations", o.token, nil).decode(t, &list)
		active := 0
		for _, cv := range list {
			if cv["status"] == "active" && num(path(cv, "operator", "id")) == o.id {
				active++
				if prev, ok := owner[num(cv["id"])]; ok {
					t.Fatalf("conversation %v assigned to %d and %d", cv["id"], prev, o.id)
				}
				owner[num(cv["id"])] = o.id
			}
		}
		if active != capacity {
			t.Fatalf("operator %d has %d active conversations, want the cap, %d", o.id, active, capacity)
		}
	}

	// Each operator ends their conversations one by one: the queue moves up, every
	// queued conversation assigned once, never past the cap.
	assignedTo := map[int64][]int64{} // conversation → operators told it is theirs
	var mu sync.Mutex
	for round := 0; len(owner) < starts && round < starts; round++ {
		for _, o := range ops {
			var mine []int64
			for id, who := range owner {
				if who == o.id {
					mine = append(mine, id)
				}
			}
			if len(mine) == 0 {
				continue
			}
			c.servers[1].must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", mine[0]), o.token, nil)
			owner[mine[0]] = -1
		}
		time.Sleep(200 * time.Millisecond)
		for _, o := range ops {
			drainEvents(o.ws, func(ev map[string]any) {
				if ev["type"] == "conversation" && path(ev, "conversation", "status") == "active" {
					id := num(path(ev, "conversation", "id"))
					mu.Lock()
					if _, seen := owner[id]; !seen {
						owner[id] = o.id
						assignedTo[id] = append(assignedTo[id], o.id)
					} else if who := owner[id]; who != o.id && who != -1 {
						t.Errorf("conversation %d told active to %d, already %d's", id, o.id, who)
					}
					mu.Unlock()
				}
			})
		}
	}
	if len(owner) != starts {
		t.Fatalf("%d of %d conversations were ever assigned", len(owner), starts)
	}
	for id, who := range assignedTo {
		if len(who) != 1 {
			t.Errorf("conversation %d assigned %d times: %v", id, len(who), who)
		}
	}
	for i, tok := range tokens {
		got := c.lb.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", convs[i]), tok, nil).object(t)
		if got["status"] == "queued" {
			t.Errorf("conversation %d still queued", convs[i])
		}
	}
}

// A server killed in the middle of a conversation: its clients reconnect through nginx to
// the other one and, asking for what came after the last seq they saw, get every
// acknowledged message once.
func TestClusterServerKilledMidConversation(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	_, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website"})
	c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	a.console(t, alice)
	started := b.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
	conv, visitor := num(path(started, "conversation", "id")), started["visitor_token"].(string)
	visitorWS := b.dial(t, "/livechat/ws?token="+visitor, nil)

	// Both sides send through nginx while B dies.
	type side struct {
		path, token string
		acked       []string
	}
	sides := []*side{
		{fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, nil},
		{fmt.Sprintf("/api/conversations/%d/messages", conv), alice, nil},
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, sd := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("side%d-%d", i, n)
				for try := 0; try < 20; try++ { // a lost answer is sent again, with the same client_id
					req, _ := http.NewRequest("POST", c.lb.URL+sd.path, jsonBody(map[string]string{"body": id, "client_id": id}))
					req.Header.Set("Authorization", "Bearer "+sd.token)
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 201 || resp.StatusCode == 200 {
							sd.acked = append(sd.acked, id)
							break
						}
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	b.kill(t)
	select {
	case <-visitorWS.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the visitor's WebSocket on the killed server stayed open")
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	// The visitor reconnects through nginx (to A now), then catches up from the last seq
	// it saw before the kill.
	var lastSeen int64
	drainEvents(visitorWS, func(ev map[string]any) {
		if ev["type"] == "message" {
			lastSeen = max(lastSeen, num(path(ev, "message", "seq")))
		}
	})
	c.lb.dial(t, "/livechat/ws?token="+visitor, nil)
	var missed []map[string]any
	c.lb.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages?after=%d", conv, lastSeen), visitor, nil).decode(t, &missed)
	var all []map[string]any
	c.lb.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, nil).decode(t, &all)
	count := map[string]int{}
	for i, m := range all {
		if num(m["seq"]) != int64(i+1) {
			t.Fatalf("message %d has seq %v: a gap or a duplicate", i, m["seq"])
		}
		count[m["body"].(string)]++
	}
	if len(missed) != len(all)-int(lastSeen) {
		t.Fatalf("after=%d gave %d messages, want %d", lastSeen, len(missed), len(all)-int(lastSeen))
	}
	total := 0
	for _, sd := range sides {
		total += len(sd.acked)
		for _, id := range sd.acked {
			if count[id] != 1 {
				t.Errorf("acknowledged %s stored %d times", id, count[id])
			}
		}
	}
	t.Logf("%d messages acknowledged around the kill, all stored once; the visitor had seen up to seq %d", total, lastSeen)
}

// waitAvailable waits until every server sees the channel's operators online.
func waitAvailable(t *testing.T, c *cluster, ch int64) {
	t.Helper()
	for _, s := range c.servers {
		deadline := time.Now().Add(5 * time.Second)
		for {
			st := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
			if st["available"] == true {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server %s does not see the channel's operators online", s.URL)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// drainEvents hands every event already received to f.
func drainEvents(c *wsClient, f func(ev map[string]any)) {
	for {
		select {
		case ev := <-c.events:
			f(ev)
		default:
			return
		}
	}
}
