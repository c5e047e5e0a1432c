package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

const userColumns = `u.id, u.login, u.name, u.role, u.chat_name, u.main_language, u.chat_languages`

func scanUser(row scanner, extra ...any) (*parley.User, error) {
	var u parley.User
	var langs string
	dest := append([]any{&u.ID, &u.Login, &u.Name, &u.Role, &u.ChatName, &u.MainLanguage, &langs}, extra...)
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

// CreateUser adds u and sets its ID. An empty main language is the default language.
func (s *Store) CreateUser(ctx context.Context, u *parley.User, passwordHash string) error {
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
		INSERT INTO users (login, password_hash, name, role, chat_name, main_language, chat_languages)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Login, passwordHash, u.Name, string(u.Role), u.ChatName, u.MainLanguage, langs)
	if isUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "Login %q is taken.", u.Login)
	} else if err != nil {
		return fmt.Errorf("create user %q: %w", u.Login, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create user %q: %w", u.Login, err)
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
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound(id)
	}
	return u, err
}

// UserByLogin returns the user with the login and their password hash.
func (s *Store) UserByLogin(ctx context.Context, login string) (*parley.User, string, error) {
	var hash string
	u, err := scanUser(s.read.QueryRowContext(ctx,
		`SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.login = ?`, login), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", parley.Errorf(parley.ENOTFOUND, "User %q not found.", login)
	} else if err != nil {
		return nil, "", fmt.Errorf("get user %q: %w", login, err)
	}
	return u, hash, nil
}

// Users lists every user by id.
func (s *Store) Users(ctx context.Context) ([]*parley.User, error) {
	users, err := queryUsers(ctx, s.read, `SELECT `+userColumns+` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func queryUsers(ctx context.Context, q querier, query string, args ...any) ([]*parley.User, error) {
	scan := func(row scanner) (*parley.User, error) { return scanUser(row) }
	return queryAll(ctx, q, scan, query, args...)
}

// UpdateUser changes the user's preferences that upd sets.
func (s *Store) UpdateUser(ctx context.Context, id int64, upd parley.UserUpdate) (*parley.User, error) {
	var u *parley.User
	err := s.write(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, id); err != nil {
			return err
		}
		if upd.ChatName != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET chat_name = ? WHERE id = ?`, *upd.ChatName, id); err != nil {
				return err
			}
		}
		if upd.MainLanguage != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET main_language = ? WHERE id = ?`, *upd.MainLanguage, id); err != nil {
				return err
			}
		}
		if upd.ChatLanguages != nil {
			langs, err := encodeLanguages(*upd.ChatLanguages)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET chat_languages = ? WHERE id = ?`, langs, id); err != nil {
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

// CountUsers counts every user.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateSession records a session of the user, known by the hash of its token.
func (s *Store) CreateSession(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)`,
			tokenHash, userID, expires.UnixMicro())
		if isUnique(err) {
			return parley.Errorf(parley.ECONFLICT, "Session already exists.")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of user %d: %w", userID, err)
	}
	return nil
}

// SessionUser returns the user of a session that has not expired at now.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*parley.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `
		SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, now.UnixMicro()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "Your session is invalid or has expired; please log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("get session user: %w", err)
	}
	return u, nil
}

// DeleteSession forgets a session; forgetting an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
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
