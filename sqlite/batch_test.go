package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

// Senders whose context never ends (as a WebSocket frame's does not) each get an answer
// when the store closes under them: stored, or refused as closed, never a wait without
// end. Every message answered as stored is in the database when it is opened again. Each
// sender sends until it is refused, so that every one of them meets the close whatever
// the machine's speed.
func TestAddMessageAnsweredWhenStoreCloses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s, c := openWithConversation(t, path)
	const senders = 32
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		stored = map[string]bool{}
		closed int
	)
	for i := range senders {
		wg.Go(func() {
			for j := 0; ; j++ {
				body := fmt.Sprintf("%d-%d", i, j)
				_, _, err := s.AddMessage(context.Background(), parley.NewMessage{ConversationID: c.ID,
					Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, Body: body, Now: time.Now()})
				mu.Lock()
				switch {
				case err == nil:
					stored[body] = true
				case errors.Is(err, groupcommit.ErrClosed):
					closed++
				default:
					t.Errorf("message %s: %v", body, err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	for { // close once some messages are stored, while the senders are still at it
		mu.Lock()
		n := len(stored)
		mu.Unlock()
		if n >= 50 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("senders still waiting 30 s after the store closed")
	}
	if closed != senders {
		t.Fatalf("%d senders refused as closed of %d: want each to end with that answer", closed, senders)
	}

	s2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	msgs, err := s2.Messages(t.Context(), c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, m := range msgs {
		if stored[m.Body] {
			kept++
		}
	}
	if kept != len(stored) {
		t.Fatalf("%d of the %d messages answered as stored are in the database", kept, len(stored))
	}
}
