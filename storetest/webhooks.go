package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// webhookTests are the contract of webhooks and their outbox (parley.WebhookStore).
var webhookTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"WebhookCRUD", testWebhookCRUD},
	{"WebhookOutbox", testWebhookOutbox},
	{"WebhookAttempts", testWebhookAttempts},
	{"WebhookPrune", testWebhookPrune},
}

func mustWebhook(tb testing.TB, s parley.Store, url string, enabled bool, events ...string) *parley.Webhook {
	tb.Helper()
	w := &parley.Webhook{URL: url, Events: events, Enabled: enabled, Secret: "secret of " + url, CreatedAt: t0}
	if err := s.CreateWebhook(tb.Context(), w); err != nil {
		tb.Fatal(err)
	}
	return w
}

// claimAll claims every delivery due at now, with a lease of an hour.
func claimAll(tb testing.TB, s parley.Store, now time.Time) []*parley.WebhookDelivery {
	tb.Helper()
	var all []*parley.WebhookDelivery
	for {
		list, err := s.ClaimWebhookDeliveries(tb.Context(), now, time.Hour, 5)
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, list...)
		if len(list) < 5 {
			return all
		}
	}
}

// testWebhookCRUD: a webhook reads back as made and changed; deleting it deletes it.
func testWebhookCRUD(t *testing.T, s parley.Store) {
	ctx := t.Context()
	a := mustWebhook(t, s, "https://a.example/hook", true, parley.WebhookStarted, parley.WebhookMessage)
	b := mustWebhook(t, s, "http://b.example/", false, parley.WebhookEnded)
	list, err := s.Webhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("Webhooks = %+v, want a then b", list)
	}
	got := list[0]
	if got.URL != a.URL || !slices.Equal(got.Events, a.Events) || !got.Enabled || got.Secret != a.Secret || !got.CreatedAt.Equal(t0) {
		t.Errorf("webhook a reads back as %+v, want %+v", got, a)
	}
	b.URL, b.Events, b.Enabled, b.Secret = "https://b.example/new", []string{parley.WebhookRated, parley.WebhookMessageLeft}, true, "another secret of b"
	if err := s.UpdateWebhook(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err = s.Webhook(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != b.URL || !slices.Equal(got.Events, b.Events) || !got.Enabled || got.Secret != b.Secret {
		t.Errorf("webhook b after update = %+v, want %+v", got, b)
	}
	if err := s.DeleteWebhook(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(ctx, a.ID); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("deleted webhook: err %v, want ENOTFOUND", err)
	}
	if err := s.DeleteWebhook(ctx, a.ID); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("delete again: err %v, want ENOTFOUND", err)
	}
	if err := s.UpdateWebhook(ctx, a); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("update deleted: err %v, want ENOTFOUND", err)
	}
	if _, err := s.EnqueueWebhookTest(ctx, a.ID, []byte(`{}`), t0); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("test of deleted: err %v, want ENOTFOUND", err)
	}
}

// testWebhookOutbox: each event is written to the outbox of every enabled webhook that
// wants it, by the store call that makes the change, and of none other; with no webhook
// nothing is written.
func testWebhookOutbox(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 0)
	op1, op2 := mustUser(t, s, "op1"), mustUser(t, s, "op2")
	mustJoin(t, s, ch.ID, op1.ID, op2.ID)
	mustJoin(t, s, sales.ID, op1.ID)

	// Nothing configured: nothing written, messages included.
	c0, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(op1.ID))
	mustAdd(t, s, c0.ID, parley.Author{Kind: parley.AuthorVisitor}, "anyone?", t0.Add(time.Second))
	if got := claimAll(t, s, t0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("with no webhook the outbox holds %d deliveries", len(got))
	}

	all := mustWebhook(t, s, "https://all.example/", true, parley.WebhookEvents...)
	msgs := mustWebhook(t, s, "https://messages.example/", true, parley.WebhookMessage)
	mustWebhook(t, s, "https://off.example/", false, parley.WebhookEvents...)
	// The store may have kept "no webhook wants messages" from before: this handle made
	// the webhooks, so it knows; another server is told through the caches topic.

	now := t0.Add(time.Minute)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vera").ID, Language: "en", Body: "Hello", Now: now}, pick(op1.ID))
	m := mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}, "a question", now.Add(time.Second))
	mustAdd(t, s, c0.ID, parley.Author{Kind: parley.AuthorOperator, ID: op1.ID, Name: "op1"}, "an answer", now.Add(2*time.Second))
	if _, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: op1.ID, ToOperatorID: op2.ID, Now: now.Add(3 * time.Second)}, pick(op2.ID)); err != nil {
		t.Fatal(err)
	}
	mustEnd(t, s, c.ID, "", now.Add(4*time.Second))
	if err := s.RateConversation(ctx, c.ID, parley.Rating{Score: 5, Comment: "great"}); err != nil {
		t.Fatal(err)
	}
	queued, _ := mustStart(t, s, parley.NewConversation{ChannelID: sales.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Sales?", Now: now.Add(5 * time.Second)}, queue)
	if _, err := s.AssignQueued(ctx, sales.ID, now.Add(6*time.Second), pick(op1.ID)); err != nil {
		t.Fatal(err)
	}
	queued2, _ := mustStart(t, s, parley.NewConversation{ChannelID: sales.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Sales 2", Now: now.Add(7 * time.Second)}, queue)
	if _, _, err := s.AssignConversation(ctx, parley.HandAssignment{ConversationID: queued2.ID, OperatorID: op1.ID, Now: now.Add(8 * time.Second)}, pick(op1.ID)); err != nil {
		t.Fatal(err)
	}
	left := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ann", Email: "ann@example.com", Body: "Call me", CreatedAt: now.Add(9 * time.Second)}
	if err := s.CreateOfflineMessage(ctx, left); err != nil {
		t.Fatal(err)
	}

	// A rating has no time of its own (the store's clock): claim after it.
	far := time.Now().Add(time.Hour)
	got := claimAll(t, s, far)
	byHook := map[int64][]string{}
	var message, rated, leftEvent *parley.WebhookDelivery
	for _, d := range got {
		if d.Attempts != 1 || d.State != parley.DeliveryPending {
			t.Errorf("claimed delivery %d: attempts %d state %s, want 1 pending", d.ID, d.Attempts, d.State)
		}
		switch d.WebhookID {
		case all.ID:
			if d.URL != all.URL || d.Secret != all.Secret {
				t.Errorf("delivery %d claimed with url %q secret %q, want the webhook's", d.ID, d.URL, d.Secret)
			}
		case msgs.ID:
		default:
			t.Errorf("delivery %d for webhook %d, which is disabled or does not exist", d.ID, d.WebhookID)
		}
		byHook[d.WebhookID] = append(byHook[d.WebhookID], d.Event)
		var e parley.WebhookEvent
		if err := json.Unmarshal(d.Payload, &e); err != nil || e.Event != d.Event {
			t.Errorf("delivery %d: payload %s does not decode to its event %s: %v", d.ID, d.Payload, d.Event, err)
		}
		if d.WebhookID == all.ID {
			switch d.Event {
			case parley.WebhookMessage:
				message = d
			case parley.WebhookRated:
				rated = d
			case parley.WebhookMessageLeft:
				leftEvent = d
			}
		}
	}
	for _, l := range byHook {
		sort.Strings(l)
	}
	// c: started, assigned; message ×2 (c and c0); transferred; ended; rated;
	// queued: started, assigned (AssignQueued); queued2: started, assigned (by hand); left.
	wantAll := []string{
		parley.WebhookAssigned, parley.WebhookAssigned, parley.WebhookAssigned,
		parley.WebhookEnded, parley.WebhookRated, parley.WebhookStarted, parley.WebhookStarted, parley.WebhookStarted,
		parley.WebhookTransferred, parley.WebhookMessage, parley.WebhookMessage, parley.WebhookMessageLeft,
	}
	sort.Strings(wantAll)
	if !slices.Equal(byHook[all.ID], wantAll) {
		t.Errorf("webhook of all events got %v,\nwant %v", byHook[all.ID], wantAll)
	}
	if want := []string{parley.WebhookMessage, parley.WebhookMessage}; !slices.Equal(byHook[msgs.ID], want) {
		t.Errorf("webhook of messages got %v, want %v", byHook[msgs.ID], want)
	}
	if message != nil {
		var e parley.WebhookEvent
		json.Unmarshal(message.Payload, &e)
		if e.Message == nil || e.Message.Body == "" || (e.Message.ConversationID == c.ID && (e.Message.Seq != m.Seq || e.Message.Body != "a question")) {
			t.Errorf("message payload %s", message.Payload)
		}
	}
	if rated != nil {
		var e parley.WebhookEvent
		json.Unmarshal(rated.Payload, &e)
		if e.Rating == nil || e.Rating.Score != 5 || e.Conversation == nil || e.Conversation.ID != c.ID || e.Conversation.Status != string(parley.StatusEnded) {
			t.Errorf("rated payload %s", rated.Payload)
		}
	}
	if leftEvent != nil {
		var e parley.WebhookEvent
		json.Unmarshal(leftEvent.Payload, &e)
		if e.OfflineMessage == nil || e.OfflineMessage.ID != left.ID || e.OfflineMessage.Email != "ann@example.com" {
			t.Errorf("message_left payload %s", leftEvent.Payload)
		}
	}
	if again := claimAll(t, s, far); len(again) != 0 {
		t.Errorf("claimed deliveries were claimed again within their lease: %d", len(again))
	}
	for _, d := range got {
		if err := s.FinishWebhookDelivery(ctx, d.ID, parley.WebhookResult{Status: 200, At: far}); err != nil {
			t.Fatal(err)
		}
	}

	// Disabling the webhook of messages stops its messages at once.
	msgs.Enabled = false
	if err := s.UpdateWebhook(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, queued.ID, parley.Author{Kind: parley.AuthorVisitor}, "still there?", now.Add(time.Minute))
	got = claimAll(t, s, far)
	if len(got) != 1 || got[0].WebhookID != all.ID || got[0].Event != parley.WebhookMessage {
		t.Errorf("after disabling the webhook of messages, a message made %d deliveries, want 1 for the other", len(got))
	}
	for _, d := range got {
		if err := s.FinishWebhookDelivery(ctx, d.ID, parley.WebhookResult{Status: 200, At: far}); err != nil {
			t.Fatal(err)
		}
	}
	// And disabling the last stops writing rows for messages at all.
	all.Enabled = false
	if err := s.UpdateWebhook(ctx, all); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, queued.ID, parley.Author{Kind: parley.AuthorVisitor}, "hello?", now.Add(2*time.Minute))
	if got := claimAll(t, s, far.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("with every webhook disabled a message made %d deliveries", len(got))
	}
}

// testWebhookAttempts: an attempt's outcome is recorded; a failure with a next time is
// claimed again then, and not before; a delivery with no attempt left is failed; the
// log lists a webhook's deliveries newest first.
func testWebhookAttempts(t *testing.T, s parley.Store) {
	ctx := t.Context()
	w := mustWebhook(t, s, "https://hook.example/", true, parley.WebhookMessageLeft)
	d1, err := s.EnqueueWebhookTest(ctx, w.ID, []byte(`{"event":"test"}`), t0)
	if err != nil {
		t.Fatal(err)
	}
	if d1.State != parley.DeliveryPending || d1.Attempts != 0 || d1.Event != parley.WebhookTest || d1.NextAttemptAt == nil || !d1.NextAttemptAt.Equal(t0) {
		t.Fatalf("test delivery = %+v", d1)
	}
	d2, err := s.EnqueueWebhookTest(ctx, w.ID, []byte(`{"event":"test"}`), t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := claimAll(t, s, t0.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed %d deliveries before they were due", len(got))
	}
	got := claimAll(t, s, t0.Add(time.Second))
	if len(got) != 2 || got[0].ID != d1.ID || got[1].ID != d2.ID {
		t.Fatalf("claimed %v, want both, oldest first", got)
	}
	at := t0.Add(2 * time.Second)
	if err := s.FinishWebhookDelivery(ctx, d1.ID, parley.WebhookResult{Status: 200, At: at}); err != nil {
		t.Fatal(err)
	}
	next := at.Add(time.Minute)
	if err := s.FinishWebhookDelivery(ctx, d2.ID, parley.WebhookResult{Status: 500, Error: "the receiver answered 500", At: at, Next: next}); err != nil {
		t.Fatal(err)
	}
	if got := claimAll(t, s, next.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed %d before the next attempt", len(got))
	}
	got = claimAll(t, s, next)
	if len(got) != 1 || got[0].ID != d2.ID || got[0].Attempts != 2 {
		t.Fatalf("claimed %+v at the next attempt, want d2 at its second attempt", got)
	}
	if err := s.FinishWebhookDelivery(ctx, d2.ID, parley.WebhookResult{Error: "connection refused", At: next}); err != nil {
		t.Fatal(err)
	}
	log, err := s.WebhookDeliveries(ctx, w.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].ID != d2.ID || log[1].ID != d1.ID {
		t.Fatalf("log = %+v, want d2 then d1", log)
	}
	if l := log[0]; l.State != parley.DeliveryFailed || l.Attempts != 2 || l.NextAttemptAt != nil || l.LastStatus != 0 || l.LastError != "connection refused" || l.DeliveredAt != nil {
		t.Errorf("failed delivery reads %+v", l)
	}
	if l := log[1]; l.State != parley.DeliveryDelivered || l.Attempts != 1 || l.NextAttemptAt != nil || l.LastStatus != 200 || l.DeliveredAt == nil || !l.DeliveredAt.Equal(at) || string(l.Payload) != `{"event":"test"}` {
		t.Errorf("delivered delivery reads %+v", l)
	}
	if got := claimAll(t, s, next.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("finished deliveries claimed again: %d", len(got))
	}
}

// testWebhookPrune: pruning deletes the finished deliveries made before the time given,
// delivered or failed, and keeps the newer ones and those still to be sent, however old.
func testWebhookPrune(t *testing.T, s parley.Store) {
	ctx := t.Context()
	w := mustWebhook(t, s, "https://hook.example/", true, parley.WebhookMessageLeft)
	enqueue := func(at time.Time) *parley.WebhookDelivery {
		d, err := s.EnqueueWebhookTest(ctx, w.ID, []byte(`{"event":"test"}`), at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	oldDelivered, oldFailed, oldPending, newDelivered := enqueue(t0), enqueue(t0.Add(time.Second)), enqueue(t0.Add(2*time.Second)), enqueue(t0.Add(time.Hour))
	if got := claimAll(t, s, t0.Add(time.Hour)); len(got) != 4 {
		t.Fatalf("claimed %d deliveries, want 4", len(got))
	}
	finish := func(d *parley.WebhookDelivery, r parley.WebhookResult) {
		if err := s.FinishWebhookDelivery(ctx, d.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)
	finish(oldDelivered, parley.WebhookResult{Status: 204, At: at})
	finish(oldFailed, parley.WebhookResult{Status: 500, Error: "the receiver answered 500", At: at})
	finish(oldPending, parley.WebhookResult{Error: "connection refused", At: at, Next: at.Add(time.Hour)})
	finish(newDelivered, parley.WebhookResult{Status: 200, At: at})

	n, err := s.PruneWebhookDeliveries(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("pruned %d deliveries, want 2 (the old delivered and the old failed)", n)
	}
	log, err := s.WebhookDeliveries(ctx, w.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kept []int64
	for _, d := range log {
		kept = append(kept, d.ID)
	}
	if want := []int64{newDelivered.ID, oldPending.ID}; !slices.Equal(kept, want) {
		t.Errorf("the log keeps %v, want %v (the new delivered, the old pending)", kept, want)
	}
	if got := claimAll(t, s, at.Add(time.Hour)); len(got) != 1 || got[0].ID != oldPending.ID {
		t.Errorf("after pruning, claimed %v, want the pending delivery still sent", got)
	}
}

// testSharedWebhooks: two servers claiming at once send each delivery once; a server
// told that the webhooks changed (ForgetWebhooks) writes messages to the outbox of a
// webhook another server made.
func testSharedWebhooks(t *testing.T, a, b parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, a, "Website", 0)
	op := mustUser(t, a, "op")
	mustJoin(t, a, ch.ID, op.ID)
	c, _ := mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(op.ID))
	mustAdd(t, a, c.ID, parley.Author{Kind: parley.AuthorVisitor}, "before", t0.Add(time.Second)) // a now knows: no webhook
	w := mustWebhook(t, b, "https://hook.example/", true, parley.WebhookMessage)
	a.ForgetWebhooks() // what the caches topic does on a
	const n = 40
	for i := range n {
		mustAdd(t, a, c.ID, parley.Author{Kind: parley.AuthorVisitor}, fmt.Sprint("message ", i), t0.Add(time.Minute))
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for _, s := range []parley.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				list, err := s.ClaimWebhookDeliveries(ctx, t0.Add(time.Hour), time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(list) == 0 {
					return
				}
				mu.Lock()
				for _, d := range list {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d deliveries claimed, want %d (webhook %d)", len(seen), n, w.ID)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("delivery %d claimed %d times", id, k)
		}
	}
}
