package chat_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/sqlite"
)

// The delivery log does not grow for ever: a week after a delivery was made, the sender
// prunes it once delivered, and keeps one still being retried.
func TestWebhookSenderPrunesTheLog(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	answer := http.StatusNoContent
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(answer) }))
	t.Cleanup(receiver.Close)
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	sender := chat.NewWebhookSender(store, slog.New(slog.DiscardHandler), chat.WebhookOptions{Now: clk.Now, Client: receiver.Client()})

	w := &parley.Webhook{URL: receiver.URL, Events: []string{parley.WebhookMessageLeft}, Enabled: true, Secret: "s", CreatedAt: clk.Now()}
	if err := store.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	delivered, err := store.EnqueueWebhookTest(ctx, w.ID, []byte(`{"event":"test"}`), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sender.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("sent %d, %v; want the first delivery sent", n, err)
	}
	answer = http.StatusServiceUnavailable
	retried, err := store.EnqueueWebhookTest(ctx, w.ID, []byte(`{"event":"test"}`), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sender.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("sent %d, %v; want the second delivery tried", n, err)
	}

	clk.Advance(parley.WebhookLogKeep - time.Minute)
	if n, err := sender.Prune(ctx); err != nil || n != 0 {
		t.Fatalf("pruned %d, %v within the week; want none", n, err)
	}
	clk.Advance(2 * time.Minute)
	if n, err := sender.Prune(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v after the week; want the delivered one", n, err)
	}
	log, err := store.WebhookDeliveries(ctx, w.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].ID != retried.ID || log[0].ID == delivered.ID || log[0].State != parley.DeliveryPending {
		t.Errorf("the log keeps %+v, want only the delivery still retried", log)
	}
}
