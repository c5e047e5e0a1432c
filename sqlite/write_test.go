package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley"
)

// The store runs its write transactions itself, on the writer's one connection (see
// Store.writeTx). These tests check that a transaction that fails at its COMMIT, or
// whose context ends half-way, stores nothing and leaves the connection ready for the
// next write (a transaction left open would make every later BEGIN fail), and that one
// whose context ends after its last statement is committed whole.

// messageSeqs returns the seqs of the conversation's messages, read from the file.
func messageSeqs(t *testing.T, s *Store, conversationID int64) []int64 {
	t.Helper()
	msgs, err := s.Messages(t.Context(), conversationID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]int64, len(msgs))
	for i, m := range msgs {
		seqs[i] = m.Seq
	}
	return seqs
}

func addVisitorMessage(ctx context.Context, tx *wtx, conversationID int64, body string) error {
	_, _, err := addMessage(ctx, tx, parley.NewMessage{ConversationID: conversationID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: body})
	return err
}

func TestWriteAfterFailedCommit(t *testing.T) {
	ctx := t.Context()
	s, c := openWithConversation(t, filepath.Join(t.TempDir(), "parley.db"))
	// A deferred foreign key is checked at COMMIT, which then fails and, in SQLite,
	// leaves the transaction open.
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		if err := addVisitorMessage(ctx, tx, c.ID, "lost"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES (999999, 999999, 0)`)
		return err
	})
	if !isForeignKey(err) {
		t.Fatalf("transaction breaking a deferred foreign key: %v; want a foreign key error from its COMMIT", err)
	}
	m, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: "kept"})
	if err != nil {
		t.Fatalf("write after the failed COMMIT: %v", err)
	}
	if m.Seq != 2 {
		t.Errorf("message after the failed COMMIT has seq %d; want 2", m.Seq)
	}
	if got := messageSeqs(t, s, c.ID); len(got) != 2 || got[1] != 2 {
		t.Errorf("seqs stored: %v; want [1 2]", got)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM channel_members WHERE channel_id = 999999`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows of the failed transaction: %d, %v; want 0", n, err)
	}
}

func TestWriteWhoseContextEnds(t *testing.T) {
	s, c := openWithConversation(t, filepath.Join(t.TempDir(), "parley.db"))

	// Cancelled between two statements: the second fails, nothing is stored.
	ctx, cancel := context.WithCancel(t.Context())
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := addVisitorMessage(ctx, tx, c.ID, "lost 1"); err != nil {
			return err
		}
		cancel()
		return addVisitorMessage(ctx, tx, c.ID, "lost 2")
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("transaction cancelled half-way: %v; want context.Canceled", err)
	}
	if got := messageSeqs(t, s, c.ID); len(got) != 1 {
		t.Fatalf("seqs stored after the cancelled transaction: %v; want [1]", got)
	}

	// Already cancelled: nothing starts.
	if err := s.writeTracked(ctx, func(tx *wtx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("transaction with a cancelled context: %v; want context.Canceled", err)
	}

	// Cancelled after the last statement: committed.
	ctx, cancel = context.WithCancel(t.Context())
	err = s.writeTracked(ctx, func(tx *wtx) error {
		err := addVisitorMessage(ctx, tx, c.ID, "kept")
		cancel()
		return err
	})
	if err != nil {
		t.Fatalf("transaction cancelled after its last statement: %v", err)
	}
	if got := messageSeqs(t, s, c.ID); len(got) != 2 || got[1] != 2 {
		t.Errorf("seqs stored: %v; want [1 2]", got)
	}
}
