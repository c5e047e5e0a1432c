package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the -wal file; a checkpoint copies
// them back into the database file and syncs both, which can take many milliseconds
// while the disk flushes. SQLite runs it, by default, inside whichever commit makes the
// WAL pass 1,000 pages: every message waiting for that commit would wait for the disk
// too. The writer therefore never checkpoints; a goroutine of its own does, on its own
// connection, beside the writer (a PASSIVE checkpoint takes no lock a writer needs), and
// the writer starts the WAL over once a checkpoint has caught up with it.

// checkpointEvery is how often the checkpointer looks at the WAL when it is quiet.
const checkpointEvery = time.Second

// checkpointer checkpoints the database at dsn until s.quit is closed.
func (s *Store) checkpointer(dsn string) {
	defer close(s.checkpointed)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		// PASSIVE copies what no reader still needs and waits for nothing.
		var busy, walPages, done int
		db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walPages, &done)
	}
}
