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
// file stops growing), every message kept.
func TestWALStartsOverUnderLoad(t *testing.T) {
	every, restartAt := checkpointEvery, walRestartSize
	t.Cleanup(func() { checkpointEvery, walRestartSize = every, restartAt }) // after the store's Close
	checkpointEvery, walRestartSize = 50*time.Millisecond, 256<<10
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	s, c := openWithConversation(t, path)

	written := 0 // bytes of message bodies
	body := strings.Repeat("a message long enough to fill pages ", 50)
	restarts, seq := 0, uint32(0)
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); {
		if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: body}); err != nil {
			t.Fatal(err)
		}
		written += len(body)
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
		if n := binary.BigEndian.Uint32(hdr[12:]); n != seq {
			seq = n
			restarts++
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Without restarts the WAL holds every page written: ten times the messages' bytes.
	if restarts < 2 || fi.Size() >= 3*int64(written) {
		t.Errorf("the WAL started over %d times while %d bytes of messages were written; its file is %d bytes: want at least two restarts and a file under three times the messages", restarts, written, fi.Size())
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != written/len(body)+1 {
		t.Errorf("%d messages stored, want %d", len(msgs), written/len(body)+1)
	}
	t.Logf("%d bytes of messages; the WAL started over %d times, its file is %d bytes", written, restarts, fi.Size())
}
