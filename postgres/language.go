package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// Languages lists every language the installation knows, by name.
func (s *Store) Languages(ctx context.Context) ([]parley.Language, error) {
	// Byte order, as SQLite sorts, whatever the database's collation.
	rows, err := s.pool.Query(ctx, `SELECT code, name, enabled FROM languages ORDER BY name COLLATE "C", code COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list languages: %w", err)
	}
	defer rows.Close()
	langs := []parley.Language{}
	for rows.Next() {
		var l parley.Language
		if err := rows.Scan(&l.Code, &l.Name, &l.Enabled); err != nil {
			return nil, fmt.Errorf("list languages: %w", err)
		}
		langs = append(langs, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list languages: %w", err)
	}
	return langs, nil
}

// SetLanguage adds the language, or changes the name and the enabled flag of a known
// one; disabling the last enabled language is refused. A disabling takes a lock on the
// table that conflicts with itself and every other write to it, until the commit: of
// two servers disabling the last two languages at once, the second counts after the
// first committed.
func (s *Store) SetLanguage(ctx context.Context, lang parley.Language) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if !lang.Enabled {
			if _, err := tx.Exec(ctx, `LOCK TABLE languages IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
			if ok, err := exists(ctx, tx, `SELECT 1 FROM languages WHERE enabled AND code != $1`, lang.Code); err != nil {
				return err
			} else if !ok {
				return parley.ErrLastLanguage
			}
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO languages (code, name, enabled) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, enabled = excluded.enabled`,
			lang.Code, lang.Name, lang.Enabled)
		return err
	})
	if err != nil {
		return fmt.Errorf("set language %s: %w", lang.Code, err)
	}
	return nil
}
