package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// recordVisit records, in the transaction of the start that created the visitor's
// conversation, what their browser told with the first message.
func recordVisit(ctx context.Context, tx pgx.Tx, visitorID int64, v *parley.Visit) error {
	if err := lockVisitor(ctx, tx, visitorID); err != nil {
		return err
	}
	vc := v.Context
	_, err := tx.Exec(ctx, `INSERT INTO visitor_contexts
		(visitor_id, user_agent, browser, os, languages, timezone, utc_offset_minutes, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (visitor_id) DO UPDATE SET user_agent = excluded.user_agent,
			browser = excluded.browser, os = excluded.os, languages = excluded.languages,
			timezone = excluded.timezone, utc_offset_minutes = excluded.utc_offset_minutes,
			updated_at = excluded.updated_at`,
		visitorID, vc.UserAgent, vc.Browser, vc.OS, jsonList(vc.Languages), vc.Timezone, vc.UTCOffsetMinutes,
		dbTime(orNow(vc.UpdatedAt).UTC()))
	if err != nil {
		return err
	}
	return addPageViews(ctx, tx, visitorID, v.Pages, v.Referrer)
}

// VisitorContext returns what the visitor's browser told at their last start.
func (s *Store) VisitorContext(ctx context.Context, visitorID int64) (*parley.VisitorContext, error) {
	if err := visitorExists(ctx, s.pool, visitorID); err != nil {
		return nil, fmt.Errorf("get context of visitor %d: %w", visitorID, err)
	}
	vc := &parley.VisitorContext{Languages: []string{}}
	var langs string
	var updated *int64
	err := s.pool.QueryRow(ctx, `SELECT user_agent, browser, os, languages, timezone,
		utc_offset_minutes, referrer, updated_at FROM visitor_contexts WHERE visitor_id = $1`, visitorID).
		Scan(&vc.UserAgent, &vc.Browser, &vc.OS, &langs, &vc.Timezone, &vc.UTCOffsetMinutes, &vc.Referrer, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return vc, nil
	} else if err != nil {
		return nil, fmt.Errorf("get context of visitor %d: %w", visitorID, err)
	}
	if err := json.Unmarshal([]byte(langs), &vc.Languages); err != nil {
		return nil, fmt.Errorf("get context of visitor %d: languages: %w", visitorID, err)
	}
	vc.UpdatedAt = goTime(updated)
	return vc, nil
}

// AddPageViews appends the views and keeps the visitor's newest parley.MaxPageViews. The
// visitor's row lock makes two servers' reports for one visitor take turns, so that
// neither keeps a view the other's trim would have deleted.
func (s *Store) AddPageViews(ctx context.Context, visitorID int64, views []parley.PageView, referrer string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := lockVisitor(ctx, tx, visitorID); err != nil {
			return err
		}
		return addPageViews(ctx, tx, visitorID, views, referrer)
	})
	if err != nil {
		return fmt.Errorf("add page views of visitor %d: %w", visitorID, err)
	}
	return nil
}

// addPageViews adds the views under the visitor's row lock, which the caller holds.
func addPageViews(ctx context.Context, tx pgx.Tx, visitorID int64, views []parley.PageView, referrer string) error {
	for _, v := range views {
		if _, err := tx.Exec(ctx, `INSERT INTO page_views (visitor_id, url, title, referrer, viewed_at)
			VALUES ($1, $2, $3, $4, $5)`, visitorID, v.URL, v.Title, v.Referrer, dbTime(orNow(v.ViewedAt).UTC())); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM page_views WHERE visitor_id = $1 AND id <= COALESCE((
		SELECT id FROM page_views WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2), 0)`,
		visitorID, parley.MaxPageViews); err != nil {
		return err
	}
	if referrer == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO visitor_contexts (visitor_id, referrer) VALUES ($1, $2)
		ON CONFLICT (visitor_id) DO UPDATE SET referrer = excluded.referrer`, visitorID, referrer)
	return err
}

// PageViews lists the visitor's kept page views, newest first.
func (s *Store) PageViews(ctx context.Context, visitorID int64) ([]parley.PageView, error) {
	if err := visitorExists(ctx, s.pool, visitorID); err != nil {
		return nil, fmt.Errorf("list page views of visitor %d: %w", visitorID, err)
	}
	scan := func(row scanner) (parley.PageView, error) {
		var v parley.PageView
		var at *int64
		err := row.Scan(&v.URL, &v.Title, &v.Referrer, &at)
		v.ViewedAt = goTime(at)
		return v, err
	}
	views, err := queryAll(ctx, s.pool, scan, `SELECT url, title, referrer, viewed_at FROM page_views
		WHERE visitor_id = $1 ORDER BY id DESC`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("list page views of visitor %d: %w", visitorID, err)
	}
	return views, nil
}

// VisitorConversations lists the visitor's conversations older than beforeID, newest first.
func (s *Store) VisitorConversations(ctx context.Context, visitorID, beforeID int64, limit int) ([]*parley.Conversation, error) {
	convs, err := queryConversations(ctx, s.pool, `WHERE c.visitor_id = $1 AND c.id < $2 ORDER BY c.id DESC LIMIT $3`,
		visitorID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list conversations of visitor %d: %w", visitorID, err)
	}
	return convs, nil
}

func visitorExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM visitors WHERE id = $1`, id)
	if err != nil {
		return err
	} else if !ok {
		return errVisitorNotFound(id)
	}
	return nil
}

// lockVisitor takes the visitor's row lock (FOR NO KEY UPDATE: conversations that refer
// to the visitor may still be inserted meanwhile).
func lockVisitor(ctx context.Context, tx pgx.Tx, id int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM visitors WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return errVisitorNotFound(id)
	}
	return err
}

func errVisitorNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Visitor %d not found.", id)
}
