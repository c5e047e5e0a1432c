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

var _ parley.FileStore = (*Store)(nil)

func errFileNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "File %d not found.", id)
}

// CreateFile stores the content as a new file of its conversation.
func (s *Store) CreateFile(ctx context.Context, f *parley.File, content []byte) error {
	f.Size = int64(len(content))
	f.CreatedAt = orNow(f.CreatedAt).UTC().Truncate(time.Microsecond)
	var by any
	if f.UploadedBy != 0 {
		by = f.UploadedBy
	}
	// Tracked: a file changes nothing the writer's memory mirrors.
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := conversationExists(ctx, tx, f.ConversationID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO files (conversation_id, name, content_type, size, uploaded_by, created_at, content)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.ConversationID, f.Name, f.ContentType, f.Size, by, f.CreatedAt.UnixMicro(), content).Scan(&f.ID)
	})
	if isForeignKey(err) {
		err = errUserNotFound(f.UploadedBy)
	}
	if err != nil {
		return fmt.Errorf("create file in conversation %d: %w", f.ConversationID, err)
	}
	return nil
}

const fileColumns = `id, conversation_id, name, content_type, size, COALESCE(uploaded_by, 0), created_at`

func scanFile(row scanner, extra ...any) (*parley.File, error) {
	var f parley.File
	var created sql.NullInt64
	err := row.Scan(append([]any{&f.ID, &f.ConversationID, &f.Name, &f.ContentType, &f.Size, &f.UploadedBy, &created}, extra...)...)
	if err != nil {
		return nil, err
	}
	f.CreatedAt = goTime(created)
	return &f, nil
}

// File returns a file's description.
func (s *Store) File(ctx context.Context, id int64) (*parley.File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileColumns+`, content FROM files WHERE id = ?`, id), &content)
	if errors.Is(err, sql.ErrNoRows) {
		err = errFileNotFound(id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read file %d: %w", id, err)
	}
	return f, content, nil
}

// DeleteFile removes a file no message carries.
func (s *Store) DeleteFile(ctx context.Context, id int64) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if used, err := exists(ctx, tx, `SELECT 1 FROM messages WHERE file_id = ?`, id); err != nil {
			return err
		} else if used {
			return parley.Errorf(parley.ECONFLICT, "File %d is in a message.", id)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM files WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errFileNotFound(id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete file %d: %w", id, err)
	}
	return nil
}

// FileSettings returns the admin's limits on files, the defaults until one set them.
func (s *Store) FileSettings(ctx context.Context) (*parley.FileSettings, error) {
	var fs parley.FileSettings
	var types string
	err := s.read.QueryRowContext(ctx, `SELECT max_size, allowed_types FROM file_settings WHERE id = 1`).Scan(&fs.MaxSize, &types)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err := s.exec(ctx, `INSERT INTO file_settings (id, max_size, allowed_types) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET max_size = excluded.max_size, allowed_types = excluded.allowed_types`,
		fs.MaxSize, jsonList(fs.AllowedTypes))
	if err != nil {
		return fmt.Errorf("set file settings: %w", err)
	}
	return nil
}

// messageFile reads what a message shows of its file, which must be a file of the same
// conversation.
func messageFile(ctx context.Context, tx *wtx, conversationID, fileID int64) (*parley.Attachment, error) {
	var a parley.Attachment
	var conv int64
	err := tx.QueryRowContext(ctx, `SELECT id, conversation_id, name, content_type, size FROM files WHERE id = ?`, fileID).
		Scan(&a.ID, &conv, &a.Name, &a.ContentType, &a.Size)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && conv != conversationID) {
		return nil, parley.Errorf(parley.EINVALID, "File %d is not a file of conversation %d.", fileID, conversationID)
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}
