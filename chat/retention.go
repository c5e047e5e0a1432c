package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley"
)

// Retention: conversations whose last activity is older than the admin's number of days
// are erased, with their messages and files, by the periodic sweep of the server that
// leads (Service.Sweep, as for abandoned conversations). The store claims each run in the
// transaction that erases (parley.DataRequestStore.SweepRetention), so that servers whose
// leadership overlaps for a moment still erase once and write one audit entry.

// RetentionEvery is how often the retention rule runs.
const RetentionEvery = time.Hour

// RetentionSettings returns the retention rule (admin).
func (s *Service) RetentionSettings(ctx context.Context, actor *parley.User) (*parley.RetentionSettings, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can see the retention rule.")
	}
	return s.store.RetentionSettings(ctx)
}

// SetRetentionSettings changes the number of days conversations are kept (admin; 0
// keeps them forever).
func (s *Service) SetRetentionSettings(ctx context.Context, actor *parley.User, days int) (*parley.RetentionSettings, error) {
	if !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only an admin can change the retention rule.")
	}
	r := &parley.RetentionSettings{Days: days}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	old, err := s.store.RetentionSettings(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetRetentionSettings(ctx, r); err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditRetentionSettings, "settings", "retention", map[string]int{"days_before": old.Days, "days": days})
	return s.store.RetentionSettings(ctx)
}

// sweepRetention runs the retention rule when it is due: the conversations to erase that
// have not ended end first, without a notice (which would count as activity), so their
// operators' consoles and visitors' widgets are told, as for any end; then the store
// erases them all in one transaction, and every server forgets the visitors erased.
func (s *Service) sweepRetention(ctx context.Context) error {
	now := s.now()
	rule, err := s.store.RetentionSettings(ctx)
	if err != nil || rule.Days <= 0 || (rule.LastSweepAt != nil && now.Sub(*rule.LastSweepAt) < RetentionEvery) {
		return err
	}
	cutoff := now.Add(-time.Duration(rule.Days) * 24 * time.Hour)
	live, err := s.store.ExpiredConversations(ctx, cutoff, parley.RetentionBatch)
	if err != nil {
		return err
	}
	for _, c := range live {
		if !s.Leading() {
			return nil // another server took over: it sweeps
		}
		if err := s.end(ctx, c, "", 0); err != nil && parley.ErrorCode(err) != parley.ECONFLICT {
			return err
		}
	}
	sw, err := s.store.SweepRetention(ctx, now, RetentionEvery)
	if err != nil {
		return err
	}
	if len(sw.Visitors) > 0 {
		s.invalidate(ctx, parley.CacheNotice{Visitors: sw.Visitors})
	}
	if sw.Conversations > 0 {
		s.logger.Info("conversations erased by the retention rule", "conversations", sw.Conversations, "cutoff", sw.Cutoff)
	}
	return nil
}
