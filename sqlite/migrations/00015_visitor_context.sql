-- +goose Up
-- What the visitor's browser told at their last start, for the operator who answers
-- them: one row per visitor who told anything. Languages are a JSON array.
CREATE TABLE visitor_contexts (
    visitor_id         INTEGER PRIMARY KEY REFERENCES visitors (id) ON DELETE CASCADE,
    user_agent         TEXT    NOT NULL DEFAULT '',
    browser            TEXT    NOT NULL DEFAULT '',
    os                 TEXT    NOT NULL DEFAULT '',
    languages          TEXT    NOT NULL DEFAULT '[]',
    timezone           TEXT    NOT NULL DEFAULT '',
    utc_offset_minutes INTEGER,
    referrer           TEXT    NOT NULL DEFAULT '',
    updated_at         INTEGER
);

-- The pages a visitor viewed with the widget loaded: the newest 15 are kept, in the
-- order they were reported (id).
CREATE TABLE page_views (
    id         INTEGER PRIMARY KEY,
    visitor_id INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    referrer   TEXT    NOT NULL DEFAULT '',
    viewed_at  INTEGER NOT NULL
);

CREATE INDEX page_views_visitor ON page_views (visitor_id, id);

-- +goose Down
DROP TABLE page_views;
DROP TABLE visitor_contexts;
