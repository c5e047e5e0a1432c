package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

var _ parley.FileStore = (*Store)(nil)

func errFileNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "File %d not found.", id)
}

// CreateFile stores the content as a new file of its conversation.
func (s *Store) CreateFile(ctx context.Context, f *parley.File, content []byte) error {
	f.Size = int64(len(content))
	f.CreatedAt = orNow(f.CreatedAt).UTC().Truncate(time.Microsecond)
	var by *int64
	if f.UploadedBy != 0 {
		by = &f.UploadedBy
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO files (conversation_id, name, content_type, size, uploaded_by, created_at, content)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		f.ConversationID, f.Name, f.ContentType, f.Size, by, f.CreatedAt.UnixMicro(), content).Scan(&f.ID)
	if isForeignKey(err) {
		if cerr := conversationExists(ctx, s.pool, f.ConversationID); cerr != nil {
			err = cerr
		} else {
			err = errUserNotFound(f.UploadedBy)
		}
	}
	if err != nil {
		return fmt.Errorf("create file in conversation %d: %w", f.ConversationID, err)
	}
	return nil
}

const fileColumns = `id, conversation_id, name, content_type, size, COALESCE(uploaded_by, 0), created_at`

func scanFile(row scanner, extra ...any) (*parley.File, error) {
	var f parley.File
	var created *int64
	err := row.Scan(append([]any{&f.ID, &f.ConversationID, &f.Name, &f.ContentType, &f.Size, &f.UploadedBy, &created}, extra...)...)
	if err != nil {
		return nil, err
	}
	f.CreatedAt = goTime(created)
	return &f, nil
}

// File returns a file's description.
func (s *Store) File(ctx context.Context, id int64) (*parley.File, error) {
	f, err := scanFile(s.pool.QueryRow(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		err = errFileNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get file %d: %w", id, err)
	}
	return f, nil
}

// FileContent returns a file's description and content.
func (s *Store) FileContent(ctx context.Context, id int64) (*parley.File, []byte, error) {
	var content []byte
	f, err := scanFile(s.pool.QueryRow(ctx, `SELECT `+fileColumns+`, content FROM files WHERE id = $1`, id), &content)
	if errors.Is(err, pgx.ErrNoRows) {
		err = errFileNotFound(id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read file %d: %w", id, err)
	}
	return f, content, nil
}

// DeleteFile removes a file no message carries: the foreign key of messages refuses
// the others, even one stored by another server meanwhile.
func (s *Store) DeleteFile(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM files WHERE id = $1`, id)
	switch {
	case isForeignKey(err):
		err = parley.Errorf(parley.ECONFLICT, "File %d is in a message.", id)
	case err == nil && tag.RowsAffected() == 0:
		err = errFileNotFound(id)
	}
	if err != nil {
		return fmt.Errorf("delete file %d: %w", id, err)
	}
	return nil
}

// FileSettings returns the admin's limits on files, the defaults until one set them.
func (s *Store) FileSettings(ctx context.Context) (*parley.FileSettings, error) {
	var fs parley.FileSettings
	var types string
	err := s.pool.QueryRow(ctx, `SELECT max_size, allowed_types FROM file_settings WHERE id = 1`).Scan(&fs.MaxSize, &types)
	if errors.Is(err, pgx.ErrNoRows) {
		return parley.DefaultFileSettings(), nil
	}
	if err == nil {
		err = json.Unmarshal([]byte(types), &fs.AllowedTypes)
	}
	if err != nil {
		return nil, fmt.Errorf("get file settings: %w", err)
	}
	return &fs, nil
}

// SetFileSettings replaces the limits on files.
func (s *Store) SetFileSettings(ctx context.Context, fs *parley.FileSettings) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO file_settings (id, max_size, allowed_types) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET max_size = excluded.max_size, allowed_types = excluded.allowed_types`,
		fs.MaxSize, jsonList(fs.AllowedTypes))
	if err != nil {
		return fmt.Errorf("set file settings: %w", err)
	}
	return nil
}
