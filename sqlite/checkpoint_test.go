package sqlite

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// TestCheckpointer checks that what is written reaches the database file itself while
// the store runs (the WAL is checkpointed beside the writer), and, on Linux, that the
// thread syncing the WAL before each checkpoint runs at the lowest priority while the
// process keeps its own.
func TestCheckpointer(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	s, c := openWithConversation(t, path)
	body := strings.Repeat("a message long enough to fill pages ", 50) // 1,800 bytes
	for range 300 {
		if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	const want = 300 * 1800 // the messages' bodies alone
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 10 s, want at least %d: the WAL was not checkpointed", fi.Size(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if runtime.GOOS != "linux" {
		return
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	nices := map[int]int{}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "stat"))
		if err != nil {
			continue // the thread has exited
		}
		// The fields after the command's closing parenthesis: state is field 3, nice 19.
		_, rest, _ := strings.Cut(string(stat), ") ")
		fields := strings.Fields(rest)
		nice, err := strconv.Atoi(fields[19-3])
		if err != nil {
			t.Fatalf("task %s: stat %q", task.Name(), stat)
		}
		nices[nice]++
	}
	if nices[19] == 0 {
		t.Errorf("no thread at nice 19 (threads by nice: %v): the WAL syncer's priority was not lowered", nices)
	}
	if nices[0] == 0 {
		t.Errorf("no thread left at nice 0 (threads by nice: %v): the whole process was lowered", nices)
	}
}

// TestWALStartsOverUnderLoad checks that the WAL stays bounded while messages are stored
// without a pause: past the restart size, the checkpointer catches up with the writer and
// the WAL starts over (the checkpoint sequence number in its header goes up, and the
// file stops growing), every message kept. The same messages stored with no checkpointer
// at all give the size of a WAL that never starts over; the test counts messages, not
// time, so that a slow machine (the race detector, a busy disk) writes as much.
func TestWALStartsOverUnderLoad(t *testing.T) {
	every, restartAt := checkpointEvery, walRestartSize
	t.Cleanup(func() { checkpointEvery, walRestartSize = every, restartAt }) // after the stores' Close
	const messages = 1000
	walRestartSize = 256 << 10

	checkpointEvery = time.Hour // no checkpoint in this run
	restarts, never := storeWithoutPause(t, messages)
	if restarts != 0 {
		t.Fatalf("with no checkpoint, the WAL started over %d times", restarts)
	}
	// A checkpoint every 5 ms: the 1,000 messages may take as little as 0.3 s (seen
	// here), and at 50 ms the few checkpoints of so short a run restarted the WAL only
	// once or twice.
	checkpointEvery = 5 * time.Millisecond
	restarts, size := storeWithoutPause(t, messages)
	if restarts < 2 || size >= never/2 {
		t.Errorf("the WAL started over %d times while %d messages were stored; its file is %d bytes, %d without checkpoints: want at least two restarts and under half the size", restarts, messages, size, never)
	}
	t.Logf("%d messages: the WAL started over %d times, its file is %d bytes (%d without checkpoints)", messages, restarts, size, never)
}

// storeWithoutPause stores n messages of 1,800 bytes one after the other in a new
// database, which it closes, and returns how many times the WAL started over meanwhile
// and the size of its file at the end. It checks that every message was kept.
func storeWithoutPause(t *testing.T, n int) (restarts int, size int64) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	s, c := openWithConversation(t, path)
	body := strings.Repeat("a message long enough to fill pages ", 50)
	seq := uint32(0)
	for range n {
		if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: body}); err != nil {
			t.Fatal(err)
		}
		// The WAL header: magic, format, page size, then the checkpoint sequence number,
		// which each restart increments.
		f, err := os.Open(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		var hdr [16]byte
		_, err = f.ReadAt(hdr[:], 0)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint32(hdr[12:]); got != seq {
			seq = got
			restarts++
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != n+1 {
		t.Errorf("%d messages stored, want %d", len(msgs), n+1)
	}
	// Its checkpointer reads the knobs the next run sets.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return restarts, fi.Size()
}
