package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// dataTests are the contract of the audit log, data requests and retention, run by Run.
var dataTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"AuditLog", testAuditLog},
	{"FindVisitors", testFindVisitors},
	{"EraseData", testEraseData},
	{"EraseByEmailOnly", testEraseByEmailOnly},
	{"EraseWebhookCopies", testEraseWebhookCopies},
	{"Retention", testRetention},
	{"RetentionWebhookDeliveries", testRetentionWebhookDeliveries},
}

// testRetentionWebhookDeliveries: the retention rule also takes the webhooks' deliveries
// older than its cutoff, whose payloads copy what it erases; newer ones stay.
func testRetentionWebhookDeliveries(t *testing.T, s parley.Store) {
	ctx := t.Context()
	hook := mustWebhook(t, s, "https://hooks.example/all", true, parley.WebhookEvents...)
	ch := mustChannel(t, s, "Website", 0)
	old, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Old").ID, Language: "en", Body: "Long ago", Now: t0}, online)
	recent, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "New").ID, Language: "en", Body: "Lately", Now: t0.Add(40 * 24 * time.Hour)}, online)
	if err := s.SetRetentionSettings(ctx, &parley.RetentionSettings{Days: 30}); err != nil {
		t.Fatal(err)
	}
	if sw, err := s.SweepRetention(ctx, t0.Add(41*24*time.Hour), time.Hour); err != nil || !sw.Ran {
		t.Fatalf("sweep = %+v, %v", sw, err)
	}
	list, err := s.WebhookDeliveries(ctx, hook.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[int64]int{}
	for _, d := range list {
		var ev parley.WebhookEvent
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Conversation != nil {
			kept[ev.Conversation.ID]++
		}
		if ev.Message != nil {
			kept[ev.Message.ConversationID]++
		}
	}
	if kept[old.ID] != 0 || kept[recent.ID] == 0 {
		t.Errorf("deliveries after the sweep: %d of the old conversation, %d of the recent one; want 0 and some", kept[old.ID], kept[recent.ID])
	}
}

// testEraseWebhookCopies: the webhooks' outbox holds copies of what an erasure takes
// (messages, left messages): they go too, and another visitor's stay.
func testEraseWebhookCopies(t *testing.T, s parley.Store) {
	ctx := t.Context()
	hook := mustWebhook(t, s, "https://hooks.example/all", true, parley.WebhookEvents...)
	w := mustDataWorld(t, s)
	about := func() (vera, vic int) {
		t.Helper()
		list, err := s.WebhookDeliveries(ctx, hook.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			var ev parley.WebhookEvent
			if err := json.Unmarshal(d.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			var conv int64
			switch {
			case ev.Conversation != nil:
				conv = ev.Conversation.ID
			case ev.Message != nil:
				conv = ev.Message.ConversationID
			case ev.OfflineMessage != nil && (strings.EqualFold(ev.OfflineMessage.Email, "vera@example.com") ||
				ev.OfflineMessage.VisitorID != nil && *ev.OfflineMessage.VisitorID == w.vera.ID):
				vera++
				continue
			case ev.OfflineMessage != nil:
				vic++
				continue
			}
			if slices.Contains(w.veraConvs, conv) {
				vera++
			} else if conv == w.vicConv {
				vic++
			}
		}
		return vera, vic
	}
	veraBefore, vicBefore := about()
	if veraBefore == 0 || vicBefore == 0 {
		t.Fatalf("deliveries before the erasure: %d about Vera, %d about Vic; want some of each", veraBefore, vicBefore)
	}
	if _, err := s.EraseData(ctx, parley.DataSubject{VisitorID: w.vera.ID, Email: "vera@example.com"}, t0.Add(4*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if vera, vic := about(); vera != 0 || vic != vicBefore {
		t.Errorf("deliveries after erasing Vera: %d about her, %d about Vic; want 0 and %d", vera, vic, vicBefore)
	}
}

// testAuditLog: entries come back newest first, paged by id, filtered by action and
// actor, with their detail, time and the actor's login as written.
func testAuditLog(t *testing.T, s parley.Store) {
	ctx := t.Context()
	if list, err := s.AuditLog(ctx, parley.AuditQuery{Limit: 10}); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("AuditLog of a new store = %v, %v; want an empty list", list, err)
	}
	ann := &parley.User{ID: 7, Login: "ann"}
	bob := &parley.User{ID: 8, Login: "bob"}
	var ids []int64
	for i, e := range []*parley.AuditEntry{
		parley.NewAuditEntry(ann, t0, parley.AuditUserCreate, "user", "12", map[string]string{"login": "zoe"}),
		parley.NewAuditEntry(bob, t0.Add(time.Second), parley.AuditChannelUpdate, "channel", "3", nil),
		parley.NewAuditEntry(ann, t0.Add(2*time.Second), parley.AuditUserUpdate, "user", "12", map[string]any{"role": "admin"}),
		{Action: parley.AuditRetentionSweep, At: t0.Add(3 * time.Second)}, // no detail: {}
	} {
		if err := s.AddAuditEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || (i > 0 && e.ID <= ids[i-1]) {
			t.Fatalf("entry %d got id %d after %v", i, e.ID, ids)
		}
		ids = append(ids, e.ID)
	}
	list, err := s.AuditLog(ctx, parley.AuditQuery{Limit: 10})
	if err != nil || len(list) != 4 {
		t.Fatalf("AuditLog = %d entries, %v; want 4", len(list), err)
	}
	wantIDs(t, "newest first", entryIDs(list), []int64{ids[3], ids[2], ids[1], ids[0]})
	first := list[3]
	if first.ActorID != 7 || first.ActorLogin != "ann" || first.Action != parley.AuditUserCreate || first.TargetKind != "user" ||
		first.TargetID != "12" || !first.At.Equal(t0) || string(first.Detail) != `{"login":"zoe"}` {
		t.Errorf("first entry = %+v (detail %s)", first, first.Detail)
	}
	if d := string(list[0].Detail); d != "{}" || list[0].ActorID != 0 || list[0].ActorLogin != "" {
		t.Errorf("Parley's own entry: actor %d %q, detail %s; want 0, \"\", {}", list[0].ActorID, list[0].ActorLogin, d)
	}
	for _, tc := range []struct {
		name string
		q    parley.AuditQuery
		want []int64
	}{
		{"a page", parley.AuditQuery{Limit: 2}, []int64{ids[3], ids[2]}},
		{"the next page", parley.AuditQuery{Before: ids[2], Limit: 2}, []int64{ids[1], ids[0]}},
		{"by action", parley.AuditQuery{Action: parley.AuditUserUpdate, Limit: 10}, []int64{ids[2]}},
		{"by actor", parley.AuditQuery{ActorID: 7, Limit: 10}, []int64{ids[2], ids[0]}},
		{"by actor and action, before", parley.AuditQuery{ActorID: 7, Action: parley.AuditUserCreate, Before: ids[0], Limit: 10}, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.AuditLog(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs(t, tc.name, entryIDs(got), tc.want)
		})
	}
}

func entryIDs(list []*parley.AuditEntry) []int64 {
	out := []int64{}
	for _, e := range list {
		out = append(out, e.ID)
	}
	return out
}

// testFindVisitors: by id, by a part of the name without regard to case (wildcards
// taken literally), newest first, with their conversations counted.
func testFindVisitors(t *testing.T, s parley.Store) {
	ctx := t.Context()
	op := mustUser(t, s, "olga")
	ch := mustChannel(t, s, "Website", 0)
	mustJoin(t, s, ch.ID, op.ID)
	vera, veronica, vic := mustVisitor(t, s, "Vera Lynn"), mustVisitor(t, s, "veronica 100%"), mustVisitor(t, s, "Vic")
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: vera.ID, Body: "Hi", Now: t0}, online)
	again, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: vera.ID, Body: "Again", Now: t0.Add(time.Hour)}, online)
	ids := func(q parley.VisitorQuery) []int64 {
		t.Helper()
		list, err := s.FindVisitors(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, v := range list {
			out = append(out, v.ID)
		}
		return out
	}
	wantIDs(t, "by id", ids(parley.VisitorQuery{ID: vera.ID}), []int64{vera.ID})
	wantIDs(t, "unknown id", ids(parley.VisitorQuery{ID: vic.ID + 100}), []int64{})
	wantIDs(t, "by conversation", ids(parley.VisitorQuery{ConversationID: again.ID}), []int64{vera.ID})
	wantIDs(t, "by unknown conversation", ids(parley.VisitorQuery{ConversationID: again.ID + 100}), []int64{})
	wantIDs(t, "by conversation and another's name", ids(parley.VisitorQuery{ConversationID: again.ID, Name: "Vic"}), []int64{})
	wantIDs(t, "by name", ids(parley.VisitorQuery{Name: "VER"}), []int64{veronica.ID, vera.ID})
	wantIDs(t, "wildcards are letters", ids(parley.VisitorQuery{Name: "0%"}), []int64{veronica.ID})
	wantIDs(t, "an underscore is a letter", ids(parley.VisitorQuery{Name: "V_c"}), []int64{})
	list, err := s.FindVisitors(ctx, parley.VisitorQuery{ID: vera.ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	v := list[0]
	if v.Name != "Vera Lynn" || v.Conversations != 2 || v.LastConversationAt == nil || !v.LastConversationAt.Equal(t0.Add(time.Hour)) || !v.CreatedAt.Equal(t0) {
		t.Errorf("Vera = %+v", v)
	}
}

// dataWorld is two visitors with everything Parley keeps about a visitor: conversations
// (one ended and rated, one active), messages, files, read marks, page views, context,
// and messages left with their email.
type dataWorld struct {
	op            *parley.User
	ch            *parley.Channel
	vera, vic     *parley.Visitor
	veraTok       []byte
	veraConvs     []int64
	vicConv       int64
	veraFile      int64
	vicFile       int64
	vicLeft       int64
	vicMessages   int
	veraLeftCount int
}

func mustDataWorld(t *testing.T, s parley.Store) *dataWorld {
	ctx := t.Context()
	w := &dataWorld{op: mustUser(t, s, "olga"), ch: mustChannel(t, s, "Website", 0)}
	mustJoin(t, s, w.ch.ID, w.op.ID)
	w.veraTok = []byte("token of vera")
	w.vera = &parley.Visitor{Name: "Vera", CreatedAt: t0}
	if err := s.CreateVisitor(ctx, w.vera, w.veraTok); err != nil {
		t.Fatal(err)
	}
	w.vic = mustVisitor(t, s, "Vic")
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: w.op.ID}
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}
	for i, v := range []*parley.Visitor{w.vera, w.vic} {
		visit := &parley.Visit{
			Context:  parley.VisitorContext{UserAgent: "Mozilla/5.0 " + v.Name, Browser: "Firefox 120", Languages: []string{"en"}, Timezone: "Europe/Paris", UpdatedAt: t0},
			Pages:    []parley.PageView{{URL: "https://shop.example/" + v.Name, Title: "Shop", ViewedAt: t0}},
			Referrer: "https://search.example/?q=" + v.Name,
		}
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: w.ch.ID, VisitorID: v.ID, Language: "en", PageURL: "https://shop.example/" + v.Name + "?email=" + v.Name + "@example.com",
			Body: "Hello, I am " + v.Name, Visit: visit, Now: t0}, online)
		m := mustAdd(t, s, c.ID, operator, "Hello "+v.Name, t0.Add(time.Second))
		mustMarkRead(t, s, w.op.ID, c.ID, m.Seq)
		f := &parley.File{ConversationID: c.ID, Name: v.Name + ".txt", ContentType: "text/plain; charset=utf-8", CreatedAt: t0.Add(2 * time.Second)}
		if err := s.CreateFile(ctx, f, []byte("the file of "+v.Name)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: visitor, FileID: f.ID, Now: t0.Add(3 * time.Second)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPageViews(ctx, v.ID, []parley.PageView{{URL: "https://shop.example/cart", Title: "Cart", ViewedAt: t0.Add(4 * time.Second)}}, ""); err != nil {
			t.Fatal(err)
		}
		mustEnd(t, s, c.ID, parley.VisitorLeftMessage, t0.Add(5*time.Second))
		if err := s.RateConversation(ctx, c.ID, parley.Rating{Score: 5, Comment: "Thanks, " + v.Name + " here"}); err != nil {
			t.Fatal(err)
		}
		left := &parley.OfflineMessage{ChannelID: w.ch.ID, Name: v.Name, Email: v.Name + "@example.com", Body: "Call me", CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := s.CreateOfflineMessage(ctx, left); err != nil {
			t.Fatal(err)
		}
		if v == w.vera {
			w.veraConvs, w.veraFile = append(w.veraConvs, c.ID), f.ID
			// A second conversation, still going on, and a second message left, in
			// another case.
			c2, _ := mustStart(t, s, parley.NewConversation{ChannelID: w.ch.ID, VisitorID: v.ID, Language: "en", Body: "Me again", Now: t0.Add(time.Hour)}, online)
			w.veraConvs = append(w.veraConvs, c2.ID)
			again := &parley.OfflineMessage{ChannelID: w.ch.ID, Name: "V.", Email: "VERA@Example.COM", Body: "Still there?", CreatedAt: t0.Add(2 * time.Hour)}
			if err := s.CreateOfflineMessage(ctx, again); err != nil {
				t.Fatal(err)
			}
			w.veraLeftCount = 2
			// A third, from her widget (her visitor) with another address.
			vid := v.ID
			work := &parley.OfflineMessage{ChannelID: w.ch.ID, Name: "Vera", Email: "v.work@example.org", Body: "From work", VisitorID: &vid, CreatedAt: t0.Add(3 * time.Hour)}
			if err := s.CreateOfflineMessage(ctx, work); err != nil {
				t.Fatal(err)
			}
		} else {
			w.vicConv, w.vicFile, w.vicLeft = c.ID, f.ID, left.ID
			w.vicMessages = len(mustMessages(t, s, c.ID, 0, 0))
		}
	}
	return w
}

// testEraseData: erasing a visitor removes their messages, files, page views, context,
// record and token, and the messages left with their email, in one go with its audit
// entry; their conversations stay as anonymous ended shells; another visitor's data is
// untouched. An unknown visitor is ENOTFOUND and erases nothing.
func testEraseData(t *testing.T, s parley.Store) {
	ctx := t.Context()
	w := mustDataWorld(t, s)

	t.Run("unknown visitor", func(t *testing.T) {
		entry := parley.NewAuditEntry(&parley.User{ID: 1, Login: "root"}, t0, parley.AuditVisitorErase, "visitor", "x", nil)
		_, err := s.EraseData(ctx, parley.DataSubject{VisitorID: w.vic.ID + 1000, Email: "vera@example.com"}, t0, entry)
		wantCode(t, err, parley.ENOTFOUND)
		if left, _ := s.LeftMessagesOf(ctx, parley.DataSubject{Email: "vera@example.com"}); len(left) != w.veraLeftCount {
			t.Errorf("a refused erasure left %d messages of Vera's email, want %d", len(left), w.veraLeftCount)
		}
		if log, _ := s.AuditLog(ctx, parley.AuditQuery{Limit: 10}); len(log) != 0 {
			t.Errorf("a refused erasure wrote %d audit entries", len(log))
		}
	})

	admin := &parley.User{ID: 1, Login: "root"}
	entry := parley.NewAuditEntry(admin, t0, parley.AuditVisitorErase, "visitor", "vera", nil)
	now := t0.Add(3 * time.Hour)
	erased, err := s.EraseData(ctx, parley.DataSubject{VisitorID: w.vera.ID, Email: "Vera@example.com"}, now, entry)
	if err != nil {
		t.Fatal(err)
	}
	want := parley.Erased{VisitorID: w.vera.ID, Conversations: 2, Messages: 5, Files: 1, PageViews: 2, LeftMessages: 3}
	if *erased != want {
		t.Errorf("erased %+v, want %+v", *erased, want)
	}

	t.Run("Vera is gone", func(t *testing.T) {
		_, err := s.VisitorByToken(ctx, w.veraTok)
		wantCode(t, err, parley.ENOTFOUND)
		if list, _ := s.FindVisitors(ctx, parley.VisitorQuery{ID: w.vera.ID}, 10); len(list) != 0 {
			t.Errorf("FindVisitors still finds Vera: %+v", list[0])
		}
		_, err = s.PageViews(ctx, w.vera.ID)
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.VisitorContext(ctx, w.vera.ID)
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.File(ctx, w.veraFile)
		wantCode(t, err, parley.ENOTFOUND)
		if left, _ := s.LeftMessagesOf(ctx, parley.DataSubject{Email: "v.work@example.org"}); len(left) != 0 {
			t.Errorf("the message Vera left from her widget with another address is still there: %+v", left[0])
		}
		if left, _ := s.LeftMessagesOf(ctx, parley.DataSubject{Email: "vera@example.com"}); len(left) != 0 {
			t.Errorf("%d messages left with Vera's email remain", len(left))
		}
		for _, id := range w.veraConvs {
			c := mustConversation(t, s, id)
			if c.VisitorID == w.vera.ID || c.VisitorName != parley.ErasedVisitorName || c.Status != parley.StatusEnded || c.PageURL != "" ||
				c.EndedAt.IsZero() || c.ChannelID != w.ch.ID || c.OperatorID != w.op.ID {
				t.Errorf("shell of conversation %d = %+v", id, c)
			}
			if msgs := mustMessages(t, s, id, 0, 0); len(msgs) != 0 {
				t.Errorf("conversation %d keeps %d messages", id, len(msgs))
			}
			if files, _ := s.ConversationFiles(ctx, id); len(files) != 0 {
				t.Errorf("conversation %d keeps %d files", id, len(files))
			}
		}
		if r := mustConversation(t, s, w.veraConvs[0]).Rating; r == nil || r.Score != 5 || r.Comment != "" {
			t.Errorf("rating of the shell = %+v, want score 5 without the comment", r)
		}
		if seq, err := s.OperatorReadSeq(ctx, w.veraConvs[0]); err != nil || seq != 0 {
			t.Errorf("read mark of the shell = %d, %v; want 0", seq, err)
		}
	})

	t.Run("Vic is untouched", func(t *testing.T) {
		if _, err := s.VisitorByToken(ctx, nil); err == nil {
			t.Fatal("a nil token finds a visitor")
		}
		if list, _ := s.FindVisitors(ctx, parley.VisitorQuery{ID: w.vic.ID}, 10); len(list) != 1 || list[0].Conversations != 1 {
			t.Fatalf("Vic = %+v", list)
		}
		if views, err := s.PageViews(ctx, w.vic.ID); err != nil || len(views) != 2 {
			t.Errorf("Vic's page views = %d, %v; want 2", len(views), err)
		}
		if vc, err := s.VisitorContext(ctx, w.vic.ID); err != nil || vc.UserAgent != "Mozilla/5.0 Vic" {
			t.Errorf("Vic's context = %+v, %v", vc, err)
		}
		if _, content, err := s.FileContent(ctx, w.vicFile); err != nil || string(content) != "the file of Vic" {
			t.Errorf("Vic's file = %q, %v", content, err)
		}
		c := mustConversation(t, s, w.vicConv)
		if c.VisitorID != w.vic.ID || c.VisitorName != "Vic" || c.PageURL == "" || c.Rating == nil || c.Rating.Comment == "" {
			t.Errorf("Vic's conversation = %+v", c)
		}
		if msgs := mustMessages(t, s, w.vicConv, 0, 0); len(msgs) != w.vicMessages {
			t.Errorf("Vic's conversation has %d messages, want %d", len(msgs), w.vicMessages)
		}
		if left, _ := s.LeftMessagesOf(ctx, parley.DataSubject{Email: "vic@example.com"}); len(left) != 1 || left[0].ID != w.vicLeft {
			t.Errorf("Vic's left messages = %+v", left)
		}
	})

	t.Run("audit entry", func(t *testing.T) {
		log, err := s.AuditLog(ctx, parley.AuditQuery{Limit: 10})
		if err != nil || len(log) != 1 {
			t.Fatalf("audit log = %d entries, %v; want the erasure's", len(log), err)
		}
		e := log[0]
		if e.ID != entry.ID || e.Action != parley.AuditVisitorErase || e.ActorLogin != "root" || !e.At.Equal(now) {
			t.Errorf("entry = %+v", e)
		}
		var counts parley.Erased
		if err := json.Unmarshal(e.Detail, &counts); err != nil || counts != want {
			t.Errorf("entry's detail %s, want the counts %+v", e.Detail, want)
		}
	})

	t.Run("again", func(t *testing.T) {
		_, err := s.EraseData(ctx, parley.DataSubject{VisitorID: w.vera.ID}, now, nil)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

// testEraseByEmailOnly: a request naming only an email erases the messages left with it.
func testEraseByEmailOnly(t *testing.T, s parley.Store) {
	ctx := t.Context()
	w := mustDataWorld(t, s)
	erased, err := s.EraseData(ctx, parley.DataSubject{Email: "vera@EXAMPLE.com"}, t0, nil)
	if err != nil || *erased != (parley.Erased{LeftMessages: 2}) {
		t.Fatalf("erased %+v, %v; want the 2 left messages", erased, err)
	}
	if list, _ := s.FindVisitors(ctx, parley.VisitorQuery{ID: w.vera.ID}, 10); len(list) != 1 {
		t.Error("an erasure by email removed the visitor")
	}
	if left, _ := s.LeftMessagesOf(ctx, parley.DataSubject{Email: "vic@example.com"}); len(left) != 1 {
		t.Error("an erasure by email removed another's")
	}
}

// testRetention: the rule does nothing until set; then a sweep erases the conversations
// last active before the cutoff (ended or not), with their messages and files, and the
// visitors left with none, writes one audit entry with the counts, and claims the run:
// a second sweep within the interval does nothing.
func testRetention(t *testing.T, s parley.Store) {
	ctx := t.Context()
	const day = 24 * time.Hour
	rule, err := s.RetentionSettings(ctx)
	if err != nil || rule.Days != 0 || rule.LastSweepAt != nil {
		t.Fatalf("default rule = %+v, %v; want 0 days, never swept", rule, err)
	}
	if sw, err := s.SweepRetention(ctx, t0, time.Hour); err != nil || sw.Ran {
		t.Fatalf("sweep without a rule = %+v, %v; want nothing run", sw, err)
	}

	op := mustUser(t, s, "olga")
	ch := mustChannel(t, s, "Website", 0)
	mustJoin(t, s, ch.ID, op.ID)
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: op.ID}
	visitorAt := func(name string, at time.Time) *parley.Visitor {
		v := &parley.Visitor{Name: name, CreatedAt: at}
		if err := s.CreateVisitor(ctx, v, []byte("token of "+name)); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Old and ended, with a file: erased, and its visitor with it.
	oldie := visitorAt("Old", t0.Add(-41*day))
	old, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: oldie.ID, Body: "Long ago", Now: t0.Add(-40 * day)}, online)
	f := &parley.File{ConversationID: old.ID, Name: "a.txt", ContentType: "text/plain", CreatedAt: t0.Add(-40 * day)}
	if err := s.CreateFile(ctx, f, []byte("old")); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, old.ID, operator, "Answer", t0.Add(-40*day+time.Minute))
	mustEnd(t, s, old.ID, parley.VisitorLeftMessage, t0.Add(-40*day+2*time.Minute))
	// Old and never ended (queued and forgotten, say): erased too.
	stale, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: visitorAt("Stale", t0.Add(-35*day)).ID, Body: "Anyone?", Now: t0.Add(-35 * day)}, online)
	// Started long ago, active yesterday: kept; so is its visitor, who has another old one.
	keeper := visitorAt("Keeper", t0.Add(-50*day))
	long, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: keeper.ID, Body: "Hi", Now: t0.Add(-45 * day)}, online)
	mustAdd(t, s, long.ID, operator, "Still here", t0.Add(-day))
	keeperOld, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: keeper.ID, Body: "Older", Now: t0.Add(-44 * day)}, online)
	mustEnd(t, s, keeperOld.ID, "", t0.Add(-44*day))
	// Recent: kept.
	recent, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: visitorAt("New", t0).ID, Body: "Hello", Now: t0.Add(-time.Hour)}, online)

	if err := s.SetRetentionSettings(ctx, &parley.RetentionSettings{Days: 30}); err != nil {
		t.Fatal(err)
	}
	live, err := s.ExpiredConversations(ctx, t0.Add(-30*day), 10)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "expired conversations not ended", conversationIDs(live), []int64{stale.ID})

	sw, err := s.SweepRetention(ctx, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !sw.Ran || sw.Conversations != 3 || sw.Messages != 5 || sw.Files != 1 || !sw.Cutoff.Equal(t0.Add(-30*day)) {
		t.Errorf("sweep = %+v; want 3 conversations (old, stale, keeper's old), 5 messages, 1 file", sw)
	}
	slices.Sort(sw.Visitors)
	wantIDs(t, "visitors erased", sw.Visitors, []int64{oldie.ID, stale.VisitorID})
	for _, id := range []int64{old.ID, stale.ID, keeperOld.ID} {
		_, err := s.Conversation(ctx, id)
		wantCode(t, err, parley.ENOTFOUND)
	}
	_, err = s.File(ctx, f.ID)
	wantCode(t, err, parley.ENOTFOUND)
	_, err = s.VisitorByToken(ctx, []byte("token of Old"))
	wantCode(t, err, parley.ENOTFOUND)
	if _, err := s.VisitorByToken(ctx, []byte("token of Keeper")); err != nil {
		t.Errorf("Keeper, with a recent conversation, was erased: %v", err)
	}
	for _, id := range []int64{long.ID, recent.ID} {
		if c := mustConversation(t, s, id); len(mustMessages(t, s, c.ID, 0, 0)) == 0 {
			t.Errorf("conversation %d lost its messages", id)
		}
	}
	if rule, _ := s.RetentionSettings(ctx); rule.Days != 30 || rule.LastSweepAt == nil || !rule.LastSweepAt.Equal(t0) {
		t.Errorf("rule after the sweep = %+v", rule)
	}
	log, err := s.AuditLog(ctx, parley.AuditQuery{Limit: 10})
	if err != nil || len(log) != 1 || log[0].Action != parley.AuditRetentionSweep || log[0].ActorID != 0 {
		t.Fatalf("audit log = %+v, %v; want one retention entry by Parley", log, err)
	}
	var detail struct{ Conversations, Messages, Files, Visitors int }
	if err := json.Unmarshal(log[0].Detail, &detail); err != nil || detail.Conversations != 3 || detail.Visitors != 2 {
		t.Errorf("entry's detail = %s", log[0].Detail)
	}

	if sw, err := s.SweepRetention(ctx, t0.Add(30*time.Minute), time.Hour); err != nil || sw.Ran {
		t.Errorf("a second sweep within the hour = %+v, %v; want nothing run", sw, err)
	}
	if sw, err := s.SweepRetention(ctx, t0.Add(2*time.Hour), time.Hour); err != nil || !sw.Ran || sw.Conversations != 0 {
		t.Errorf("the next hour's sweep = %+v, %v; want a run that erases nothing", sw, err)
	}
	if log, _ := s.AuditLog(ctx, parley.AuditQuery{Limit: 10}); len(log) != 1 {
		t.Errorf("a sweep that erased nothing wrote an audit entry: %d entries", len(log))
	}
	if err := s.SetRetentionSettings(ctx, &parley.RetentionSettings{Days: 0}); err != nil {
		t.Fatal(err)
	}
	if sw, err := s.SweepRetention(ctx, t0.Add(100*day), time.Hour); err != nil || sw.Ran {
		t.Errorf("a sweep after the rule was removed = %+v, %v", sw, err)
	}
	mustConversation(t, s, long.ID)
}

func conversationIDs(list []*parley.Conversation) []int64 {
	out := []int64{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

// testSharedRetentionOnce: servers whose sweeps run the retention rule at the same moment
// erase once between them: one run, one audit entry, every old conversation gone.
func testSharedRetentionOnce(t *testing.T, a, b parley.Store) {
	ctx := t.Context()
	const day = 24 * time.Hour
	op := mustUser(t, a, "olga")
	ch := mustChannel(t, a, "Website", 0)
	mustJoin(t, a, ch.ID, op.ID)
	for i := range 20 {
		c, _ := mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, fmt.Sprint("V", i)).ID, Body: "Old", Now: t0.Add(-40 * day)}, online)
		mustEnd(t, a, c.ID, "", t0.Add(-40*day))
	}
	if err := a.SetRetentionSettings(ctx, &parley.RetentionSettings{Days: 30}); err != nil {
		t.Fatal(err)
	}
	const rounds = 8
	runs := make(chan *parley.RetentionSweep, 2*rounds)
	var wg sync.WaitGroup
	for i := range 2 * rounds {
		s := []parley.Store{a, b}[i%2]
		wg.Go(func() {
			sw, err := s.SweepRetention(ctx, t0, time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			runs <- sw
		})
	}
	wg.Wait()
	close(runs)
	ran, erased := 0, 0
	for sw := range runs {
		if sw.Ran {
			ran++
			erased += sw.Conversations
		}
	}
	if ran != 1 || erased != 20 {
		t.Errorf("%d runs erased %d conversations; want 1 run erasing 20", ran, erased)
	}
	if log, err := b.AuditLog(ctx, parley.AuditQuery{Action: parley.AuditRetentionSweep, Limit: 10}); err != nil || len(log) != 1 {
		t.Errorf("retention entries: %d, %v; want 1", len(log), err)
	}
}
