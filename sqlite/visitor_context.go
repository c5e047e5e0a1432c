package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parleychat/parley"
)

// What the visitor's browser told and the pages they viewed touch nothing the writer's
// assignment snapshot or live conversations mirror: their writes keep them.

// recordVisit records, in the transaction of the start that created the visitor's
// conversation, what their browser told with the first message.
func recordVisit(ctx context.Context, tx *wtx, visitorID int64, v *parley.Visit) error {
	vc := v.Context
	var offset any
	if vc.UTCOffsetMinutes != nil {
		offset = *vc.UTCOffsetMinutes
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO visitor_contexts
		(visitor_id, user_agent, browser, os, languages, timezone, utc_offset_minutes, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (visitor_id) DO UPDATE SET user_agent = excluded.user_agent,
			browser = excluded.browser, os = excluded.os, languages = excluded.languages,
			timezone = excluded.timezone, utc_offset_minutes = excluded.utc_offset_minutes,
			updated_at = excluded.updated_at`,
		visitorID, vc.UserAgent, vc.Browser, vc.OS, jsonList(vc.Languages), vc.Timezone, offset,
		dbTime(orNow(vc.UpdatedAt).UTC()))
	if err != nil {
		return err
	}
	return addPageViews(ctx, tx, visitorID, v.Pages, v.Referrer)
}

// VisitorContext returns what the visitor's browser told at their last start.
func (s *Store) VisitorContext(ctx context.Context, visitorID int64) (*parley.VisitorContext, error) {
	if err := visitorExists(ctx, s.read, visitorID); err != nil {
		return nil, fmt.Errorf("get context of visitor %d: %w", visitorID, err)
	}
	vc := &parley.VisitorContext{Languages: []string{}}
	var langs string
	var offset, updated sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT user_agent, browser, os, languages, timezone,
		utc_offset_minutes, referrer, updated_at FROM visitor_contexts WHERE visitor_id = ?`, visitorID).
		Scan(&vc.UserAgent, &vc.Browser, &vc.OS, &langs, &vc.Timezone, &offset, &vc.Referrer, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return vc, nil
	} else if err != nil {
		return nil, fmt.Errorf("get context of visitor %d: %w", visitorID, err)
	}
	if err := json.Unmarshal([]byte(langs), &vc.Languages); err != nil {
		return nil, fmt.Errorf("get context of visitor %d: languages: %w", visitorID, err)
	}
	if offset.Valid {
		n := int(offset.Int64)
		vc.UTCOffsetMinutes = &n
	}
	vc.UpdatedAt = goTime(updated)
	return vc, nil
}

// AddPageViews appends the views and keeps the visitor's newest parley.MaxPageViews.
func (s *Store) AddPageViews(ctx context.Context, visitorID int64, views []parley.PageView, referrer string) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if err := visitorExists(ctx, tx, visitorID); err != nil {
			return err
		}
		return addPageViews(ctx, tx, visitorID, views, referrer)
	})
	if err != nil {
		return fmt.Errorf("add page views of visitor %d: %w", visitorID, err)
	}
	return nil
}

func addPageViews(ctx context.Context, tx *wtx, visitorID int64, views []parley.PageView, referrer string) error {
	for _, v := range views {
		if _, err := tx.ExecContext(ctx, `INSERT INTO page_views (visitor_id, url, title, referrer, viewed_at)
			VALUES (?, ?, ?, ?, ?)`, visitorID, v.URL, v.Title, v.Referrer, dbTime(orNow(v.ViewedAt).UTC())); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM page_views WHERE visitor_id = ? AND id <= COALESCE((
		SELECT id FROM page_views WHERE visitor_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)`,
		visitorID, visitorID, parley.MaxPageViews); err != nil {
		return err
	}
	if referrer == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO visitor_contexts (visitor_id, referrer) VALUES (?, ?)
		ON CONFLICT (visitor_id) DO UPDATE SET referrer = excluded.referrer`, visitorID, referrer)
	return err
}

// PageViews lists the visitor's kept page views, newest first.
func (s *Store) PageViews(ctx context.Context, visitorID int64) ([]parley.PageView, error) {
	if err := visitorExists(ctx, s.read, visitorID); err != nil {
		return nil, fmt.Errorf("list page views of visitor %d: %w", visitorID, err)
	}
	scan := func(row scanner) (parley.PageView, error) {
		var v parley.PageView
		var at sql.NullInt64
		err := row.Scan(&v.URL, &v.Title, &v.Referrer, &at)
		v.ViewedAt = goTime(at)
		return v, err
	}
	views, err := queryAll(ctx, s.read, scan, `SELECT url, title, referrer, viewed_at FROM page_views
		WHERE visitor_id = ? ORDER BY id DESC`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("list page views of visitor %d: %w", visitorID, err)
	}
	return views, nil
}

// VisitorConversations lists the visitor's conversations older than beforeID, newest first.
func (s *Store) VisitorConversations(ctx context.Context, visitorID, beforeID int64, limit int) ([]*parley.Conversation, error) {
	convs, err := queryConversations(ctx, s.read, `WHERE c.visitor_id = ? AND c.id < ? ORDER BY c.id DESC LIMIT ?`,
		visitorID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list conversations of visitor %d: %w", visitorID, err)
	}
	return convs, nil
}

func visitorExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM visitors WHERE id = ?`, id)
	if err != nil {
		return err
	} else if !ok {
		return parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", id)
	}
	return nil
}
