package sqlite

import (
	"context"
	"fmt"

	"github.com/parleychat/parley"
)

// Languages lists every language the installation knows, by name.
func (s *Store) Languages(ctx context.Context) ([]parley.Language, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT code, name, enabled FROM languages ORDER BY name, code`)
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
// one; disabling the last enabled language is refused. The check and the write share
// the write transaction, which nobody else can change the languages in meanwhile.
func (s *Store) SetLanguage(ctx context.Context, lang parley.Language) error {
	// Tracked: the assignment snapshot holds no language of the installation.
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if !lang.Enabled {
			if ok, err := exists(ctx, tx, `SELECT 1 FROM languages WHERE enabled AND code != ?`, lang.Code); err != nil {
				return err
			} else if !ok {
				return parley.ErrLastLanguage
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO languages (code, name, enabled) VALUES (?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, enabled = excluded.enabled`,
			lang.Code, lang.Name, lang.Enabled)
		return err
	})
	if err != nil {
		return fmt.Errorf("set language %s: %w", lang.Code, err)
	}
	return nil
}
