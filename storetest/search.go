package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// searchTests are the contract of SearchConversations, run by Run.
var searchTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"SearchWords", testSearchWords},
	{"SearchFilters", testSearchFilters},
	{"SearchVisibility", testSearchVisibility},
	{"SearchPages", testSearchPages},
	{"SearchManyMatches", testSearchManyMatches},
}

// searchWorld is a few conversations in two channels, with words in several languages.
type searchWorld struct {
	web, sales      *parley.Channel
	ann, bob, carl  *parley.User
	vera, hans, zoe *parley.Conversation
	veraRefund      *parley.Message // Vera's newest message with "refund"
}

func mustSearchWorld(t *testing.T, s parley.Store) *searchWorld {
	t.Helper()
	ctx := t.Context()
	w := &searchWorld{web: mustChannel(t, s, "Website", 0), sales: mustChannel(t, s, "Sales", 0)}
	w.ann, w.bob, w.carl = mustUser(t, s, "ann"), mustUser(t, s, "bob"), mustUser(t, s, "carl")
	mustJoin(t, s, w.web.ID, w.ann.ID)
	mustJoin(t, s, w.sales.ID, w.bob.ID, w.carl.ID)
	op := func(u *parley.User) parley.Author {
		return parley.Author{Kind: parley.AuthorOperator, Name: u.Name, ID: u.ID}
	}
	visitor := parley.Author{Kind: parley.AuthorVisitor}

	// Vera, on the website with Ann, on day 0; rated good.
	w.vera, _ = mustStart(t, s, parley.NewConversation{ChannelID: w.web.ID, VisitorID: mustVisitor(t, s, "Vera Lopez").ID, Language: "en",
		Body: "Hello, I would like a refund for my order.", Now: t0}, pick(w.ann.ID))
	mustAdd(t, s, w.vera.ID, op(w.ann), "Of course. Was it the Café Crème box?", t0.Add(time.Minute))
	w.veraRefund = mustAdd(t, s, w.vera.ID, visitor, "Yes. The REFUND should go to my card, please.", t0.Add(2*time.Minute))
	mustAdd(t, s, w.vera.ID, op(w.ann), "Done: it's on its way.", t0.Add(3*time.Minute))
	mustEnd(t, s, w.vera.ID, parley.VisitorLeftMessage, t0.Add(4*time.Minute))
	if err := s.RateConversation(ctx, w.vera.ID, parley.Rating{Score: 5, Comment: "Quick!"}); err != nil {
		t.Fatal(err)
	}

	// Hans, in sales with Bob, on day 1; rated bad.
	w.hans, _ = mustStart(t, s, parley.NewConversation{ChannelID: w.sales.ID, VisitorID: mustVisitor(t, s, "Hans Müller").ID, Language: "de",
		Body: "Ich möchte eine Rückerstattung, bitte. Élan-Modell, refunding?", Now: t0.Add(24 * time.Hour)}, pick(w.bob.ID))
	mustAdd(t, s, w.hans.ID, op(w.bob), "Wir prüfen das. Ihre Bestellnummer?", t0.Add(24*time.Hour+time.Minute))
	mustEnd(t, s, w.hans.ID, parley.OperatorLeftMessage, t0.Add(24*time.Hour+2*time.Minute))
	if err := s.RateConversation(ctx, w.hans.ID, parley.Rating{Score: 1}); err != nil {
		t.Fatal(err)
	}

	// Zoé, in sales with Carl, on day 2, still going.
	w.zoe, _ = mustStart(t, s, parley.NewConversation{ChannelID: w.sales.ID, VisitorID: mustVisitor(t, s, "Zoé").ID, Language: "fr",
		Body: "Bonjour, où est ma commande ? Numéro 4521.", Now: t0.Add(48 * time.Hour)}, pick(w.carl.ID))
	mustAdd(t, s, w.zoe.ID, op(w.carl), "Je regarde : elle part demain.", t0.Add(48*time.Hour+time.Minute))
	return w
}

// searchIDs runs q and returns the ids of the conversations found, in order.
func searchIDs(t *testing.T, s parley.Store, q parley.SearchQuery) []int64 {
	t.Helper()
	found, err := s.SearchConversations(t.Context(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	ids := []int64{}
	for _, r := range found {
		if (r.Message == nil) != (len(q.Words) == 0) {
			t.Errorf("search %+v: conversation %d with message %v", q, r.Conversation.ID, r.Message)
		}
		ids = append(ids, r.Conversation.ID)
	}
	return ids
}

func words(t *testing.T, text string) []string {
	t.Helper()
	w, err := parley.SearchWords(text)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testSearchWords(t *testing.T, s parley.Store) {
	w := mustSearchWorld(t, s)
	none := []int64{}
	for _, tc := range []struct {
		text string
		want []int64
	}{
		{"refund", []int64{w.hans.ID, w.vera.ID}}, // "refunding" starts with it; newest first
		{"REFUND", []int64{w.hans.ID, w.vera.ID}},
		{"ref", []int64{w.hans.ID, w.vera.ID}},
		{"efund", none},                      // the start of a word, not any part
		{"refund order", []int64{w.vera.ID}}, // both in one message
		{"refund card", []int64{w.vera.ID}},
		{"order card", none}, // in two messages of one conversation, never together
		{"cafe", []int64{w.vera.ID}},
		{"CAFÉ crème", []int64{w.vera.ID}},
		{"creme", []int64{w.vera.ID}},
		{"elan", []int64{w.hans.ID}},
		{"élan", []int64{w.hans.ID}},
		{"muller", none}, // the visitor's name is not in a message
		{"ruckerstattung", []int64{w.hans.ID}},
		{"Rückerst", []int64{w.hans.ID}},
		{"ou commande", []int64{w.zoe.ID}},
		{"4521", []int64{w.zoe.ID}},
		{"left", none},     // "Visitor left the conversation.": system notices are not searched
		{"operator", none}, // "The operator ended the conversation."
		// Text an engine would read as its syntax is only words.
		{`"refund`, []int64{w.hans.ID, w.vera.ID}},
		{`refund*`, []int64{w.hans.ID, w.vera.ID}},
		{`refund OR zzz`, none},
		{`NOT refund`, none},
		{`refund & !card | (x) 'y' <-> :*`, none},
		{`body:refund`, none},
		{`^ref + -card NEAR(ref card)`, none},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got := searchIDs(t, s, parley.SearchQuery{Words: words(t, tc.text)})
			wantIDs(t, fmt.Sprintf("search %q", tc.text), got, tc.want)
		})
	}

	t.Run("message", func(t *testing.T) {
		found, err := s.SearchConversations(t.Context(), parley.SearchQuery{Words: words(t, "refund")})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 2 {
			t.Fatalf("found %d conversations, want 2", len(found))
		}
		// The newest message with the words, not the first.
		got := found[1]
		wantConversation(t, got.Conversation, mustConversation(t, s, w.vera.ID))
		m := got.Message
		if m.ConversationID != w.vera.ID || m.Seq != w.veraRefund.Seq || m.Body != w.veraRefund.Body ||
			m.Author.Kind != parley.AuthorVisitor || !m.CreatedAt.Equal(w.veraRefund.CreatedAt) {
			t.Errorf("message %s, want %s", formatMessage(m), formatMessage(w.veraRefund))
		}
		if m := found[0].Message; m.Seq != 1 || m.Author.Kind != parley.AuthorVisitor {
			t.Errorf("Hans's message %s, want his first", formatMessage(m))
		}
	})
}

func testSearchFilters(t *testing.T, s parley.Store) {
	w := mustSearchWorld(t, s)
	day := func(n int) time.Time { return t0.Truncate(24*time.Hour).AddDate(0, 0, n) }
	none := []int64{}
	all := []int64{w.zoe.ID, w.hans.ID, w.vera.ID}
	for _, tc := range []struct {
		name string
		q    parley.SearchQuery
		want []int64
	}{
		{"nothing", parley.SearchQuery{}, all},
		{"visitor", parley.SearchQuery{Visitor: "vera"}, []int64{w.vera.ID}},
		{"visitor's last name", parley.SearchQuery{Visitor: "LOPEZ"}, []int64{w.vera.ID}},
		{"visitor unknown", parley.SearchQuery{Visitor: "nobody"}, none},
		{"visitor wildcard is a character", parley.SearchQuery{Visitor: "%"}, none},
		{"visitor underscore is a character", parley.SearchQuery{Visitor: "Ver_"}, none},
		{"operator", parley.SearchQuery{OperatorID: w.bob.ID}, []int64{w.hans.ID}},
		{"channel", parley.SearchQuery{ChannelID: w.sales.ID}, []int64{w.zoe.ID, w.hans.ID}},
		{"rating good", parley.SearchQuery{Rating: 5}, []int64{w.vera.ID}},
		{"rating bad", parley.SearchQuery{Rating: 1}, []int64{w.hans.ID}},
		{"rating okay", parley.SearchQuery{Rating: 3}, none},
		{"from", parley.SearchQuery{From: day(1)}, []int64{w.zoe.ID, w.hans.ID}},
		{"to", parley.SearchQuery{To: day(1)}, []int64{w.vera.ID}},
		{"from and to", parley.SearchQuery{From: day(1), To: day(2)}, []int64{w.hans.ID}},
		{"from exactly a start", parley.SearchQuery{From: w.hans.CreatedAt}, []int64{w.zoe.ID, w.hans.ID}},
		{"to exactly a start", parley.SearchQuery{To: w.hans.CreatedAt}, []int64{w.vera.ID}},
		{"channel and operator", parley.SearchQuery{ChannelID: w.sales.ID, OperatorID: w.carl.ID}, []int64{w.zoe.ID}},
		{"channel and rating", parley.SearchQuery{ChannelID: w.web.ID, Rating: 1}, none},
		{"words and channel", parley.SearchQuery{Words: []string{"refund"}, ChannelID: w.web.ID}, []int64{w.vera.ID}},
		{"words and visitor", parley.SearchQuery{Words: []string{"refund"}, Visitor: "hans"}, []int64{w.hans.ID}},
		{"words and operator", parley.SearchQuery{Words: []string{"refund"}, OperatorID: w.carl.ID}, none},
		{"words and rating", parley.SearchQuery{Words: []string{"refund"}, Rating: 5}, []int64{w.vera.ID}},
		{"words and dates", parley.SearchQuery{Words: []string{"refund"}, From: day(1), To: day(3)}, []int64{w.hans.ID}},
		{"everything", parley.SearchQuery{Words: []string{"commande"}, Visitor: "zo", OperatorID: w.carl.ID, ChannelID: w.sales.ID,
			From: day(2), To: day(3)}, []int64{w.zoe.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantIDs(t, tc.name, searchIDs(t, s, tc.q), tc.want)
		})
	}

	t.Run("conversation", func(t *testing.T) {
		found, err := s.SearchConversations(t.Context(), parley.SearchQuery{Rating: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 {
			t.Fatalf("found %d, want 1", len(found))
		}
		c := found[0].Conversation
		wantConversation(t, c, mustConversation(t, s, w.hans.ID))
		if c.VisitorName != "Hans Müller" || c.OperatorID != w.bob.ID || c.Status != parley.StatusEnded || c.Rating == nil || c.Rating.Score != 1 {
			t.Errorf("conversation %s", formatConversation(c))
		}
	})
}

func testSearchVisibility(t *testing.T, s parley.Store) {
	w := mustSearchWorld(t, s)
	// Ann is in the website's channel; a sales conversation she took while in sales
	// stays hers after she left it.
	mustJoin(t, s, w.sales.ID, w.ann.ID)
	dana, _ := mustStart(t, s, parley.NewConversation{ChannelID: w.sales.ID, VisitorID: mustVisitor(t, s, "Dana").ID,
		Body: "A refund for Dana, please.", Now: t0.Add(72 * time.Hour)}, pick(w.ann.ID))
	if err := s.LeaveChannel(t.Context(), w.sales.ID, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	// Nobody's yet: queued in sales.
	eve, _ := mustStart(t, s, parley.NewConversation{ChannelID: w.sales.ID, VisitorID: mustVisitor(t, s, "Eve").ID,
		Body: "Refund? Anyone?", Now: t0.Add(73 * time.Hour)}, queue)
	none := []int64{}
	for _, tc := range []struct {
		name   string
		reader int64
		q      parley.SearchQuery
		want   []int64
	}{
		{"ann's words", w.ann.ID, parley.SearchQuery{Words: []string{"refund"}}, []int64{dana.ID, w.vera.ID}},
		{"ann's all", w.ann.ID, parley.SearchQuery{}, []int64{dana.ID, w.vera.ID}},
		{"ann in sales", w.ann.ID, parley.SearchQuery{ChannelID: w.sales.ID}, []int64{dana.ID}},
		{"ann and bob's", w.ann.ID, parley.SearchQuery{OperatorID: w.bob.ID}, none},
		{"ann and hans", w.ann.ID, parley.SearchQuery{Words: []string{"ruckerstattung"}}, none},
		{"bob's words", w.bob.ID, parley.SearchQuery{Words: []string{"refund"}}, []int64{eve.ID, dana.ID, w.hans.ID}},
		{"carl's all", w.carl.ID, parley.SearchQuery{}, []int64{eve.ID, dana.ID, w.zoe.ID, w.hans.ID}},
		{"everyone's", 0, parley.SearchQuery{Words: []string{"refund"}}, []int64{eve.ID, dana.ID, w.hans.ID, w.vera.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.ReaderID = tc.reader
			wantIDs(t, tc.name, searchIDs(t, s, tc.q), tc.want)
		})
	}

	t.Run("after leaving", func(t *testing.T) {
		if err := s.LeaveChannel(t.Context(), w.sales.ID, w.carl.ID); err != nil {
			t.Fatal(err)
		}
		// Zoé is still his; the rest of sales is not.
		got := searchIDs(t, s, parley.SearchQuery{ReaderID: w.carl.ID})
		wantIDs(t, "carl's after leaving", got, []int64{w.zoe.ID})
	})
}

func testSearchPages(t *testing.T, s parley.Store) {
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	var ids []int64
	for i := range 7 {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, fmt.Sprint("V", i)).ID,
			Body: fmt.Sprintf("Parcel %d is late", i), Now: t0.Add(time.Duration(i) * time.Minute)}, pick(op.ID))
		if i%2 == 0 {
			mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Op", ID: op.ID}, "Which parcel?", t0.Add(time.Duration(i)*time.Minute+time.Second))
		}
		ids = append([]int64{c.ID}, ids...) // newest first
	}
	for _, q := range []parley.SearchQuery{{Words: []string{"parcel"}}, {ChannelID: ch.ID}, {Words: []string{"parcel"}, ReaderID: op.ID}} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			var got []int64
			for page := 0; page < 10; page++ {
				q.Limit = 3
				ids := searchIDs(t, s, q)
				if len(ids) > 3 {
					t.Fatalf("page of %d, limit 3", len(ids))
				}
				got = append(got, ids...)
				if len(ids) < 3 {
					break
				}
				q.Before = ids[len(ids)-1]
			}
			wantIDs(t, "pages", got, ids)
		})
	}
}

// testSearchManyMatches has a conversation with hundreds of messages that match, among
// others that a reader may not see: each conversation is found once, with its newest
// message, whatever the store reads at a time.
func testSearchManyMatches(t *testing.T, s parley.Store) {
	a, b := mustChannel(t, s, "A", 0), mustChannel(t, s, "B", 0)
	ann, bob := mustUser(t, s, "ann"), mustUser(t, s, "bob")
	mustJoin(t, s, a.ID, ann.ID)
	mustJoin(t, s, b.ID, bob.ID)
	at := t0
	start := func(ch *parley.Channel, op *parley.User, messages int) (*parley.Conversation, int64) {
		at = at.Add(time.Hour)
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "V").ID, Body: "Where is my parcel?", Now: at}, pick(op.ID))
		last := int64(1)
		for i := 1; i < messages; i++ {
			last = mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorVisitor}, fmt.Sprintf("Parcel %d is still missing.", i), at.Add(time.Duration(i)*time.Millisecond)).Seq
		}
		return c, last
	}
	c1, _ := start(a, ann, 1)
	c2, last2 := start(b, bob, 300)
	c3, _ := start(a, ann, 1)
	c4, _ := start(b, bob, 10)

	found, err := s.SearchConversations(t.Context(), parley.SearchQuery{Words: []string{"parcel"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range found {
		ids = append(ids, r.Conversation.ID)
		if r.Conversation.ID == c2.ID && r.Message.Seq != last2 {
			t.Errorf("conversation %d found with message %d, want its newest, %d", c2.ID, r.Message.Seq, last2)
		}
	}
	wantIDs(t, "everyone's", ids, []int64{c4.ID, c3.ID, c2.ID, c1.ID})
	wantIDs(t, "ann's", searchIDs(t, s, parley.SearchQuery{Words: []string{"parcel"}, ReaderID: ann.ID, Limit: 2}), []int64{c3.ID, c1.ID})
	wantIDs(t, "ann's after c3", searchIDs(t, s, parley.SearchQuery{Words: []string{"parcel"}, ReaderID: ann.ID, Limit: 2, Before: c3.ID}), []int64{c1.ID})
	wantIDs(t, "before c2", searchIDs(t, s, parley.SearchQuery{Words: []string{"missing"}, Before: c2.ID + 1, Limit: 1}), []int64{c2.ID})
}

// SearchAfterDeletes checks that messages and conversations deleted by plain SQL, as
// an erasure does (exec runs a statement on the store's database), are no longer found,
// and that the index follows the messages stored afterwards. A store whose index is
// kept by hand (not by the database itself) fails it.
func SearchAfterDeletes(t *testing.T, s parley.Store, exec func(ctx context.Context, query string, args ...any) error) {
	ctx := t.Context()
	w := mustSearchWorld(t, s)
	find := func(text string) []int64 { return searchIDs(t, s, parley.SearchQuery{Words: words(t, text)}) }
	wantIDs(t, "before", find("refund"), []int64{w.hans.ID, w.vera.ID})

	// One message: Vera's newest with "refund" goes; her first still matches.
	if err := exec(ctx, `DELETE FROM messages WHERE conversation_id = `+fmt.Sprint(w.vera.ID)+` AND seq = `+fmt.Sprint(w.veraRefund.Seq)); err != nil {
		t.Fatal(err)
	}
	found, err := s.SearchConversations(ctx, parley.SearchQuery{Words: []string{"refund"}, ChannelID: w.web.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Message.Seq != 1 {
		t.Errorf("after deleting message %d: %d found, want Vera's message 1", w.veraRefund.Seq, len(found))
	}
	wantIDs(t, "card", find("card"), []int64{})

	// A conversation, with everything that names it, as an erasure deletes it.
	for _, q := range []string{
		`DELETE FROM messages WHERE conversation_id = ` + fmt.Sprint(w.hans.ID),
		`DELETE FROM conversation_reads WHERE conversation_id = ` + fmt.Sprint(w.hans.ID),
		`DELETE FROM conversations WHERE id = ` + fmt.Sprint(w.hans.ID),
	} {
		if err := exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	wantIDs(t, "refund", find("refund"), []int64{w.vera.ID})
	wantIDs(t, "elan", find("elan"), []int64{})

	// A conversation deleted alone takes its messages by cascade.
	if err := exec(ctx, `DELETE FROM conversations WHERE id = `+fmt.Sprint(w.zoe.ID)); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "commande", find("commande"), []int64{})
	wantIDs(t, "all", searchIDs(t, s, parley.SearchQuery{ChannelID: w.sales.ID}), []int64{})

	// New messages are found.
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: w.web.ID, VisitorID: mustVisitor(t, s, "Nina").ID,
		Body: "Une commande perdue", Now: t0.Add(96 * time.Hour)}, pick(w.ann.ID))
	mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Ann", ID: w.ann.ID}, "Elle arrive.", t0.Add(97*time.Hour))
	wantIDs(t, "commande again", find("commande"), []int64{c.ID})
	wantIDs(t, "arrive", find("arrive"), []int64{c.ID})
	if got := find("perdue arrive"); !slices.Equal(got, []int64{}) {
		t.Errorf("words of two messages found together: %v", got)
	}

	// A body changed (an erasure may blank it rather than delete it) is found by its new
	// words only.
	if err := exec(ctx, `UPDATE messages SET body = 'Texte effacé' WHERE conversation_id = `+fmt.Sprint(c.ID)+` AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "perdue", find("perdue"), []int64{})
	wantIDs(t, "efface", find("efface"), []int64{c.ID})

	// Messages deleted or changed at once, before any search: none is found by the words
	// it no longer has (a store may index a message some time after storing it).
	gone := mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Ann", ID: w.ann.ID}, "Bientôt supprimé", t0.Add(98*time.Hour))
	changed := mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Ann", ID: w.ann.ID}, "Premier jet", t0.Add(99*time.Hour))
	if err := exec(ctx, `DELETE FROM messages WHERE conversation_id = `+fmt.Sprint(c.ID)+` AND seq = `+fmt.Sprint(gone.Seq)); err != nil {
		t.Fatal(err)
	}
	if err := exec(ctx, `UPDATE messages SET body = 'Version finale' WHERE conversation_id = `+fmt.Sprint(c.ID)+` AND seq = `+fmt.Sprint(changed.Seq)); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "supprime", find("supprime"), []int64{})
	wantIDs(t, "jet", find("jet"), []int64{})
	wantIDs(t, "finale", find("finale"), []int64{c.ID})
}
