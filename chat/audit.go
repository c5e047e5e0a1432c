package chat

import (
	"context"
	"strconv"

	"github.com/parleychat/parley"
)

// audit records an action of an admin or a supervisor in the audit log: actor did action
// (parley.Audit…) on the target (targetKind "user", "channel", …, and its id or code),
// with detail, a value encoded as a JSON object of what changed (nil for none; never a
// password). Call it right after the store committed the change; a failure to record is
// logged and the change stands. A nil actor (the shell) is not recorded.
func (s *Service) audit(ctx context.Context, actor *parley.User, action, targetKind string, targetID any, detail any) {
	if actor == nil {
		return
	}
	e := parley.NewAuditEntry(actor, s.now(), action, targetKind, auditID(targetID), detail)
	if err := s.store.AddAuditEntry(context.WithoutCancel(ctx), e); err != nil {
		s.logger.Error("add audit entry", "action", action, "err", err)
	}
}

// auditID writes a target's id: a number (0 for none) or a code.
func auditID(id any) string {
	switch v := id.(type) {
	case nil:
		return ""
	case int64:
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	case int:
		if v == 0 {
			return ""
		}
		return strconv.Itoa(v)
	case string:
		return v
	}
	return ""
}

// AuditLog lists a page of the audit log, newest first (admin). A limit of 0 is 50.
func (s *Service) AuditLog(ctx context.Context, actor *parley.User, q parley.AuditQuery) ([]*parley.AuditEntry, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can read the audit log.")
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > parley.MaxAuditLimit {
		return nil, parley.Errorf(parley.EINVALID, "limit must be between 1 and %d.", parley.MaxAuditLimit)
	}
	if q.Before < 0 || q.ActorID < 0 {
		return nil, parley.Errorf(parley.EINVALID, "before and actor_id must be positive integers.")
	}
	if len(q.Action) > 64 {
		return nil, parley.Errorf(parley.EINVALID, "action is at most 64 characters.")
	}
	return s.store.AuditLog(ctx, q)
}
