package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley"
)

// testCannedResponses: shared responses are everyone's and personal ones their owner's;
// a shortcut is unique, whatever its case, within its scope only; a refused change
// changes nothing; uses are counted, concurrent ones too, and order the list.
func testCannedResponses(t *testing.T, s parley.Store) {
	ctx := t.Context()
	alice := mustUser(t, s, "alice")
	bob := mustUser(t, s, "bob")

	hello := mustCanned(t, s, 0, "hello", "Hello, how can I help you?")
	if !hello.Shared || hello.ID == 0 || hello.Uses != 0 {
		t.Fatalf("shared response %+v", hello)
	}
	mine := mustCanned(t, s, alice.ID, "bye", "Goodbye, and have a nice day!")
	if mine.Shared || mine.OwnerID != alice.ID {
		t.Fatalf("personal response %+v", mine)
	}
	// The same shortcut in another scope is another shortcut: bob's, and alice's own
	// beside the shared one.
	bobs := mustCanned(t, s, bob.ID, "bye", "Bye!")
	mustCanned(t, s, alice.ID, "HELLO", "Hi, I am Alice.")

	t.Run("read back", func(t *testing.T) {
		got, err := s.CannedResponse(ctx, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantCanned(t, got, mine)
		if !got.CreatedAt.Equal(t0) {
			t.Errorf("created at %s, want %s", formatTime(got.CreatedAt), formatTime(t0))
		}
	})

	t.Run("visible to each", func(t *testing.T) {
		wantShortcuts(t, s, alice.ID, "bye(alice) hello(shared) HELLO(alice)")
		wantShortcuts(t, s, bob.ID, "bye(bob) hello(shared)")
	})

	t.Run("conflicts, whatever the case", func(t *testing.T) {
		for _, tc := range []struct {
			owner    int64
			shortcut string
			message  string
		}{
			{0, "Hello", `A shared canned response already has the shortcut ":Hello".`},
			{alice.ID, "BYE", `You already have a canned response with the shortcut ":BYE".`},
			{bob.ID, "bye", `You already have a canned response with the shortcut ":bye".`},
		} {
			err := s.CreateCannedResponse(ctx, &parley.CannedResponse{OwnerID: tc.owner, Shortcut: tc.shortcut, Body: "x", CreatedAt: t0})
			wantCode(t, err, parley.ECONFLICT)
			if got := parley.ErrorMessage(err); got != tc.message {
				t.Errorf("message %q, want %q", got, tc.message)
			}
		}
		_, err := s.UpdateCannedResponse(ctx, bobs.ID, parley.CannedResponseUpdate{Shortcut: ptr("bye"), Body: ptr("changed")})
		if err != nil {
			t.Errorf("keeping its own shortcut: %v", err)
		}
		_, err = s.UpdateCannedResponse(ctx, mine.ID, parley.CannedResponseUpdate{Shortcut: ptr("Hello"), Body: ptr("lost")})
		wantCode(t, err, parley.ECONFLICT)
		got, _ := s.CannedResponse(ctx, mine.ID)
		wantCanned(t, got, mine) // neither the shortcut nor the body changed
		wantShortcuts(t, s, alice.ID, "bye(alice) hello(shared) HELLO(alice)")
	})

	t.Run("update", func(t *testing.T) {
		got, err := s.UpdateCannedResponse(ctx, mine.ID, parley.CannedResponseUpdate{Body: ptr("See you!\nBye.")})
		if err != nil {
			t.Fatal(err)
		}
		want := *mine
		want.Body = "See you!\nBye."
		wantCanned(t, got, &want)
		got, err = s.UpdateCannedResponse(ctx, mine.ID, parley.CannedResponseUpdate{Shortcut: ptr("see-you")})
		if err != nil {
			t.Fatal(err)
		}
		want.Shortcut = "see-you"
		wantCanned(t, got, &want)
		// The old shortcut is free again.
		mustCanned(t, s, alice.ID, "bye", "Bye bye.")
	})

	t.Run("uses", func(t *testing.T) {
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() { errs <- s.UseCannedResponse(ctx, bobs.ID) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.UseCannedResponse(ctx, hello.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := s.CannedResponse(ctx, bobs.ID)
		if got.Uses != n {
			t.Errorf("uses %d, want %d", got.Uses, n)
		}
		// Most used first, then by shortcut whatever its case, then oldest first.
		wantShortcuts(t, s, bob.ID, "bye(bob) hello(shared)")
		wantShortcuts(t, s, alice.ID, "hello(shared) bye(alice) HELLO(alice) see-you(alice)")
	})

	t.Run("delete", func(t *testing.T) {
		if err := s.DeleteCannedResponse(ctx, hello.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.CannedResponse(ctx, hello.ID)
		wantCode(t, err, parley.ENOTFOUND)
		wantShortcuts(t, s, bob.ID, "bye(bob)")
		mustCanned(t, s, 0, "hello", "Hello again.")
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.CannedResponse(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.UpdateCannedResponse(ctx, 9999, parley.CannedResponseUpdate{Body: ptr("x")})
		wantCode(t, err, parley.ENOTFOUND)
		wantCode(t, s.DeleteCannedResponse(ctx, 9999), parley.ENOTFOUND)
		wantCode(t, s.UseCannedResponse(ctx, 9999), parley.ENOTFOUND)
		err = s.CreateCannedResponse(ctx, &parley.CannedResponse{OwnerID: 9999, Shortcut: "x", Body: "x"})
		wantCode(t, err, parley.ENOTFOUND)
	})
}

func mustCanned(tb testing.TB, s parley.Store, owner int64, shortcut, body string) *parley.CannedResponse {
	tb.Helper()
	cr := &parley.CannedResponse{OwnerID: owner, Shortcut: shortcut, Body: body, CreatedAt: t0}
	if err := s.CreateCannedResponse(tb.Context(), cr); err != nil {
		tb.Fatalf("create canned response %q: %v", shortcut, err)
	}
	return cr
}

func wantCanned(tb testing.TB, got, want *parley.CannedResponse) {
	tb.Helper()
	if got.ID != want.ID || got.Shortcut != want.Shortcut || got.Body != want.Body || got.Shared != want.Shared ||
		got.OwnerID != want.OwnerID || got.Uses != want.Uses || !got.CreatedAt.Equal(want.CreatedAt) {
		tb.Errorf("canned response\n got %+v\nwant %+v", got, want)
	}
}

// wantShortcuts checks the list the user sees, in order, as "shortcut(owner)".
func wantShortcuts(tb testing.TB, s parley.Store, userID int64, want string) {
	tb.Helper()
	list, err := s.CannedResponses(tb.Context(), userID)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, cr := range list {
		owner := "shared"
		if !cr.Shared {
			u, err := s.User(tb.Context(), cr.OwnerID)
			if err != nil {
				tb.Fatal(err)
			}
			owner = u.Login
		}
		got = append(got, fmt.Sprintf("%s(%s)", cr.Shortcut, owner))
	}
	if g := strings.Join(got, " "); g != want {
		tb.Errorf("canned responses of user %d: %s, want %s", userID, g, want)
	}
}
