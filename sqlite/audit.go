package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

var _ parley.AuditStore = (*Store)(nil)

// AddAuditEntry appends an entry to the audit log.
func (s *Store) AddAuditEntry(ctx context.Context, e *parley.AuditEntry) error {
	// Tracked: the audit log is nothing the writer's memory mirrors.
	if err := s.writeTracked(ctx, func(tx *wtx) error { return addAudit(ctx, tx, e) }); err != nil {
		return fmt.Errorf("add audit entry %s: %w", e.Action, err)
	}
	return nil
}

// addAudit writes e within a write transaction.
func addAudit(ctx context.Context, q querier, e *parley.AuditEntry) error {
	e.At = orNow(e.At).UTC().Truncate(time.Microsecond)
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	return q.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_login, action, target_kind, target_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.At.UnixMicro(), e.ActorID, e.ActorLogin, e.Action, e.TargetKind, e.TargetID, string(e.Detail)).Scan(&e.ID)
}

// AuditLog lists a page of the audit log, newest first.
func (s *Store) AuditLog(ctx context.Context, q parley.AuditQuery) ([]*parley.AuditEntry, error) {
	scan := func(row scanner) (*parley.AuditEntry, error) {
		var e parley.AuditEntry
		var at sql.NullInt64
		var detail string
		if err := row.Scan(&e.ID, &at, &e.ActorID, &e.ActorLogin, &e.Action, &e.TargetKind, &e.TargetID, &detail); err != nil {
			return nil, err
		}
		e.At, e.Detail = goTime(at), json.RawMessage(detail)
		return &e, nil
	}
	list, err := queryAll(ctx, s.read, scan, `
		SELECT id, at, actor_id, actor_login, action, target_kind, target_id, detail FROM audit_log
		WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR action = ?2) AND (?3 = 0 OR actor_id = ?3)
		ORDER BY id DESC LIMIT ?4`, q.Before, q.Action, q.ActorID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return list, nil
}
