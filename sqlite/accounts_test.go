package sqlite_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/sqlite"
)

// TestMigrateAccounts opens a database of version 9 whose logins collide once compared
// as PRECIS does ("Admin" and "admin"), or that PRECIS refuses: the migration does not
// fail, every user still logs in with their exact login, the first of a colliding pair
// takes the shared key, a new login colliding with either is refused, and the sessions
// made before get distinct ids and their login time.
func TestMigrateAccounts(t *testing.T) {
	ctx := t.Context()
	path, db, p := mustDatabaseAt(t, 9)
	expires := time.Date(2025, 4, 13, 9, 0, 0, 0, time.UTC)
	e := expires.UnixMicro()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, login, password_hash, name, role) VALUES
			(1, 'Admin', 'h1', 'First', 'admin'), (2, 'admin', 'h2', 'Second', 'operator'), (3, 'bad♥login', 'h3', 'Third', 'operator')`, nil},
		{`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (x'01', 1, ?), (x'02', 1, ?), (x'03', 2, ?)`, []any{e, e, e}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}

	for range 2 { // opening again fills nothing twice
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			login string
			id    int64
		}{{"Admin", 1}, {"admin", 2}, {"ADMIN", 1}, {"bad♥login", 3}} {
			u, hash, err := s.UserByLogin(ctx, c.login)
			if err != nil || u.ID != c.id || hash != "h"+string(rune('0'+c.id)) {
				t.Errorf("UserByLogin(%q) = %+v, %q, %v; want user %d", c.login, u, hash, err, c.id)
			}
		}
		for _, login := range []string{"ADMIN", "admin"} {
			err := s.CreateUser(ctx, &parley.User{Login: login, Name: "New", Role: parley.RoleOperator}, "x")
			if parley.ErrorCode(err) != parley.ECONFLICT {
				t.Errorf("new user %q: %v, want ECONFLICT", login, err)
			}
		}
		list, err := s.UserSessions(ctx, 1, expires.Add(-time.Hour))
		if err != nil || len(list) != 2 || list[0].ID == list[1].ID || list[0].ID <= 0 || list[1].ID <= 0 {
			t.Fatalf("sessions of user 1 = %+v, %v", list, err)
		}
		if got := list[0].CreatedAt; !got.Equal(expires.Add(-30 * 24 * time.Hour)) {
			t.Errorf("an old session's created_at = %v", got)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
}
