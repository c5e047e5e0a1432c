package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

const cannedColumns = `id, owner_id, shortcut, body, uses, created_at`

func scanCanned(row scanner) (*parley.CannedResponse, error) {
	var cr parley.CannedResponse
	var owner, created *int64
	if err := row.Scan(&cr.ID, &owner, &cr.Shortcut, &cr.Body, &cr.Uses, &created); err != nil {
		return nil, err
	}
	if owner != nil {
		cr.OwnerID = *owner
	}
	cr.Shared = owner == nil
	cr.CreatedAt = goTime(created)
	return &cr, nil
}

// nullID stores the ID 0 as NULL.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func errCannedNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Canned response %d not found.", id)
}

// CreateCannedResponse adds cr and sets its ID, Shared, and CreatedAt when zero. The
// unique indexes of the shortcut keys decide between servers creating the same one.
func (s *Store) CreateCannedResponse(ctx context.Context, cr *parley.CannedResponse) error {
	cr.CreatedAt = orNow(cr.CreatedAt).UTC().Truncate(time.Microsecond)
	cr.Shared = cr.OwnerID == 0
	err := s.pool.QueryRow(ctx, `
		INSERT INTO canned_responses (owner_id, shortcut, shortcut_key, body, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		nullID(cr.OwnerID), cr.Shortcut, parley.ShortcutKey(cr.Shortcut), cr.Body, dbTime(cr.CreatedAt)).Scan(&cr.ID)
	switch {
	case isUnique(err):
		return parley.CannedConflict(cr.Shortcut, cr.Shared)
	case isForeignKey(err):
		return errUserNotFound(cr.OwnerID)
	case err != nil:
		return fmt.Errorf("create canned response %q: %w", cr.Shortcut, err)
	}
	return nil
}

// CannedResponse returns the response with the id.
func (s *Store) CannedResponse(ctx context.Context, id int64) (*parley.CannedResponse, error) {
	cr, err := cannedResponse(ctx, s.pool, id)
	if err != nil {
		return nil, fmt.Errorf("get canned response %d: %w", id, err)
	}
	return cr, nil
}

func cannedResponse(ctx context.Context, q querier, id int64) (*parley.CannedResponse, error) {
	cr, err := scanCanned(q.QueryRow(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errCannedNotFound(id)
	}
	return cr, err
}

// CannedResponses lists the shared responses and the user's own, most used first.
func (s *Store) CannedResponses(ctx context.Context, userID int64) ([]*parley.CannedResponse, error) {
	// Keys in byte order, as SQLite sorts, whatever the database's collation.
	list, err := queryAll(ctx, s.pool, scanCanned, `SELECT `+cannedColumns+` FROM canned_responses
		WHERE owner_id IS NULL OR owner_id = $1 ORDER BY uses DESC, shortcut_key COLLATE "C", id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list canned responses of user %d: %w", userID, err)
	}
	return list, nil
}

// UpdateCannedResponse changes the fields upd sets; a shortcut its scope already has
// changes nothing.
func (s *Store) UpdateCannedResponse(ctx context.Context, id int64, upd parley.CannedResponseUpdate) (*parley.CannedResponse, error) {
	var cr *parley.CannedResponse
	err := s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanCanned(tx.QueryRow(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errCannedNotFound(id)
		} else if err != nil {
			return err
		}
		if upd.Shortcut != nil {
			_, err := tx.Exec(ctx, `UPDATE canned_responses SET shortcut = $1, shortcut_key = $2 WHERE id = $3`,
				*upd.Shortcut, parley.ShortcutKey(*upd.Shortcut), id)
			if isUnique(err) {
				return parley.CannedConflict(*upd.Shortcut, old.Shared)
			} else if err != nil {
				return err
			}
		}
		if upd.Body != nil {
			if _, err := tx.Exec(ctx, `UPDATE canned_responses SET body = $1 WHERE id = $2`, *upd.Body, id); err != nil {
				return err
			}
		}
		cr, err = cannedResponse(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update canned response %d: %w", id, err)
	}
	return cr, nil
}

// DeleteCannedResponse removes the response.
func (s *Store) DeleteCannedResponse(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM canned_responses WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errCannedNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("delete canned response %d: %w", id, err)
	}
	return nil
}

// UseCannedResponse counts one use of the response.
func (s *Store) UseCannedResponse(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE canned_responses SET uses = uses + 1 WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = errCannedNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("use canned response %d: %w", id, err)
	}
	return nil
}
