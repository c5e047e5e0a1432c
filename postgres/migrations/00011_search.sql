-- +goose Up
-- Full-text search over the messages of visitors and operators (system notices are not
-- searched: every conversation has "Visitor left the conversation."). The 'simple'
-- configuration lowercases words and stems none: visitors write in many languages, and a
-- stemmer is right for one only; a search looks for the start of each word instead.
-- parley_fold takes the accents off Latin letters ("Café" is indexed as "cafe"), as
-- SQLite's unicode61 tokenizer does with remove_diacritics: it decomposes the text (NFD),
-- drops the combining marks that follow a Latin letter, and composes the rest again (NFC),
-- so other scripts keep theirs (й stays й). It needs no extension (unaccent is not in
-- every installation, and an extension lives in one schema), and is IMMUTABLE, as an
-- index expression must be. ASCII text is returned as it is, at once: a translate() of
-- the accented letters cost 30 µs a message, this 2.5 µs (ASCII) to 8 µs (French).
--
-- The index is on an expression of the body, not on a stored column: each message costs
-- its entries in the index and nothing more in the table, and whatever deletes a message
-- (an erasure's plain DELETE, a cascade) takes its entries with it. Queries spell the
-- expression and the condition exactly as here (postgres/search.go) for the planner to
-- use the index. fastupdate is off: with it, every insert appends to one pending list
-- (under its metapage's lock, so the two batchers take turns), which every search then
-- reads through, and which some unlucky insert merges into the index at 4 MB; without
-- it, each message updates its few words' entries at once. BenchmarkAddMessageParallel
-- measured the same either way on a busy machine.
-- +goose StatementBegin
CREATE FUNCTION parley_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN octet_length($1) = length($1) THEN $1
    ELSE normalize(regexp_replace(normalize($1, NFD), '([A-Za-z])[\u0300-\u036f]+', '\1', 'g'), NFC) END $$;
-- +goose StatementEnd

CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple'::regconfig, parley_fold(body))) WITH (fastupdate = off)
    WHERE author_kind <> 'system';

-- +goose Down
DROP INDEX messages_search;
DROP FUNCTION parley_fold(text);
