package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

const userColumns = `u.id, u.login, u.name, u.role, u.chat_name, u.main_language, u.chat_languages, u.disabled, u.notify_sound, u.notify_desktop`

func scanUser(row scanner, extra ...any) (*parley.User, error) {
	var u parley.User
	var langs string
	dest := append([]any{&u.ID, &u.Login, &u.Name, &u.Role, &u.ChatName, &u.MainLanguage, &langs, &u.Disabled, &u.NotifySound, &u.NotifyDesktop}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(langs), &u.ChatLanguages); err != nil {
		return nil, fmt.Errorf("chat languages of user %d: %w", u.ID, err)
	}
	if u.ChatLanguages == nil {
		u.ChatLanguages = []string{}
	}
	return &u, nil
}

func encodeLanguages(langs []string) (string, error) {
	if langs == nil {
		langs = []string{}
	}
	b, err := json.Marshal(langs)
	return string(b), err
}

// CreateUser adds u and sets its ID. An empty main language is the default language;
// the notifications are the defaults. A login whose key another user has is taken.
func (s *Store) CreateUser(ctx context.Context, u *parley.User, passwordHash string) error {
	key, err := parley.LoginKey(u.Login)
	if err != nil {
		return err
	}
	if u.MainLanguage == "" {
		u.MainLanguage = parley.DefaultLanguage
	}
	if u.ChatLanguages == nil {
		u.ChatLanguages = []string{}
	}
	langs, err := encodeLanguages(u.ChatLanguages)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Login, err)
	}
	res, err := s.exec(ctx, `
		INSERT INTO users (login, login_key, password_hash, name, role, chat_name, main_language, chat_languages, disabled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Login, key, passwordHash, u.Name, string(u.Role), u.ChatName, u.MainLanguage, langs, u.Disabled)
	if isUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "Login %q is taken.", u.Login)
	} else if err != nil {
		return fmt.Errorf("create user %q: %w", u.Login, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create user %q: %w", u.Login, err)
	}
	u.NotifySound, u.NotifyDesktop = true, false // the columns' defaults
	return nil
}

// fillLoginKeys gives a login key to the users that have none, oldest first, unless
// another user has it already (see the migration 00011_accounts.sql).
func fillLoginKeys(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT id, login FROM users WHERE login_key IS NULL AND deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("fill login keys: %w", err)
	}
	type row struct {
		id    int64
		login string
	}
	var missing []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.login); err != nil {
			rows.Close()
			return fmt.Errorf("fill login keys: %w", err)
		}
		missing = append(missing, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("fill login keys: %w", err)
	}
	for _, r := range missing {
		key, err := parley.LoginKey(r.login)
		if err != nil {
			continue // logs in with the exact login only
		}
		if _, err := db.ExecContext(ctx, `UPDATE users SET login_key = ?1 WHERE id = ?2
			AND NOT EXISTS (SELECT 1 FROM users WHERE login_key = ?1)`, key, r.id); err != nil {
			return fmt.Errorf("fill login key of user %d: %w", r.id, err)
		}
	}
	return nil
}

// User returns the user with the id.
func (s *Store) User(ctx context.Context, id int64) (*parley.User, error) {
	u, err := user(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

func user(ctx context.Context, q querier, id int64) (*parley.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ? AND u.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound(id)
	}
	return u, err
}

// UserByLogin returns the user with the login and their password hash: the one with
// exactly this login, else the one with its key.
func (s *Store) UserByLogin(ctx context.Context, login string) (*parley.User, string, error) {
	var key any
	if k, err := parley.LoginKey(login); err == nil {
		key = k
	}
	var hash string
	u, err := scanUser(s.read.QueryRowContext(ctx, `
		SELECT `+userColumns+`, u.password_hash FROM users u
		WHERE u.deleted_at IS NULL AND (u.login = ?1 OR u.login_key = ?2)
		ORDER BY u.login = ?1 DESC LIMIT 1`, login, key), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", parley.Errorf(parley.ENOTFOUND, "User %q not found.", login)
	} else if err != nil {
		return nil, "", fmt.Errorf("get user %q: %w", login, err)
	}
	return u, hash, nil
}

// Users lists every user by id.
func (s *Store) Users(ctx context.Context) ([]*parley.User, error) {
	users, err := queryUsers(ctx, s.read, `SELECT `+userColumns+` FROM users u WHERE u.deleted_at IS NULL ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func queryUsers(ctx context.Context, q querier, query string, args ...any) ([]*parley.User, error) {
	scan := func(row scanner) (*parley.User, error) { return scanUser(row) }
	return queryAll(ctx, q, scan, query, args...)
}

// UpdateUser changes the user's fields that upd sets, unless it takes away the last
// enabled admin.
func (s *Store) UpdateUser(ctx context.Context, id int64, upd parley.UserUpdate) (*parley.User, error) {
	var u *parley.User
	err := s.write(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, id); err != nil {
			return err
		}
		if what := adminRemoval(upd); what != "" {
			if err := keepAnAdmin(ctx, tx, id, what); err != nil {
				return err
			}
		}
		set := func(column string, v any) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET `+column+` = ? WHERE id = ?`, v, id)
			return err
		}
		if upd.Name != nil {
			if err := set("name", *upd.Name); err != nil {
				return err
			}
		}
		if upd.Role != nil {
			if err := set("role", string(*upd.Role)); err != nil {
				return err
			}
		}
		if upd.Disabled != nil {
			if err := set("disabled", *upd.Disabled); err != nil {
				return err
			}
		}
		if upd.ChatName != nil {
			if err := set("chat_name", *upd.ChatName); err != nil {
				return err
			}
		}
		if upd.MainLanguage != nil {
			if err := set("main_language", *upd.MainLanguage); err != nil {
				return err
			}
		}
		if upd.ChatLanguages != nil {
			langs, err := encodeLanguages(*upd.ChatLanguages)
			if err != nil {
				return err
			}
			if err := set("chat_languages", langs); err != nil {
				return err
			}
		}
		if upd.NotifySound != nil {
			if err := set("notify_sound", *upd.NotifySound); err != nil {
				return err
			}
		}
		if upd.NotifyDesktop != nil {
			if err := set("notify_desktop", *upd.NotifyDesktop); err != nil {
				return err
			}
		}
		var err error
		u, err = user(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update user %d: %w", id, err)
	}
	return u, nil
}

// DeleteUser marks the user deleted: the row stays for the conversations and messages
// that name it, under a login no new user can take (it has a space, which LoginKey
// refuses), so that its own login is free again. Its sessions and memberships go.
func (s *Store) DeleteUser(ctx context.Context, id int64, now time.Time) error {
	err := s.write(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, id); err != nil {
			return err
		}
		if err := keepAnAdmin(ctx, tx, id, "delete"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET deleted_at = ?1, login_key = NULL,
			login = login || ' (deleted ' || id || ')' WHERE id = ?2`, orNow(now).UnixMicro(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM channel_members WHERE user_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// adminRemoval is what upd does that may take away an enabled admin ("disable" or
// "demote"), or "" for nothing.
func adminRemoval(upd parley.UserUpdate) string {
	switch {
	case upd.Disabled != nil && *upd.Disabled:
		return "disable"
	case upd.Role != nil && *upd.Role != parley.RoleAdmin:
		return "demote"
	}
	return ""
}

// keepAnAdmin refuses to take away the user id if they are the last enabled admin. It
// runs in the write transaction that takes them away: on the single writer nobody can
// change the count between it and the write.
func keepAnAdmin(ctx context.Context, tx *wtx, id int64, what string) error {
	var login string
	var others int
	err := tx.QueryRowContext(ctx, `
		SELECT login, (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND deleted_at IS NULL AND id != ?1)
		FROM users WHERE id = ?1 AND role = 'admin' AND disabled = 0 AND deleted_at IS NULL`, id).Scan(&login, &others)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not an enabled admin
	} else if err != nil {
		return err
	}
	if others == 0 {
		return parley.LastAdminError(what, login)
	}
	return nil
}

// CountUsers counts every user not deleted.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE deleted_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// SetPassword changes the user's password and ends their sessions but keep, in one
// transaction: no session opened with the old password outlives it.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string, keep []byte) ([][]byte, error) {
	var ended [][]byte
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID); err != nil {
			return err
		}
		var err error
		ended, err = deleteUserSessions(ctx, tx, userID, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return ended, nil
}

// newSessionID is a random positive integer that JavaScript numbers hold exactly.
func newSessionID() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) | 1
}

// CreateSession records a session of the user, known by the hash of its token.
func (s *Store) CreateSession(ctx context.Context, ns parley.NewSession) (*parley.Session, error) {
	sess := &parley.Session{
		UserID:    ns.UserID,
		TokenHash: ns.TokenHash,
		CreatedAt: orNow(ns.CreatedAt).UTC().Truncate(time.Microsecond),
		ExpiresAt: ns.ExpiresAt.UTC().Truncate(time.Microsecond),
		UserAgent: ns.UserAgent,
		Address:   ns.Address,
	}
	sess.LastSeenAt = sess.CreatedAt
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, ns.UserID); err != nil {
			return err
		}
		for range 3 { // a random id taken already: try another
			sess.ID = newSessionID()
			_, err := tx.ExecContext(ctx, `
				INSERT INTO sessions (token_hash, user_id, expires_at, id, created_at, last_seen_at, user_agent, address)
				VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)`,
				ns.TokenHash, ns.UserID, sess.ExpiresAt.UnixMicro(), sess.ID, sess.CreatedAt.UnixMicro(), ns.UserAgent, ns.Address)
			if !isUnique(err) {
				return err
			}
			if ok, err := exists(ctx, tx, `SELECT 1 FROM sessions WHERE token_hash = ?`, ns.TokenHash); err != nil {
				return err
			} else if ok {
				return parley.Errorf(parley.ECONFLICT, "Session already exists.")
			}
		}
		return errors.New("no free session id")
	})
	if err != nil {
		return nil, fmt.Errorf("create session of user %d: %w", ns.UserID, err)
	}
	return sess, nil
}

// SessionUser returns the user of a session that has not expired at now, if the user
// is neither disabled nor deleted.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*parley.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `
		SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0 AND u.deleted_at IS NULL`, tokenHash, now.UnixMicro()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "Your session is invalid or has expired; please log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("get session user: %w", err)
	}
	return u, nil
}

// TouchSession moves the session's last use to now, if it was before since: a session
// in use costs a write now and then, not one per request.
func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, now, since time.Time) error {
	if _, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`,
		now.UnixMicro(), tokenHash, since.UnixMicro()); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// UserSessions lists the user's sessions that have not expired at now, newest first.
func (s *Store) UserSessions(ctx context.Context, userID int64, now time.Time) ([]*parley.Session, error) {
	scan := func(row scanner) (*parley.Session, error) {
		var sess parley.Session
		var created, expires, seen int64
		if err := row.Scan(&sess.ID, &sess.UserID, &sess.TokenHash, &created, &expires, &seen, &sess.UserAgent, &sess.Address); err != nil {
			return nil, err
		}
		sess.CreatedAt, sess.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
		sess.LastSeenAt = time.UnixMicro(max(seen, created)).UTC()
		return &sess, nil
	}
	list, err := queryAll(ctx, s.read, scan, `
		SELECT id, user_id, token_hash, created_at, expires_at, last_seen_at, user_agent, address FROM sessions
		WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC`, userID, now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return list, nil
}

// DeleteSession forgets a session; forgetting an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSession ends the user's session with the id.
func (s *Store) DeleteUserSession(ctx context.Context, userID, sessionID int64) ([]byte, error) {
	var hash []byte
	err := s.writeTracked(ctx, func(tx *wtx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id = ? RETURNING token_hash`,
			userID, sessionID).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return parley.Errorf(parley.ENOTFOUND, "Session %d of user %d not found.", sessionID, userID)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete session %d of user %d: %w", sessionID, userID, err)
	}
	return hash, nil
}

// DeleteUserSessions ends every session of the user but keep.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) ([][]byte, error) {
	var ended [][]byte
	err := s.writeTracked(ctx, func(tx *wtx) error {
		var err error
		ended, err = deleteUserSessions(ctx, tx, userID, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return ended, nil
}

func deleteUserSessions(ctx context.Context, tx *wtx, userID int64, keep []byte) ([][]byte, error) {
	if keep == nil {
		keep = []byte{} // matches no token hash
	}
	scan := func(row scanner) ([]byte, error) {
		var h []byte
		err := row.Scan(&h)
		return h, err
	}
	return queryAll(ctx, tx, scan, `DELETE FROM sessions WHERE user_id = ? AND token_hash != ? RETURNING token_hash`, userID, keep)
}

// DeleteExpiredSessions removes the sessions that expired at now or before.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, dbTime(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
