package postgres

import (
	"strings"
	"testing"

	"github.com/parleychat/parley"
)

// TestSearchUsesTheIndex plans a search with sequential scans made as dear as they go:
// the words must be looked up in the GIN index messages_search, which only happens when
// the query spells the index's expression and condition exactly (migration 11). A search
// that scanned the messages would read every message ever stored.
func TestSearchUsesTheIndex(t *testing.T) {
	conn := planConn(t, `SET enable_seqscan = off`)
	for _, q := range []parley.SearchQuery{
		{Words: []string{"refund"}},
		{Words: []string{"café", "order"}, ChannelID: 1, Before: 10, ReaderID: 2},
	} {
		query, args := searchSQL(q)
		if text := explain(t, conn, `EXPLAIN `+query, args...); !strings.Contains(text, "Bitmap Index Scan on messages_search") {
			t.Errorf("the search does not use the index messages_search:\n%s", text)
		}
	}
}
