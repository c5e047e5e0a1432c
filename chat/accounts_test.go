package chat_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

// The sessions kept in memory (a minute at most) follow account changes at once: a
// password change ends the other sessions, a role change applies to the next request,
// and a disabled user's sessions end.
func TestSessionsInMemoryFollowAccounts(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice := f.mustOperator(t, "alice")
	login := func() string {
		token, _, err := f.svc.Login(ctx, "alice", "password-alice", chat.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, token); err != nil { // now in memory
			t.Fatal(err)
		}
		return token
	}
	here, there := login(), login()
	if err := f.svc.ChangePassword(ctx, alice, chat.HashToken(here), "password-alice", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, there); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("the other session after a password change: %v, want EUNAUTHORIZED", err)
	}
	if _, err := f.svc.Authenticate(ctx, here); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}

	admin := parley.RoleAdmin
	if _, err := f.svc.EditUser(ctx, f.admin, alice.ID, chat.UserEdit{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	if u, err := f.svc.Authenticate(ctx, here); err != nil || u.Role != parley.RoleAdmin {
		t.Fatalf("after the role change: %+v, %v; want an admin", u, err)
	}
	disabled := true
	if _, err := f.svc.EditUser(ctx, f.admin, alice.ID, chat.UserEdit{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, here); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("after disabling: %v, want EUNAUTHORIZED", err)
	}
}

// twoServers is two services on one new database and one bus, as two servers are; the
// second sees the store through wrap when it is set.
func twoServers(t *testing.T, wrap func(parley.Store) parley.Store) (a, b *chat.Service) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	bus := inmem.NewBus()
	var second parley.Store = store
	if wrap != nil {
		second = wrap(store)
	}
	a = chat.New(store, bus, slog.New(slog.DiscardHandler), time.Hour, nil)
	b = chat.New(second, bus, slog.New(slog.DiscardHandler), time.Hour, nil)
	return a, b
}

// Two services on one database and one bus stand for two servers: a logout on one
// ends the session the other keeps in memory, at once.
func TestLogoutReachesTheOtherServers(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t, nil)
	if _, _, err := a.EnsureAdmin(ctx, "admin-secret-1"); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Login(ctx, "admin", "admin-secret-1", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, token); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("the other server after the logout: %v, want EUNAUTHORIZED", err)
	}
}

// EnsureAdmin given a password on an installation with users changes nothing and says
// so; without one it is quiet.
func TestEnsureAdminSaysThePasswordWasIgnored(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	if created, _, err := f.svc.EnsureAdmin(ctx, "other-password-1"); created || !errors.Is(err, chat.ErrAdminExists) {
		t.Fatalf("EnsureAdmin with a password: created %v, %v; want ErrAdminExists", created, err)
	}
	if created, _, err := f.svc.EnsureAdmin(ctx, ""); created || err != nil {
		t.Fatalf("EnsureAdmin without a password: created %v, %v", created, err)
	}
	if _, _, err := f.svc.Login(ctx, "admin", "admin-secret-1", chat.Client{}); err != nil {
		t.Fatalf("the admin's password changed: %v", err)
	}
}

// countedBefore is a store whose count of users was taken before another server made
// the admin: two servers started at once on a new database both count none.
type countedBefore struct{ parley.Store }

func (countedBefore) CountUsers(context.Context) (int, error) { return 0, nil }

// Two servers started at once on a new database both try to make the admin: the one
// that finds it made by the other starts all the same.
func TestEnsureAdminOnTwoServersAtOnce(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t, func(s parley.Store) parley.Store { return countedBefore{s} })
	if created, _, err := a.EnsureAdmin(ctx, "admin-secret-1"); !created || err != nil {
		t.Fatalf("the first server: created %v, %v", created, err)
	}
	if created, _, err := b.EnsureAdmin(ctx, "admin-secret-1"); created || !errors.Is(err, chat.ErrAdminExists) {
		t.Fatalf("the second server: created %v, %v; want ErrAdminExists (a warning, not a failed start)", created, err)
	}
	if created, generated, err := b.EnsureAdmin(ctx, ""); created || generated != "" || err != nil {
		t.Fatalf("the second server without a password: created %v, %q, %v", created, generated, err)
	}
	if _, _, err := b.Login(ctx, "admin", "admin-secret-1", chat.Client{}); err != nil {
		t.Fatalf("the admin made by the first server: %v", err)
	}
}

// Two admins who take each other away, as on two servers at once (each acting before
// the other's change reached them), leave one: the store refuses the last enabled
// admin, and the refusal names what the admin asked for.
func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	root, err := f.svc.CreateUser(ctx, f.admin, chat.NewUser{Login: "root", Password: "password-root", Name: "Root", Role: parley.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	disabled, operator := true, parley.RoleOperator
	if _, err := f.svc.EditUser(ctx, f.admin, root.ID, chat.UserEdit{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		do   func() error
	}{
		{"disable", func() error {
			_, err := f.svc.EditUser(ctx, root, f.admin.ID, chat.UserEdit{Disabled: &disabled})
			return err
		}},
		{"demote", func() error {
			_, err := f.svc.EditUser(ctx, root, f.admin.ID, chat.UserEdit{Role: &operator})
			return err
		}},
		{"delete", func() error { return f.svc.DeleteUser(ctx, root, f.admin.ID) }},
	} {
		err := c.do()
		if want := "You cannot " + c.what + " admin: they are the last enabled admin."; parley.ErrorCode(err) != parley.EINVALID || parley.ErrorMessage(err) != want {
			t.Errorf("%s the last admin: %v, want EINVALID %q", c.what, err, want)
		}
	}
	if u, err := f.svc.User(ctx, f.admin, f.admin.ID); err != nil || u.Disabled || u.Role != parley.RoleAdmin {
		t.Fatalf("the last admin after the refusals: %+v, %v", u, err)
	}
}
