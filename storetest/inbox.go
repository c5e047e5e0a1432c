package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// inboxTests are the contract of the inbox of left messages (parley.InboxStore).
var inboxTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"InboxFields", testInboxFields},
	{"InboxStates", testInboxStates},
	{"InboxReplies", testInboxReplies},
	{"InboxNotify", testInboxNotify},
}

// testInboxFields: a left message keeps its page, language and visitor (or none), starts
// unread and unhandled with no replies, and reads back the same alone and in the list.
func testInboxFields(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	v := mustVisitor(t, s, "Visitor")
	known := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ann", Email: "ann@example.com", Body: "Call me",
		PageURL: "https://shop.example/cart", Language: "fr", VisitorID: ptr(v.ID), CreatedAt: t0}
	anonymous := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ben", Email: "ben@example.com", Body: "Hello\nthere",
		CreatedAt: t0.Add(time.Minute)}
	for _, m := range []*parley.OfflineMessage{known, anonymous} {
		if err := s.CreateOfflineMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.OfflineMessage(ctx, known.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantOffline(t, got, known)
	if got.Read || got.ReadAt != nil || got.Handled || got.HandledAt != nil || got.HandledBy != nil || got.Replies == nil || len(got.Replies) != 0 {
		t.Errorf("a new left message = %+v, want unread, unhandled, with an empty list of replies", got)
	}
	list, err := s.OfflineMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d left messages, want 2", len(list))
	}
	wantOffline(t, list[0], anonymous) // newest first
	wantOffline(t, list[1], known)
	if list[0].VisitorID != nil {
		t.Errorf("visitor of a message left without a token = %d, want none", *list[0].VisitorID)
	}

	_, err = s.OfflineMessage(ctx, 9999)
	wantCode(t, err, parley.ENOTFOUND)
	wantCode(t, s.CreateOfflineMessage(ctx, &parley.OfflineMessage{ChannelID: ch.ID, Name: "x", Email: "x@example.com", Body: "x", VisitorID: ptr(int64(9999))}), parley.ENOTFOUND)
	if list, _ := s.OfflineMessages(ctx); len(list) != 2 {
		t.Errorf("%d left messages after a refused one, want 2", len(list))
	}
}

// testInboxStates: the first read is kept; handled records who and when, and can be
// undone; an unknown message is ENOTFOUND.
func testInboxStates(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	alice := mustUser(t, s, "alice")
	m := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ann", Email: "ann@example.com", Body: "Call me", CreatedAt: t0}
	if err := s.CreateOfflineMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	read, err := s.MarkOfflineMessageRead(ctx, m.ID, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !read.Read || read.ReadAt == nil || !read.ReadAt.Equal(t0.Add(time.Minute)) || read.Handled {
		t.Fatalf("read message = %+v, want read at %s, not handled", read, formatTime(t0.Add(time.Minute)))
	}
	again, err := s.MarkOfflineMessageRead(ctx, m.ID, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !again.ReadAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("read again: read at %s, want the first read kept, %s", formatTime(*again.ReadAt), formatTime(t0.Add(time.Minute)))
	}

	handled, err := s.SetOfflineMessageHandled(ctx, m.ID, alice.ID, true, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !handled.Handled || handled.HandledAt == nil || !handled.HandledAt.Equal(t0.Add(2*time.Minute)) || handled.HandledBy == nil || *handled.HandledBy != alice.ID {
		t.Fatalf("handled message = %+v, want handled by %d at %s", handled, alice.ID, formatTime(t0.Add(2*time.Minute)))
	}
	if got, _ := s.OfflineMessage(ctx, m.ID); !got.Handled || !got.Read {
		t.Errorf("read back: %+v, want read and handled", got)
	}
	undone, err := s.SetOfflineMessageHandled(ctx, m.ID, alice.ID, false, t0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if undone.Handled || undone.HandledAt != nil || undone.HandledBy != nil || !undone.Read {
		t.Errorf("unhandled message = %+v, want not handled, still read", undone)
	}

	// Handling a message never opened marks it read too.
	other := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ben", Email: "ben@example.com", Body: "Hi", CreatedAt: t0}
	if err := s.CreateOfflineMessage(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SetOfflineMessageHandled(ctx, other.ID, alice.ID, true, t0.Add(time.Hour)); err != nil || !got.Read || !got.ReadAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("handled unread message = %+v, %v; want read at %s", got, err, formatTime(t0.Add(time.Hour)))
	}

	_, err = s.MarkOfflineMessageRead(ctx, 9999, t0)
	wantCode(t, err, parley.ENOTFOUND)
	_, err = s.SetOfflineMessageHandled(ctx, 9999, alice.ID, true, t0)
	wantCode(t, err, parley.ENOTFOUND)
	_, err = s.SetOfflineMessageHandled(ctx, m.ID, 9999, true, t0)
	wantCode(t, err, parley.ENOTFOUND)
}

// testInboxReplies: a reply is kept with its message, names its author, and marks the
// message read and handled by them; replies list oldest first, each with its message.
func testInboxReplies(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	alice := mustUser(t, s, "alice")
	bob := mustUser(t, s, "bob")
	m := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ann", Email: "ann@example.com", Body: "Call me", CreatedAt: t0}
	other := &parley.OfflineMessage{ChannelID: ch.ID, Name: "Ben", Email: "ben@example.com", Body: "Hi", CreatedAt: t0.Add(time.Second)}
	for _, x := range []*parley.OfflineMessage{m, other} {
		if err := s.CreateOfflineMessage(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	first := &parley.InboxReply{MessageID: m.ID, UserID: alice.ID, Body: "We will call you.", CreatedAt: t0.Add(time.Hour)}
	got, err := s.AddInboxReply(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 {
		t.Fatal("AddInboxReply set no ID")
	}
	if !got.Read || !got.Handled || got.HandledBy == nil || *got.HandledBy != alice.ID || !got.HandledAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("message after a reply = %+v, want read and handled by alice at %s", got, formatTime(t0.Add(time.Hour)))
	}
	second := &parley.InboxReply{MessageID: m.ID, UserID: bob.ID, Body: "Called, no answer.", CreatedAt: t0.Add(2 * time.Hour)}
	if _, err := s.AddInboxReply(ctx, second); err != nil {
		t.Fatal(err)
	}
	list, err := s.OfflineMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*parley.OfflineMessage{}
	for _, x := range list {
		byID[x.ID] = x
	}
	for _, x := range []*parley.OfflineMessage{byID[m.ID], mustOffline(t, s, m.ID)} {
		if len(x.Replies) != 2 {
			t.Fatalf("replies = %+v, want 2", x.Replies)
		}
		for i, want := range []*parley.InboxReply{first, second} {
			r := x.Replies[i]
			if r.ID != want.ID || r.MessageID != m.ID || r.UserID != want.UserID || r.Body != want.Body || !r.CreatedAt.Equal(want.CreatedAt) {
				t.Errorf("reply %d = %+v, want %+v", i, r, want)
			}
		}
		if x.Replies[0].UserName != "Name of alice" || x.Replies[1].UserName != "Name of bob" {
			t.Errorf("reply authors = %q, %q; want their names", x.Replies[0].UserName, x.Replies[1].UserName)
		}
	}
	if len(byID[other.ID].Replies) != 0 {
		t.Errorf("replies of another message = %+v, want none", byID[other.ID].Replies)
	}
	_, err = s.AddInboxReply(ctx, &parley.InboxReply{MessageID: 9999, UserID: alice.ID, Body: "x", CreatedAt: t0})
	wantCode(t, err, parley.ENOTFOUND)
	_, err = s.AddInboxReply(ctx, &parley.InboxReply{MessageID: other.ID, UserID: 9999, Body: "x", CreatedAt: t0})
	wantCode(t, err, parley.ENOTFOUND)
	if x := mustOffline(t, s, other.ID); len(x.Replies) != 0 || x.Handled {
		t.Errorf("after refused replies: %+v, want no reply, not handled", x)
	}
}

// testInboxNotify: each user's notice address and channels; a channel's addresses are
// those of the enabled users who chose it, members or not, without repeats.
func testInboxNotify(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 0)
	alice := mustUser(t, s, "alice")
	bob := mustUser(t, s, "bob")
	carol := mustUser(t, s, "carol")
	dave := mustUser(t, s, "dave")

	if email, channels, err := s.NotifySettings(ctx, alice.ID); err != nil || email != "" || len(channels) != 0 {
		t.Errorf("settings of a new user = %q, %v, %v; want none", email, channels, err)
	}
	for _, tc := range []struct {
		user     int64
		email    string
		channels []int64
	}{
		{alice.ID, "alice@example.com", []int64{sales.ID, web.ID, web.ID}},
		{bob.ID, "team@example.com", []int64{web.ID}},
		{carol.ID, "team@example.com", []int64{web.ID}},
		{dave.ID, "", []int64{web.ID}}, // no address: no notice
	} {
		if err := s.SetNotifySettings(ctx, tc.user, tc.email, tc.channels); err != nil {
			t.Fatal(err)
		}
	}
	email, channels, err := s.NotifySettings(ctx, alice.ID)
	if err != nil || email != "alice@example.com" || !slices.Equal(channels, slices.Sorted(slices.Values([]int64{web.ID, sales.ID}))) {
		t.Errorf("alice's settings = %q, %v, %v", email, channels, err)
	}
	wantEmails := func(channelID int64, want ...string) {
		t.Helper()
		got, err := s.ChannelNotifyEmails(ctx, channelID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !slices.Equal(got, want) {
			t.Errorf("notice addresses of channel %d = %q, want %q", channelID, got, want)
		}
	}
	wantEmails(web.ID, "alice@example.com", "team@example.com")
	wantEmails(sales.ID, "alice@example.com")

	// Changing replaces; a disabled user gets nothing.
	if err := s.SetNotifySettings(ctx, alice.ID, "alice@work.example", []int64{sales.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, bob.ID, parley.UserUpdate{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	wantEmails(web.ID, "team@example.com") // carol's
	wantEmails(sales.ID, "alice@work.example")
	if err := s.SetNotifySettings(ctx, carol.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	wantEmails(web.ID)

	wantCode(t, s.SetNotifySettings(ctx, alice.ID, "a@example.com", []int64{9999}), parley.ENOTFOUND)
	wantCode(t, s.SetNotifySettings(ctx, 9999, "a@example.com", nil), parley.ENOTFOUND)
	if email, channels, _ := s.NotifySettings(ctx, alice.ID); email != "alice@work.example" || !slices.Equal(channels, []int64{sales.ID}) {
		t.Errorf("after refused changes: %q, %v; want them unchanged", email, channels)
	}
}

func mustOffline(tb testing.TB, s parley.Store, id int64) *parley.OfflineMessage {
	tb.Helper()
	m, err := s.OfflineMessage(tb.Context(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func wantOffline(tb testing.TB, got, want *parley.OfflineMessage) {
	tb.Helper()
	sameVisitor := (got.VisitorID == nil) == (want.VisitorID == nil) && (got.VisitorID == nil || *got.VisitorID == *want.VisitorID)
	if got.ID != want.ID || got.ChannelID != want.ChannelID || got.Name != want.Name || got.Email != want.Email ||
		got.Body != want.Body || got.PageURL != want.PageURL || got.Language != want.Language || !sameVisitor ||
		!got.CreatedAt.Equal(want.CreatedAt) {
		tb.Errorf("left message = %+v, want %+v", got, want)
	}
}
