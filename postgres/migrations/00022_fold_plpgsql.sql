-- +goose Up
-- parley_fold, the same expression in PL/pgSQL. A SQL function that PostgreSQL cannot
-- inline (this one is STRICT, its CASE is not) is parsed, planned and started again in
-- every statement that calls it, and every insert into messages calls it for the search
-- index: under load that was a tenth of PostgreSQL's CPU. A PL/pgSQL function is compiled
-- once per connection and its expression planned once. The index keeps its entries: the
-- function, and what it returns, are the same.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION parley_fold(text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$ BEGIN
    RETURN CASE WHEN octet_length($1) = length($1) THEN $1
        ELSE normalize(regexp_replace(normalize($1, NFD), '([A-Za-z])[\u0300-\u036f]+', '\1', 'g'), NFC) END;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION parley_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN octet_length($1) = length($1) THEN $1
    ELSE normalize(regexp_replace(normalize($1, NFD), '([A-Za-z])[\u0300-\u036f]+', '\1', 'g'), NFC) END $$;
-- +goose StatementEnd
