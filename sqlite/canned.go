package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

const cannedColumns = `id, owner_id, shortcut, body, uses, created_at`

func scanCanned(row scanner) (*parley.CannedResponse, error) {
	var cr parley.CannedResponse
	var owner, created sql.NullInt64
	if err := row.Scan(&cr.ID, &owner, &cr.Shortcut, &cr.Body, &cr.Uses, &created); err != nil {
		return nil, err
	}
	cr.OwnerID, cr.Shared = owner.Int64, !owner.Valid
	cr.CreatedAt = goTime(created)
	return &cr, nil
}

// nullID stores the ID 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func errCannedNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Canned response %d not found.", id)
}

// CreateCannedResponse adds cr and sets its ID, Shared, and CreatedAt when zero.
func (s *Store) CreateCannedResponse(ctx context.Context, cr *parley.CannedResponse) error {
	cr.CreatedAt = orNow(cr.CreatedAt).UTC().Truncate(time.Microsecond)
	cr.Shared = cr.OwnerID == 0
	res, err := s.exec(ctx, `
		INSERT INTO canned_responses (owner_id, shortcut, shortcut_key, body, created_at)
		VALUES (?, ?, ?, ?, ?)`,
		nullID(cr.OwnerID), cr.Shortcut, parley.ShortcutKey(cr.Shortcut), cr.Body, dbTime(cr.CreatedAt))
	switch {
	case isUnique(err):
		return parley.CannedConflict(cr.Shortcut, cr.Shared)
	case isForeignKey(err):
		return errUserNotFound(cr.OwnerID)
	case err != nil:
		return fmt.Errorf("create canned response %q: %w", cr.Shortcut, err)
	}
	if cr.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create canned response %q: %w", cr.Shortcut, err)
	}
	return nil
}

// CannedResponse returns the response with the id.
func (s *Store) CannedResponse(ctx context.Context, id int64) (*parley.CannedResponse, error) {
	cr, err := cannedResponse(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("get canned response %d: %w", id, err)
	}
	return cr, nil
}

func cannedResponse(ctx context.Context, q querier, id int64) (*parley.CannedResponse, error) {
	cr, err := scanCanned(q.QueryRowContext(ctx, `SELECT `+cannedColumns+` FROM canned_responses WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errCannedNotFound(id)
	}
	return cr, err
}

// CannedResponses lists the shared responses and the user's own, most used first.
func (s *Store) CannedResponses(ctx context.Context, userID int64) ([]*parley.CannedResponse, error) {
	list, err := queryAll(ctx, s.read, scanCanned, `SELECT `+cannedColumns+` FROM canned_responses
		WHERE owner_id IS NULL OR owner_id = ? ORDER BY uses DESC, shortcut_key, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list canned responses of user %d: %w", userID, err)
	}
	return list, nil
}

// UpdateCannedResponse changes the fields upd sets; a shortcut its scope already has
// changes nothing.
func (s *Store) UpdateCannedResponse(ctx context.Context, id int64, upd parley.CannedResponseUpdate) (*parley.CannedResponse, error) {
	var cr *parley.CannedResponse
	// Tracked: the assignment snapshot and the live conversations hold no canned response.
	err := s.writeTracked(ctx, func(tx *wtx) error {
		old, err := cannedResponse(ctx, tx, id)
		if err != nil {
			return err
		}
		if upd.Shortcut != nil {
			_, err := tx.ExecContext(ctx, `UPDATE canned_responses SET shortcut = ?, shortcut_key = ? WHERE id = ?`,
				*upd.Shortcut, parley.ShortcutKey(*upd.Shortcut), id)
			if isUnique(err) {
				return parley.CannedConflict(*upd.Shortcut, old.Shared)
			} else if err != nil {
				return err
			}
		}
		if upd.Body != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE canned_responses SET body = ? WHERE id = ?`, *upd.Body, id); err != nil {
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
	res, err := s.exec(ctx, `DELETE FROM canned_responses WHERE id = ?`, id)
	if err == nil {
		err = oneRow(res, errCannedNotFound(id))
	}
	if err != nil {
		return fmt.Errorf("delete canned response %d: %w", id, err)
	}
	return nil
}

// UseCannedResponse counts one use of the response.
func (s *Store) UseCannedResponse(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, `UPDATE canned_responses SET uses = uses + 1 WHERE id = ?`, id)
	if err == nil {
		err = oneRow(res, errCannedNotFound(id))
	}
	if err != nil {
		return fmt.Errorf("use canned response %d: %w", id, err)
	}
	return nil
}

// oneRow is notFound when the statement changed no row.
func oneRow(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
