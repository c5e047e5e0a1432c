package postgres

import (
	"context"
	"fmt"

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

// SetLanguage adds the language, or changes the name and the enabled flag of a known one.
func (s *Store) SetLanguage(ctx context.Context, lang parley.Language) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO languages (code, name, enabled) VALUES ($1, $2, $3)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, enabled = excluded.enabled`,
		lang.Code, lang.Name, lang.Enabled)
	if err != nil {
		return fmt.Errorf("set language %s: %w", lang.Code, err)
	}
	return nil
}
