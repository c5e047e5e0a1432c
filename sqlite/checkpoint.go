package sqlite

import (
	"context"
	"database/sql"
	"os"
	"runtime"
	"strings"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the -wal file; a checkpoint copies
// them back into the database file and syncs both, which can take many milliseconds
// while the disk flushes. SQLite runs it, by default, inside whichever commit makes the
// WAL pass 1,000 pages: every message waiting for that commit would wait for the disk
// too. The writer therefore never checkpoints; a goroutine of its own does, on its own
// connection, beside the writer (a PASSIVE checkpoint takes no lock a writer needs), and
// the writer starts the WAL over once a checkpoint has caught up with it.
//
// The WAL's sync at the start of a checkpoint is the costly part under load: the kernel
// writes back everything appended since the last one (tens of megabytes a second at
// 10,000 messages a second), and does that work in the thread that asked for the sync,
// on the server's own processor. So before each checkpoint a thread of lowered priority
// syncs the WAL first (walSyncer), and SQLite's own sync then finds little left to write.
// Durability is unchanged: SQLite still syncs what it must, in the same order; the early
// sync only moves the write-back to a thread that yields to the request handlers. It is
// a goroutine of its own, locked to its thread, rather than the checkpointer's: the
// checkpoint itself runs Go code that holds a Go processor, and a low-priority thread
// holding one would hold up every goroutine waiting for it; the syncer holds none while
// it waits in the system call.
//
// A commit starts the WAL over from its beginning only when a checkpoint has copied all of
// it, and under continuous traffic some commit always lands while a checkpoint runs: the
// WAL would grow for as long as the traffic lasts (about 60 MB a second at 10,000
// messages a second). So once the WAL is past walRestartSize the checkpointer copies what
// was committed during its pass in a second pass, then the little committed during that
// one in a third while it holds the writer's lock, so that the next commit starts the WAL
// over. Commits wait only for that third pass: 6 to 29 ms (its two syncs), seen at 8,000
// messages a second; every 4 s or so at 10,000 messages a second. The file keeps its size
// and is written over from its start: truncating it would hold the commit that does it
// (120 ms for a file of 256 MiB, measured in the third round). Writing over pages the file
// already has is also what makes the limit pay for its pauses: appending a frame to a
// growing file costs twice what writing it over an old one does (5.3 µs against 2.7 µs
// for a frame's two pwrites, measured here), so the sooner the WAL starts over, the
// cheaper each commit; 256 MiB rather than 1 GiB gave the higher rates and the shorter
// tails under load (docs/PERFORMANCE.md, seventh round).

// checkpointEvery is how often the checkpointer looks at the WAL when it is quiet.
var checkpointEvery = time.Second

// walRestartSize is the size of the WAL past which the checkpointer makes it start over.
var walRestartSize int64 = 256 << 20

// checkpointer checkpoints the database at dsn until s.quit is closed.
func (s *Store) checkpointer(dsn string) {
	defer close(s.checkpointed)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	path, _, _ := strings.Cut(dsn, "?")
	var pageSize int
	if err := db.QueryRowContext(context.Background(), `PRAGMA page_size`).Scan(&pageSize); err != nil {
		pageSize = 4096 // SQLite's default
	}
	syncWAL := walSyncer(path + "-wal")
	defer close(syncWAL)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if frames := checkpoint(db, syncWAL); frames*int64(pageSize+walFrameHeader) <= walRestartSize {
			continue
		}
		// A pass that copied the whole WAL is not enough: a transaction begun before its
		// end still commits after it, onto the WAL's end.
		checkpoint(db, syncWAL)
		// Holding the lock, no sync at low priority: commits would wait for that thread.
		s.wmu.Lock()
		checkpoint(db, nil)
		s.wmu.Unlock()
	}
}

// checkpoint syncs the WAL at low priority (unless syncWAL is nil), then copies into the
// database what no reader still needs (a PASSIVE checkpoint, which waits for nothing). It
// returns the number of frames in the WAL.
func checkpoint(db *sql.DB, syncWAL chan<- chan struct{}) int64 {
	if syncWAL != nil {
		synced := make(chan struct{})
		syncWAL <- synced
		<-synced
	}
	var busy, frames, done int64
	db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done)
	return frames
}

// walFrameHeader is the size of the header of each page in the WAL.
const walFrameHeader = 24

// walSyncer starts the thread that syncs the WAL at path, at the lowest priority the
// system allows it, each time it is sent a channel, which it closes once done. Closing
// the returned channel stops it.
func walSyncer(path string) chan<- chan struct{} {
	requests := make(chan chan struct{})
	go func() {
		// The lowered priority belongs to this thread alone. It is never unlocked: when
		// the goroutine ends the thread ends with it, rather than going back to run
		// other goroutines at that priority.
		runtime.LockOSThread()
		lowerThreadPriority()
		for synced := range requests {
			// A WAL not written yet has nothing to sync; a failed sync is SQLite's to
			// report, at its own sync.
			if f, err := os.Open(path); err == nil {
				f.Sync()
				f.Close()
			}
			close(synced)
		}
	}()
	return requests
}
