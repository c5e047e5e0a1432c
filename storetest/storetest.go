// Package storetest is the contract every parley.Store must keep, written once as tests
// and run against each implementation (SQLite, PostgreSQL) from that
// implementation's own tests.
package storetest

import (
	"crypto/rand"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// Run runs the whole contract. open returns a new, empty store for one test; it
// registers whatever cleanup the store needs on t.
func Run(t *testing.T, open func(t *testing.T) parley.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s parley.Store)
	}{
		{"Users", testUsers},
		{"UpdateUser", testUpdateUser},
		{"Sessions", testSessions},
		{"Languages", testLanguages},
		{"Channels", testChannels},
		{"Membership", testMembership},
		{"Visitors", testVisitors},
		{"StartAssigned", testStartAssigned},
		{"StartQueued", testStartQueued},
		{"StartNewVisitor", testStartNewVisitor},
		{"Candidates", testCandidates},
		{"CandidatesFollowChanges", testCandidatesFollowChanges},
		{"LastAssigned", testLastAssigned},
		{"AssignQueued", testAssignQueued},
		{"AssignQueuedOldestFirst", testAssignQueuedOldestFirst},
		{"AssignQueuedAfterLongWait", testAssignQueuedAfterLongWait},
		{"Messages", testMessages},
		{"Unread", testUnread},
		{"OperatorConversations", testOperatorConversations},
		{"EndConversation", testEndConversation},
		{"Ratings", testRatings},
		{"OfflineMessages", testOfflineMessages},
		{"Times", testTimes},
		{"ConcurrentStarts", testConcurrentStarts},
		{"ConcurrentMessages", testConcurrentMessages},
		{"Idempotency", testIdempotency},
		{"VisitorChannels", testVisitorChannels},
		{"StartReplay", testStartReplay},
		{"LoginKeys", testLoginKeys},
		{"EditUser", testEditUser},
		{"DisabledUser", testDisabledUser},
		{"SessionList", testSessionList},
		{"SetPassword", testSetPassword},
		{"DeleteUser", testDeleteUser},
		{"LastAdmin", testLastAdmin},
		{"LastLanguage", testLastLanguage},
		{"RequeueConversations", testRequeueConversations},
		{"CannedResponses", testCannedResponses},
		{"NotifySwitches", testNotifySwitches},
		{"ChannelTexts", testChannelTexts},
		// Seen and abandoned conversations (seen.go).
		{"OperatorReadSeq", testOperatorReadSeq},
		{"AbandonedConversations", testAbandonedConversations},
		{"VisitorContext", testVisitorContext},
		{"PageViews", testPageViews},
		{"VisitorConversations", testVisitorConversations},
		{"Files", testFiles},
		{"ConversationReport", testConversationReport}, // reports.go
		{"ChannelOngoing", testChannelOngoing},
	}
	tests = append(tests, transferTests...)
	tests = append(tests, dataTests...)
	tests = append(tests, inboxTests...)
	tests = append(tests, liveTests...)
	tests = append(tests, searchTests...)
	tests = append(tests, channelRulesTests...)
	tests = append(tests, waitingTests...)
	tests = append(tests, routingTests...)
	tests = append(tests, identityTests...)
	tests = append(tests, webhookTests...)
	tests = append(tests, offerTests...)
	tests = append(tests, chatbotTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is the moment the tests happen at; stores are given times, they never read a clock
// for the rules under test.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func testUsers(t *testing.T, s parley.Store) {
	ctx := t.Context()
	alice := mustUser(t, s, "alice", func(u *parley.User) { u.Role = parley.RoleAdmin })
	bob := mustUser(t, s, "bob")
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("ids: alice %d, bob %d", alice.ID, bob.ID)
	}

	t.Run("defaults", func(t *testing.T) {
		u, err := s.User(ctx, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &parley.User{ID: bob.ID, Login: "bob", Name: "Name of bob", Role: parley.RoleOperator, MainLanguage: "en", ChatLanguages: []string{}}
		wantUser(t, u, want)
		if u.ChatLanguages == nil {
			t.Error("ChatLanguages is nil, want an empty list")
		}
	})

	t.Run("by login", func(t *testing.T) {
		u, hash, err := s.UserByLogin(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if hash != "hash of alice" {
			t.Errorf("password hash = %q", hash)
		}
		wantUser(t, u, alice)
	})

	t.Run("duplicate login", func(t *testing.T) {
		err := s.CreateUser(ctx, &parley.User{Login: "alice", Name: "Other", Role: parley.RoleOperator}, "x")
		wantCode(t, err, parley.ECONFLICT)
		if got, want := parley.ErrorMessage(err), `Login "alice" is taken.`; got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.User(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
		_, _, err = s.UserByLogin(ctx, "nobody")
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.UpdateUser(ctx, 9999, parley.UserUpdate{ChatName: ptr("x")})
		wantCode(t, err, parley.ENOTFOUND)
	})

	t.Run("list and count", func(t *testing.T) {
		users, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var logins []string
		for _, u := range users {
			logins = append(logins, u.Login)
		}
		if !slices.Equal(logins, []string{"alice", "bob"}) {
			t.Errorf("Users = %v, want [alice bob]", logins)
		}
		n, err := s.CountUsers(ctx)
		if err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
	})
}

func testUpdateUser(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "carol")
	want := *u
	// Each step applies to what the previous ones left, so a field a step does not set
	// must keep its earlier value.
	steps := []struct {
		name string
		upd  parley.UserUpdate
		edit func(u *parley.User)
	}{
		{"nothing", parley.UserUpdate{}, func(u *parley.User) {}},
		{"chat name", parley.UserUpdate{ChatName: ptr("Caro")}, func(u *parley.User) { u.ChatName = "Caro" }},
		{"chat languages", parley.UserUpdate{ChatLanguages: &[]string{"fr", "de"}}, func(u *parley.User) { u.ChatLanguages = []string{"fr", "de"} }},
		{"main language", parley.UserUpdate{MainLanguage: ptr("pt-BR")}, func(u *parley.User) { u.MainLanguage = "pt-BR" }},
		{"clear chat name", parley.UserUpdate{ChatName: ptr("")}, func(u *parley.User) { u.ChatName = "" }},
		{"clear chat languages", parley.UserUpdate{ChatLanguages: &[]string{}}, func(u *parley.User) { u.ChatLanguages = []string{} }},
		{"all", parley.UserUpdate{ChatName: ptr("C"), MainLanguage: ptr("en"), ChatLanguages: &[]string{"es"}}, func(u *parley.User) {
			u.ChatName, u.MainLanguage, u.ChatLanguages = "C", "en", []string{"es"}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.edit(&want)
			got, err := s.UpdateUser(ctx, u.ID, st.upd)
			if err != nil {
				t.Fatal(err)
			}
			wantUser(t, got, &want)
			stored, err := s.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantUser(t, stored, &want)
		})
	}
}

func testSessions(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "dave")
	valid, expired, deleted := []byte("valid-token-hash"), []byte("expired-token-hash"), []byte("deleted-token-hash")
	for _, h := range [][]byte{valid, deleted} {
		if _, err := s.CreateSession(ctx, parley.NewSession{TokenHash: h, UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateSession(ctx, parley.NewSession{TokenHash: expired, UserID: u.ID, CreatedAt: t0.Add(-time.Hour), ExpiresAt: t0.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, []byte("never-existed")); err != nil {
		t.Errorf("DeleteSession of an unknown session: %v", err)
	}

	tests := []struct {
		name string
		hash []byte
		now  time.Time
		ok   bool
	}{
		{"valid", valid, t0, true},
		{"valid until it expires", valid, t0.Add(time.Hour - time.Microsecond), true},
		{"expires at its time", valid, t0.Add(time.Hour), false},
		{"expired", expired, t0, false},
		{"deleted", deleted, t0, false},
		{"unknown", []byte("unknown"), t0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SessionUser(ctx, tc.hash, tc.now)
			if !tc.ok {
				wantCode(t, err, parley.EUNAUTHORIZED)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantUser(t, got, u)
		})
	}

	t.Run("delete expired", func(t *testing.T) {
		n, err := s.DeleteExpiredSessions(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("DeleteExpiredSessions removed %d sessions, want 1 (the expired one)", n)
		}
		if _, err := s.SessionUser(ctx, valid, t0); err != nil {
			t.Errorf("the valid session went with the expired one: %v", err)
		}
	})
}

func testLanguages(t *testing.T, s parley.Store) {
	ctx := t.Context()
	langs := mustLanguages(t, s)
	if len(langs) < 40 {
		t.Errorf("%d languages seeded, want about 50", len(langs))
	}
	byCode := map[string]parley.Language{}
	for i, l := range langs {
		byCode[l.Code] = l
		if i > 0 && langs[i-1].Name > l.Name {
			t.Errorf("languages not ordered by name: %q before %q", langs[i-1].Name, l.Name)
		}
		if canon, err := parley.CanonicalLanguage(l.Code); err != nil || canon != l.Code {
			t.Errorf("seeded code %q is not canonical (%q, %v)", l.Code, canon, err)
		}
		if l.Enabled != (l.Code == "en") {
			t.Errorf("%s enabled = %v; only en is enabled on a new installation", l.Code, l.Enabled)
		}
	}
	for _, code := range []string{"en", "fr", "de", "es", "pt-BR", "zh-Hans", "zh-Hant", "ja", "ar"} {
		if _, ok := byCode[code]; !ok {
			t.Errorf("language %s is not seeded", code)
		}
	}
	if byCode["en"].Name != "English" {
		t.Errorf("en is named %q", byCode["en"].Name)
	}

	steps := []struct {
		name string
		set  parley.Language
	}{
		{"enable", parley.Language{Code: "fr", Name: "French", Enabled: true}},
		{"rename", parley.Language{Code: "fr", Name: "Français", Enabled: true}},
		{"disable", parley.Language{Code: "en", Name: "English", Enabled: false}},
		{"add", parley.Language{Code: "tlh", Name: "Klingon", Enabled: true}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.SetLanguage(ctx, st.set); err != nil {
				t.Fatal(err)
			}
			var found []parley.Language
			for _, l := range mustLanguages(t, s) {
				if l.Code == st.set.Code {
					found = append(found, l)
				}
			}
			if len(found) != 1 || found[0] != st.set {
				t.Errorf("after SetLanguage(%+v): %+v", st.set, found)
			}
		})
	}
}

func testChannels(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := &parley.Channel{Name: "Website", ButtonText: "Chat with us", WelcomeMessage: "Hello!", MaxOngoingPerOperator: 3,
		ButtonColor: "#112233", ButtonTextColor: "#FFFFFF", CreatedAt: t0}
	if err := s.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if ch.ID == 0 {
		t.Fatal("CreateChannel set no ID")
	}
	got, err := s.Channel(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantChannel(t, got, ch)

	other := &parley.Channel{Name: "Sales"}
	if err := s.CreateChannel(ctx, other); err != nil {
		t.Fatal(err)
	}
	if other.CreatedAt.IsZero() {
		t.Error("CreateChannel left CreatedAt zero")
	}

	want := *ch
	steps := []struct {
		name string
		upd  parley.ChannelUpdate
		edit func(c *parley.Channel)
	}{
		{"nothing", parley.ChannelUpdate{}, func(c *parley.Channel) {}},
		{"name", parley.ChannelUpdate{Name: ptr("Site")}, func(c *parley.Channel) { c.Name = "Site" }},
		{"button", parley.ChannelUpdate{ButtonText: ptr("Talk")}, func(c *parley.Channel) { c.ButtonText = "Talk" }},
		{"welcome", parley.ChannelUpdate{WelcomeMessage: ptr("")}, func(c *parley.Channel) { c.WelcomeMessage = "" }},
		{"no cap", parley.ChannelUpdate{MaxOngoingPerOperator: ptr(0)}, func(c *parley.Channel) { c.MaxOngoingPerOperator = 0 }},
		{"colours", parley.ChannelUpdate{ButtonColor: ptr("#ABCDEF"), ButtonTextColor: ptr("#000000")}, func(c *parley.Channel) {
			c.ButtonColor, c.ButtonTextColor = "#ABCDEF", "#000000"
		}},
		{"origins", parley.ChannelUpdate{AllowedOrigins: &[]string{"https://shop.example", "http://localhost:3000"}}, func(c *parley.Channel) {
			c.AllowedOrigins = []string{"https://shop.example", "http://localhost:3000"}
		}},
		{"any origin again", parley.ChannelUpdate{AllowedOrigins: &[]string{}}, func(c *parley.Channel) { c.AllowedOrigins = []string{} }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.edit(&want)
			got, err := s.UpdateChannel(ctx, ch.ID, st.upd)
			if err != nil {
				t.Fatal(err)
			}
			wantChannel(t, got, &want)
		})
	}

	t.Run("list", func(t *testing.T) {
		list, err := s.Channels(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != ch.ID || list[1].ID != other.ID {
			t.Errorf("Channels = %+v", list)
		}
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.Channel(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.UpdateChannel(ctx, 9999, parley.ChannelUpdate{Name: ptr("x")})
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.ChannelMembers(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.QueuedConversations(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

func testMembership(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web, sales := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Sales", 0)
	a := mustUser(t, s, "a", func(u *parley.User) { u.ChatName = "Ann" })
	b := mustUser(t, s, "b")
	mustUser(t, s, "c") // never joins

	steps := []struct {
		name      string
		do        func() error
		web       []int64 // ChannelMembers(web)
		aChannels []int64 // UserChannels(a)
		members   []int64 // Members()
	}{
		{"nobody", func() error { return nil }, nil, nil, nil},
		{"a joins web", func() error { return s.JoinChannel(ctx, web.ID, a.ID) }, []int64{a.ID}, []int64{web.ID}, []int64{a.ID}},
		{"a joins web again", func() error { return s.JoinChannel(ctx, web.ID, a.ID) }, []int64{a.ID}, []int64{web.ID}, []int64{a.ID}},
		{"b joins web", func() error { return s.JoinChannel(ctx, web.ID, b.ID) }, []int64{a.ID, b.ID}, []int64{web.ID}, []int64{a.ID, b.ID}},
		{"a joins sales", func() error { return s.JoinChannel(ctx, sales.ID, a.ID) }, []int64{a.ID, b.ID}, []int64{web.ID, sales.ID}, []int64{a.ID, b.ID}},
		{"a leaves web", func() error { return s.LeaveChannel(ctx, web.ID, a.ID) }, []int64{b.ID}, []int64{sales.ID}, []int64{a.ID, b.ID}},
		{"a leaves web again", func() error { return s.LeaveChannel(ctx, web.ID, a.ID) }, []int64{b.ID}, []int64{sales.ID}, []int64{a.ID, b.ID}},
		{"b leaves web", func() error { return s.LeaveChannel(ctx, web.ID, b.ID) }, nil, []int64{sales.ID}, []int64{a.ID}},
		{"a leaves sales", func() error { return s.LeaveChannel(ctx, sales.ID, a.ID) }, nil, nil, nil},
		{"b rejoins web", func() error { return s.JoinChannel(ctx, web.ID, b.ID) }, []int64{b.ID}, nil, []int64{b.ID}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			users, err := s.ChannelMembers(ctx, web.ID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, u := range users {
				ids = append(ids, u.ID)
				if u.ID == a.ID {
					wantUser(t, u, a)
				}
			}
			wantIDs(t, "ChannelMembers(web)", ids, st.web)
			chans, err := s.UserChannels(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(chans)
			wantIDs(t, "UserChannels(a)", chans, st.aChannels)
			members, err := s.Members(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(members)
			wantIDs(t, "Members", members, st.members)
		})
	}

	t.Run("unknown channel", func(t *testing.T) {
		wantCode(t, s.JoinChannel(ctx, 9999, a.ID), parley.ENOTFOUND)
		wantCode(t, s.LeaveChannel(ctx, 9999, a.ID), parley.ENOTFOUND)
	})
	t.Run("unknown user", func(t *testing.T) {
		wantCode(t, s.JoinChannel(ctx, web.ID, 9999), parley.ENOTFOUND)
	})
}

func testVisitors(t *testing.T, s parley.Store) {
	ctx := t.Context()
	anon := &parley.Visitor{CreatedAt: t0}
	if err := s.CreateVisitor(ctx, anon, []byte("anon-token")); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Visitor #%d", anon.ID); anon.ID == 0 || anon.Name != want {
		t.Errorf("visitor without a name: id %d, name %q; want %q", anon.ID, anon.Name, want)
	}
	named := &parley.Visitor{Name: "Zoe", CreatedAt: t0}
	if err := s.CreateVisitor(ctx, named, []byte("zoe-token")); err != nil {
		t.Fatal(err)
	}

	for token, want := range map[string]*parley.Visitor{"anon-token": anon, "zoe-token": named} {
		got, err := s.VisitorByToken(ctx, []byte(token))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.Name != want.Name || !got.CreatedAt.Equal(t0) {
			t.Errorf("VisitorByToken(%s) = %+v, want %+v", token, got, want)
		}
	}
	_, err := s.VisitorByToken(ctx, []byte("unknown"))
	wantCode(t, err, parley.ENOTFOUND)
	wantCode(t, s.CreateVisitor(ctx, &parley.Visitor{}, []byte("zoe-token")), parley.ECONFLICT)
}

func testStartAssigned(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	tests := []struct {
		name     string
		chatName string
		want     string // the operator's name the visitor sees
	}{
		{"chat name", "Ann", "Ann"},
		{"user name without a chat name", "", "Name of op2"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := mustUser(t, s, fmt.Sprintf("op%d", i+1), func(u *parley.User) { u.ChatName = tc.chatName })
			mustJoin(t, s, ch.ID, op.ID)
			v := mustVisitor(t, s, "")
			now := t0.Add(time.Duration(i) * time.Minute)
			c, m := mustStart(t, s, parley.NewConversation{
				ChannelID: ch.ID, VisitorID: v.ID, Language: "en", PageURL: "https://example.com/pricing", Body: "Hello?", Now: now,
			}, pick(op.ID))
			want := parley.Conversation{
				ID: c.ID, ChannelID: ch.ID, Status: parley.StatusActive, Language: "en",
				VisitorID: v.ID, VisitorName: v.Name, OperatorID: op.ID, OperatorName: tc.want,
				PageURL: "https://example.com/pricing", CreatedAt: now, AssignedAt: now, LastMessageAt: now, LastSeq: 1,
			}
			wantConversation(t, c, &want)
			wantConversation(t, mustConversation(t, s, c.ID), &want)
			wantMessage(t, m, &parley.Message{
				ConversationID: c.ID, Seq: 1, Author: parley.Author{Kind: parley.AuthorVisitor, Name: v.Name}, Body: "Hello?", CreatedAt: now,
			})
			msgs := mustMessages(t, s, c.ID, 0, 0)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			wantMessage(t, msgs[0], m)
			// Leave so that the next case's operator is the only member.
			if err := s.LeaveChannel(ctx, ch.ID, op.ID); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("unknown channel", func(t *testing.T) {
		v := mustVisitor(t, s, "")
		_, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: 9999, VisitorID: v.ID, Body: "Hi", Now: t0}, online)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

func testStartQueued(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web, sales := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Sales", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, web.ID, op.ID)

	var convs []*parley.Conversation
	for i := range 3 {
		v := mustVisitor(t, s, "")
		c, m := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: v.ID, Language: "en", Body: "Anyone?", Now: t0.Add(time.Duration(i) * time.Second)}, queue)
		if c.Status != parley.StatusQueued || c.OperatorID != 0 || c.OperatorName != "" || !c.AssignedAt.IsZero() {
			t.Errorf("conversation %d: status %s, operator %d %q, assigned %v; want queued, no operator", i, c.Status, c.OperatorID, c.OperatorName, c.AssignedAt)
		}
		if c.QueuePosition != i+1 {
			t.Errorf("conversation %d: queue position %d, want %d", i, c.QueuePosition, i+1)
		}
		if m.Seq != 1 || c.LastSeq != 1 {
			t.Errorf("conversation %d: message seq %d, last seq %d; want 1", i, m.Seq, c.LastSeq)
		}
		convs = append(convs, c)
	}
	// Another channel has its own line.
	v := mustVisitor(t, s, "")
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: sales.ID, VisitorID: v.ID, Body: "Sales?", Now: t0}, queue)
	if c.QueuePosition != 1 {
		t.Errorf("first of another channel: queue position %d, want 1", c.QueuePosition)
	}

	wantQueue := func(t *testing.T, want ...int64) {
		t.Helper()
		q, err := s.QueuedConversations(ctx, web.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, c := range q {
			ids = append(ids, c.ID)
			if c.QueuePosition != i+1 {
				t.Errorf("queued conversation %d at place %d has queue position %d", c.ID, i+1, c.QueuePosition)
			}
			if got := mustConversation(t, s, c.ID).QueuePosition; got != i+1 {
				t.Errorf("Conversation(%d).QueuePosition = %d, want %d", c.ID, got, i+1)
			}
		}
		wantIDs(t, "queue", ids, want)
	}
	wantQueue(t, convs[0].ID, convs[1].ID, convs[2].ID)

	// The visitor at the head leaves: everyone moves up.
	ended, _ := mustEnd(t, s, convs[0].ID, parley.VisitorLeftMessage, t0.Add(time.Minute))
	if ended.QueuePosition != 0 || ended.OperatorID != 0 {
		t.Errorf("ended queued conversation: queue position %d, operator %d; want 0, 0", ended.QueuePosition, ended.OperatorID)
	}
	wantQueue(t, convs[1].ID, convs[2].ID)
}

func testCandidates(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 3)
	sales := mustChannel(t, s, "Sales", 0)
	a := mustUser(t, s, "a", func(u *parley.User) { u.MainLanguage, u.ChatLanguages = "fr", []string{"en", "de"} })
	b := mustUser(t, s, "b")
	c := mustUser(t, s, "c") // a member of sales only: never a candidate of web
	mustJoin(t, s, web.ID, a.ID, b.ID)
	mustJoin(t, s, sales.ID, a.ID, c.ID)

	v := mustVisitor(t, s, "") // talked to a before, in web
	w := mustVisitor(t, s, "")
	x := mustVisitor(t, s, "") // talked to a and c, but in sales
	start := func(ch, visitor, op int64, at time.Time) *parley.Conversation {
		t.Helper()
		choose := pick(op)
		if op == 0 {
			choose = queue
		}
		conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch, VisitorID: visitor, Language: "en", Body: "Hi", Now: at}, choose)
		return conv
	}
	start(web.ID, w.ID, a.ID, t0.Add(-40*time.Minute)) // a, web: silent for too long to be ongoing
	older := start(web.ID, v.ID, b.ID, t0.Add(-30*time.Minute))
	mustEnd(t, s, older.ID, "", t0.Add(-25*time.Minute)) // b, web: ended; v's operator before a
	prev := start(web.ID, v.ID, a.ID, t0.Add(-20*time.Minute))
	mustEnd(t, s, prev.ID, "", t0.Add(-15*time.Minute)) // a, web: ended
	start(web.ID, w.ID, a.ID, t0.Add(-10*time.Minute))  // a, web: ongoing
	start(web.ID, v.ID, 0, t0.Add(-8*time.Minute))      // queued: v's latest has no operator
	start(sales.ID, x.ID, a.ID, t0.Add(-5*time.Minute)) // a, sales: ongoing
	start(sales.ID, x.ID, c.ID, t0.Add(-4*time.Minute)) // c, sales: ongoing

	wantA := parley.Candidate{OperatorID: a.ID, Ongoing: 1, Load: 2, Languages: []string{"fr", "en", "de"}, LastAssigned: t0.Add(-10 * time.Minute)}
	wantB := parley.Candidate{OperatorID: b.ID, Ongoing: 0, Load: 0, Languages: []string{"en"}, LastAssigned: t0.Add(-30 * time.Minute)}
	tests := []struct {
		name    string
		visitor int64 // 0: a new visitor
		lang    string
		req     parley.AssignRequest
		tiers   [2]parley.LanguageTier // of a and b in the recorded explanation (routing.go)
	}{
		{"returning visitor", v.ID, "de", parley.AssignRequest{Cap: 3, PreviousOperatorID: a.ID, Language: "de"}, [2]parley.LanguageTier{parley.TierChat, parley.TierNone}},
		{"new visitor", 0, "en", parley.AssignRequest{Cap: 3, Language: "en"}, [2]parley.LanguageTier{parley.TierChat, parley.TierMain}},
		{"visitor of another channel", x.ID, "ja", parley.AssignRequest{Cap: 3, Language: "ja"}, [2]parley.LanguageTier{parley.TierNone, parley.TierNone}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			visitor := tc.visitor
			if visitor == 0 {
				visitor = mustVisitor(t, s, "").ID
			}
			rec := &recorder{then: parley.Route} // nobody online: queued
			conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: visitor, Language: tc.lang, Body: "Hi", Now: t0}, rec.choose)
			if conv.Status != parley.StatusQueued {
				t.Errorf("status %s, want queued", conv.Status)
			}
			if len(rec.calls) != 1 {
				t.Fatalf("chooser called %d times, want 1", len(rec.calls))
			}
			call := rec.calls[0]
			if !reflect.DeepEqual(call.req, tc.req) {
				t.Errorf("request = %+v, want %+v", call.req, tc.req)
			}
			wantCandidates(t, call.candidates, []parley.Candidate{wantA, wantB})
			wantRecorded(t, s, conv.ID, tc.req, []parley.Candidate{wantA, wantB}, tc.tiers[:])
		})
	}

	t.Run("a message makes a silent conversation ongoing again", func(t *testing.T) {
		// The 40-minute-old conversation of w gets a new message.
		convs, err := s.OperatorConversations(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var silent *parley.ConversationSummary
		for _, cs := range convs {
			if cs.CreatedAt.Equal(t0.Add(-40 * time.Minute)) {
				silent = cs
			}
		}
		if silent == nil {
			t.Fatal("silent conversation not listed")
		}
		mustAdd(t, s, silent.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "w"}, "Still there?", t0.Add(-time.Minute))
		rec := &recorder{then: queue}
		mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, rec.choose)
		a2 := wantA
		a2.Ongoing, a2.Load = 2, 3
		wantCandidates(t, rec.calls[0].candidates, []parley.Candidate{a2, wantB})
	})
}

// testCandidatesFollowChanges makes decisions between changes of every kind: each
// decision sees the members, languages, loads and last assignments as they are then,
// however the store keeps them between decisions.
func testCandidatesFollowChanges(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	other := mustChannel(t, s, "Sales", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	mustJoin(t, s, other.ID, b.ID)
	at := t0
	decide := func(then parley.Chooser) ([]parley.Candidate, *parley.Conversation) {
		t.Helper()
		at = at.Add(time.Minute)
		rec := &recorder{then: then}
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: at}, rec.choose)
		if len(rec.calls) != 1 {
			t.Fatalf("chooser called %d times", len(rec.calls))
		}
		return rec.calls[0].candidates, c
	}
	en := []string{"en"}

	got, first := decide(pick(a.ID))
	wantCandidates(t, got, []parley.Candidate{{OperatorID: a.ID, Languages: en}, {OperatorID: b.ID, Languages: en}})
	got, _ = decide(pick(b.ID))
	wantCandidates(t, got, []parley.Candidate{
		{OperatorID: a.ID, Languages: en, Ongoing: 1, Load: 1, LastAssigned: first.AssignedAt},
		{OperatorID: b.ID, Languages: en},
	})
	bAssigned := at

	// b's languages change, and b gets a conversation in another channel.
	if _, err := s.UpdateUser(ctx, b.ID, parley.UserUpdate{MainLanguage: ptr("fr"), ChatLanguages: &[]string{"en"}}); err != nil {
		t.Fatal(err)
	}
	mustStart(t, s, parley.NewConversation{ChannelID: other.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: at}, pick(b.ID))
	got, _ = decide(queue)
	wantCandidates(t, got, []parley.Candidate{
		{OperatorID: a.ID, Languages: en, Ongoing: 1, Load: 1, LastAssigned: first.AssignedAt},
		{OperatorID: b.ID, Languages: []string{"fr", "en"}, Ongoing: 1, Load: 2, LastAssigned: bAssigned},
	})

	// a's conversation ends; then a leaves the channel.
	mustEnd(t, s, first.ID, "", at)
	got, _ = decide(queue)
	wantCandidates(t, got, []parley.Candidate{
		{OperatorID: a.ID, Languages: en, LastAssigned: first.AssignedAt},
		{OperatorID: b.ID, Languages: []string{"fr", "en"}, Ongoing: 1, Load: 2, LastAssigned: bAssigned},
	})
	if err := s.LeaveChannel(ctx, ch.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = decide(queue)
	wantCandidates(t, got, []parley.Candidate{
		{OperatorID: b.ID, Languages: []string{"fr", "en"}, Ongoing: 1, Load: 2, LastAssigned: bAssigned},
	})

	// A refused start changes nothing; the queue drains to b.
	if _, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: 99999, Language: "en", Body: "Hi", Now: at}, pick(b.ID)); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("start by an unknown visitor: %v, want ENOTFOUND", err)
	}
	assigned, err := s.AssignQueued(ctx, ch.ID, at, pick(b.ID))
	if err != nil || len(assigned) != 3 {
		t.Fatalf("assign the queue: %d assigned, %v; want 3", len(assigned), err)
	}
	got, _ = decide(queue)
	wantCandidates(t, got, []parley.Candidate{
		{OperatorID: b.ID, Languages: []string{"fr", "en"}, Ongoing: 4, Load: 5, LastAssigned: at.Add(-time.Minute)},
	})
}

func testLastAssigned(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)

	lastAssigned := func(t *testing.T) map[int64]time.Time {
		t.Helper()
		rec := &recorder{then: queue}
		mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0.Add(time.Hour)}, rec.choose)
		got := map[int64]time.Time{}
		for _, c := range rec.calls[0].candidates {
			got[c.OperatorID] = c.LastAssigned
		}
		return got
	}
	wantLast := func(t *testing.T, got map[int64]time.Time, op int64, want time.Time) {
		t.Helper()
		if !got[op].Equal(want) {
			t.Errorf("LastAssigned of %d = %v, want %v", op, got[op], want)
		}
	}

	got := lastAssigned(t)
	wantLast(t, got, a.ID, time.Time{})
	wantLast(t, got, b.ID, time.Time{})

	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, pick(a.ID))
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0.Add(time.Minute)}, pick(b.ID))
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0.Add(2 * time.Minute)}, pick(a.ID))
	got = lastAssigned(t)
	wantLast(t, got, a.ID, t0.Add(2*time.Minute))
	wantLast(t, got, b.ID, t0.Add(time.Minute))

	// Leaving and joining again does not make an operator look never assigned.
	if err := s.LeaveChannel(ctx, ch.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, s, ch.ID, a.ID)
	got = lastAssigned(t)
	wantLast(t, got, a.ID, t0.Add(2*time.Minute))
}

func testAssignQueued(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 1)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)

	var queued []*parley.Conversation
	for i := range 3 {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0.Add(time.Duration(i) * time.Second)}, queue)
		queued = append(queued, c)
	}

	t.Run("unknown channel", func(t *testing.T) {
		_, err := s.AssignQueued(ctx, 9999, t0, online)
		wantCode(t, err, parley.ENOTFOUND)
	})

	now := t0.Add(time.Minute)
	rec := &recorder{then: online}
	assigned, err := s.AssignQueued(ctx, ch.ID, now, rec.choose)
	if err != nil {
		t.Fatal(err)
	}
	// With a cap of 1 and two operators, the two oldest are placed and the third,
	// refused, stops the round.
	if len(rec.calls) != 3 {
		t.Errorf("chooser called %d times, want 3", len(rec.calls))
	}
	if len(assigned) != 2 {
		t.Fatalf("%d conversations assigned, want 2", len(assigned))
	}
	ops := map[int64]bool{}
	for i, c := range assigned {
		if c.ID != queued[i].ID {
			t.Errorf("assigned[%d] is conversation %d, want %d (oldest first)", i, c.ID, queued[i].ID)
		}
		if c.Status != parley.StatusActive || c.OperatorID == 0 || c.QueuePosition != 0 || !c.AssignedAt.Equal(now) {
			t.Errorf("assigned conversation %d: status %s, operator %d, queue position %d, assigned at %v", c.ID, c.Status, c.OperatorID, c.QueuePosition, c.AssignedAt)
		}
		if c.OperatorName != "Name of "+map[int64]string{a.ID: "a", b.ID: "b"}[c.OperatorID] {
			t.Errorf("assigned conversation %d: operator name %q", c.ID, c.OperatorName)
		}
		ops[c.OperatorID] = true
		wantConversation(t, mustConversation(t, s, c.ID), c)
	}
	if !ops[a.ID] || !ops[b.ID] {
		t.Errorf("operators %v, want both a and b", ops)
	}
	// Each decision sees the assignments made before it in the same round.
	for i, call := range rec.calls {
		var ongoing int
		for _, c := range call.candidates {
			ongoing += c.Ongoing
			if ops[c.OperatorID] && c.Ongoing == 1 && !c.LastAssigned.Equal(now) {
				t.Errorf("call %d: operator %d has an ongoing conversation but LastAssigned %v", i, c.OperatorID, c.LastAssigned)
			}
		}
		if ongoing != i {
			t.Errorf("call %d: candidates hold %d ongoing conversations, want %d", i, ongoing, i)
		}
	}
	q, err := s.QueuedConversations(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ID != queued[2].ID || q[0].QueuePosition != 1 {
		t.Errorf("queue after assignment: %+v; want conversation %d at position 1", q, queued[2].ID)
	}

	t.Run("empty queue", func(t *testing.T) {
		mustEnd(t, s, queued[2].ID, "", now)
		rec := &recorder{then: online}
		assigned, err := s.AssignQueued(ctx, ch.ID, now, rec.choose)
		if err != nil {
			t.Fatal(err)
		}
		if len(assigned) != 0 || len(rec.calls) != 0 {
			t.Errorf("empty queue: %d assigned, %d chooser calls", len(assigned), len(rec.calls))
		}
	})
}

func testAssignQueuedOldestFirst(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op") // speaks English only
	mustJoin(t, s, ch.ID, op.ID)
	japanese, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "ja", Body: "こんにちは", Now: t0}, queue)
	english, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hello", Now: t0.Add(time.Second)}, queue)

	// A chooser that places only conversations someone speaks the language of: the
	// oldest cannot be placed, so the younger one must not jump over it.
	speakers := func(req parley.AssignRequest, cands []parley.Candidate) parley.Routing {
		for _, c := range cands {
			if slices.Contains(c.Languages, req.Language) {
				return parley.Routing{OperatorID: c.OperatorID}
			}
		}
		return parley.Routing{}
	}
	rec := &recorder{then: speakers}
	assigned, err := s.AssignQueued(ctx, ch.ID, t0.Add(time.Minute), rec.choose)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != 0 {
		t.Errorf("%d assigned, want none", len(assigned))
	}
	if len(rec.calls) != 1 || rec.calls[0].req.Language != "ja" {
		t.Errorf("chooser calls %+v, want one, for the Japanese conversation", rec.calls)
	}
	if c := mustConversation(t, s, english.ID); c.Status != parley.StatusQueued || c.QueuePosition != 2 {
		t.Errorf("younger conversation: status %s, position %d; want queued at 2", c.Status, c.QueuePosition)
	}

	// Once the head leaves, the next is placed.
	mustEnd(t, s, japanese.ID, parley.VisitorLeftMessage, t0.Add(2*time.Minute))
	assigned, err = s.AssignQueued(ctx, ch.ID, t0.Add(3*time.Minute), speakers)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != 1 || assigned[0].ID != english.ID || assigned[0].OperatorID != op.ID {
		t.Errorf("assigned %+v, want conversation %d to operator %d", assigned, english.ID, op.ID)
	}
}

func testAssignQueuedAfterLongWait(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 1)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	old, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hello", Now: t0.Add(-2 * time.Hour)}, queue)
	assigned, err := s.AssignQueued(ctx, ch.ID, t0, online)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != 1 || assigned[0].ID != old.ID {
		t.Fatalf("assigned %+v, want conversation %d", assigned, old.ID)
	}
	// The conversation just given to the operator counts against the cap even though
	// its last message is older than the ongoing window.
	if !assigned[0].Ongoing(t0) {
		t.Errorf("conversation assigned now is not ongoing: last message at %v", assigned[0].LastMessageAt)
	}
	rec := &recorder{then: online}
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0.Add(time.Second)}, rec.choose)
	if got := rec.calls[0].candidates[0].Ongoing; got != 1 {
		t.Errorf("Ongoing after assignment = %d, want 1", got)
	}
	if c.Status != parley.StatusQueued {
		t.Errorf("new conversation is %s, want queued (cap reached)", c.Status)
	}
}

func testMessages(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op", func(u *parley.User) { u.ChatName = "Olivia" })
	mustJoin(t, s, ch.ID, op.ID)
	v := mustVisitor(t, s, "Victor")
	c, first := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "one", Now: t0}, pick(op.ID))

	adds := []struct {
		author parley.Author
		body   string
	}{
		{parley.Author{Kind: parley.AuthorOperator, Name: "Olivia", ID: op.ID}, "two"},
		{parley.Author{Kind: parley.AuthorVisitor, Name: "Victor"}, "three"},
		{parley.Author{Kind: parley.AuthorSystem}, "four"},
		{parley.Author{Kind: parley.AuthorOperator, Name: "Name shown then", ID: op.ID}, "five"},
	}
	all := []*parley.Message{first}
	for i, a := range adds {
		now := t0.Add(time.Duration(i+1) * time.Minute)
		m := mustAdd(t, s, c.ID, a.author, a.body, now)
		wantMessage(t, m, &parley.Message{ConversationID: c.ID, Seq: int64(i + 2), Author: a.author, Body: a.body, CreatedAt: now})
		got := mustConversation(t, s, c.ID)
		if got.LastSeq != m.Seq || !got.LastMessageAt.Equal(now) {
			t.Errorf("after message %d: last seq %d, last message at %v", m.Seq, got.LastSeq, got.LastMessageAt)
		}
		all = append(all, m)
	}

	tests := []struct {
		name  string
		after int64
		limit int
		want  []*parley.Message
	}{
		{"all", 0, 0, all},
		{"after 2", 2, 0, all[2:]},
		{"after 2, limit 1", 2, 1, all[2:3]},
		{"limit larger than what is left", 3, 10, all[3:]},
		{"negative limit", 0, -1, all},
		{"nothing new", 5, 0, nil},
		{"beyond the end", 99, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustMessages(t, s, c.ID, tc.after, tc.limit)
			if got == nil {
				t.Error("Messages returned nil, want an empty list")
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(got), len(tc.want))
			}
			for i := range got {
				wantMessage(t, got[i], tc.want[i])
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		_, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: 9999, Author: parley.Author{Kind: parley.AuthorVisitor}, Body: "x", Now: t0})
		wantCode(t, err, parley.ENOTFOUND)
		_, err = s.Messages(ctx, 9999, 0, 0)
		wantCode(t, err, parley.ENOTFOUND)
		mustEnd(t, s, c.ID, "", t0.Add(time.Hour))
		_, _, err = s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Victor"}, Body: "late", Now: t0.Add(2 * time.Hour)})
		wantCode(t, err, parley.ECONFLICT)
		if got, want := parley.ErrorMessage(err), fmt.Sprintf("Conversation %d has ended.", c.ID); got != want {
			t.Errorf("message %q, want %q", got, want)
		}
		if got := mustConversation(t, s, c.ID).LastSeq; got != 5 {
			t.Errorf("last seq %d after refused message, want 5", got)
		}
	})
}

func testUnread(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vi").ID, Body: "1", Now: t0}, pick(op.ID))
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Name of op", ID: op.ID}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

	steps := []struct {
		name    string
		do      func(t *testing.T)
		unread  int
		lastSeq int64
	}{
		{"first message", func(t *testing.T) {}, 1, 1},
		{"operator answers: read up to their message", func(t *testing.T) { mustAdd(t, s, c.ID, operator, "2", at(2)) }, 0, 2},
		{"visitor writes twice", func(t *testing.T) {
			mustAdd(t, s, c.ID, visitor, "3", at(3))
			mustAdd(t, s, c.ID, visitor, "4", at(4))
		}, 2, 4},
		{"read 3", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 3) }, 1, 4},
		{"never backwards", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 1) }, 1, 4},
		{"beyond the end is clamped", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 99) }, 0, 4},
		{"so the next message is unread", func(t *testing.T) { mustAdd(t, s, c.ID, visitor, "5", at(5)) }, 1, 5},
		{"system notices count", func(t *testing.T) { mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorSystem}, "Notice", at(6)) }, 2, 6},
		{"an ended conversation counts none", func(t *testing.T) { mustEnd(t, s, c.ID, parley.VisitorLeftMessage, at(7)) }, 0, 7},
		{"read all", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 7) }, 0, 7},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do(t)
			cs := mustSummary(t, s, op.ID, c.ID)
			if cs.Unread != st.unread {
				t.Errorf("unread = %d, want %d", cs.Unread, st.unread)
			}
			if cs.LastMessage == nil || cs.LastMessage.Seq != st.lastSeq || cs.LastSeq != st.lastSeq {
				t.Errorf("last message %+v, last seq %d; want seq %d", cs.LastMessage, cs.LastSeq, st.lastSeq)
			}
			list, err := s.OperatorConversations(ctx, op.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Unread != st.unread {
				t.Errorf("OperatorConversations = %+v, want one with %d unread", list, st.unread)
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		wantCode(t, s.MarkRead(ctx, op.ID, 9999, 1), parley.ENOTFOUND)
		_, err := s.ConversationSummary(ctx, op.ID, 9999)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

func testOperatorConversations(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	start := func(op int64, at time.Time) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: at}, pick(op))
		return c
	}
	c1 := start(a.ID, t0)
	c2 := start(a.ID, t0.Add(time.Minute))
	start(b.ID, t0.Add(2*time.Minute))
	c3 := start(a.ID, t0.Add(3*time.Minute))
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, queue)
	// c1 gets the newest activity; c3 ends, and ended conversations stay listed.
	mustAdd(t, s, c1.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "x"}, "again", t0.Add(10*time.Minute))
	mustEnd(t, s, c3.ID, "", t0.Add(4*time.Minute))

	list, err := s.OperatorConversations(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, cs := range list {
		ids = append(ids, cs.ID)
		if cs.OperatorID != a.ID {
			t.Errorf("conversation %d of operator %d listed for %d", cs.ID, cs.OperatorID, a.ID)
		}
		wantConversation(t, &cs.Conversation, mustConversation(t, s, cs.ID))
		if cs.LastMessage == nil || cs.LastMessage.Seq != cs.LastSeq || cs.LastMessage.ConversationID != cs.ID {
			t.Errorf("conversation %d: last message %+v, last seq %d", cs.ID, cs.LastMessage, cs.LastSeq)
		}
	}
	wantIDs(t, "OperatorConversations", ids, []int64{c1.ID, c3.ID, c2.ID})
	if list[0].LastMessage.Body != "again" {
		t.Errorf("last message of %d: %q, want %q", c1.ID, list[0].LastMessage.Body, "again")
	}

	none, err := s.OperatorConversations(ctx, 9999)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("OperatorConversations of nobody = %v, %v; want an empty list", none, err)
	}
}

func testEndConversation(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	tests := []struct {
		name   string
		notice string
	}{
		{"visitor leaves", parley.VisitorLeftMessage},
		{"operator ends", parley.OperatorLeftMessage},
		{"without a notice", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, pick(op.ID))
			mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Name of op", ID: op.ID}, "Hello", t0.Add(time.Minute))
			end := t0.Add(time.Duration(i+2) * time.Minute)
			ended, m := mustEnd(t, s, c.ID, tc.notice, end)
			if ended.Status != parley.StatusEnded || !ended.EndedAt.Equal(end) || ended.OperatorID != op.ID {
				t.Errorf("ended conversation: status %s, ended at %v, operator %d", ended.Status, ended.EndedAt, ended.OperatorID)
			}
			wantConversation(t, mustConversation(t, s, c.ID), ended)
			msgs := mustMessages(t, s, c.ID, 2, 0)
			if tc.notice == "" {
				if m != nil || ended.LastSeq != 2 || len(msgs) != 0 {
					t.Errorf("without a notice: message %+v, last seq %d, %d new messages", m, ended.LastSeq, len(msgs))
				}
				if !ended.LastMessageAt.Equal(t0.Add(time.Minute)) {
					t.Errorf("last message at %v, want the operator's message", ended.LastMessageAt)
				}
				return
			}
			want := &parley.Message{ConversationID: c.ID, Seq: 3, Author: parley.Author{Kind: parley.AuthorSystem}, Body: tc.notice, CreatedAt: end}
			wantMessage(t, m, want)
			if len(msgs) != 1 {
				t.Fatalf("%d messages after seq 2, want the notice", len(msgs))
			}
			wantMessage(t, msgs[0], want)
			if ended.LastSeq != 3 {
				t.Errorf("last seq %d, want 3", ended.LastSeq)
			}

			_, _, err := s.EndConversation(ctx, c.ID, tc.notice, end.Add(time.Minute))
			wantCode(t, err, parley.ECONFLICT)
			if got := mustConversation(t, s, c.ID); got.LastSeq != 3 || !got.EndedAt.Equal(end) {
				t.Errorf("second end changed the conversation: last seq %d, ended at %v", got.LastSeq, got.EndedAt)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, _, err := s.EndConversation(ctx, 9999, "", t0)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

func testRatings(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, pick(op.ID))
	if c.Rating != nil {
		t.Errorf("new conversation has rating %+v", c.Rating)
	}

	err := s.RateConversation(ctx, c.ID, parley.Rating{Score: 5})
	wantCode(t, err, parley.ECONFLICT)
	if got, want := parley.ErrorMessage(err), "Only an ended conversation can be rated."; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	mustEnd(t, s, c.ID, parley.VisitorLeftMessage, t0.Add(time.Minute))

	steps := []struct {
		name   string
		rating parley.Rating
	}{
		{"rate", parley.Rating{Score: 5, Comment: "Great help!"}},
		{"rate again", parley.Rating{Score: 1}},
		{"and again", parley.Rating{Score: 3, Comment: "Okay."}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.RateConversation(ctx, c.ID, st.rating); err != nil {
				t.Fatal(err)
			}
			got := mustConversation(t, s, c.ID).Rating
			if got == nil || *got != st.rating {
				t.Errorf("rating %+v, want %+v", got, st.rating)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		wantCode(t, s.RateConversation(ctx, c.ID, parley.Rating{Score: 4}), parley.EINVALID)
		wantCode(t, s.RateConversation(ctx, 9999, parley.Rating{Score: 5}), parley.ENOTFOUND)
	})
}

func testOfflineMessages(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	if list, err := s.OfflineMessages(ctx); err != nil || list == nil || len(list) != 0 {
		t.Errorf("OfflineMessages of a new store = %v, %v; want an empty list", list, err)
	}
	var created []*parley.OfflineMessage
	for i, name := range []string{"Ann", "Ben", "Cat"} {
		m := &parley.OfflineMessage{ChannelID: ch.ID, Name: name, Email: name + "@example.com", Body: "Call me", CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
		if err := s.CreateOfflineMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		if m.ID == 0 {
			t.Fatal("CreateOfflineMessage set no ID")
		}
		created = append(created, m)
	}
	list, err := s.OfflineMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d offline messages, want 3", len(list))
	}
	for i, got := range list {
		want := created[len(created)-1-i]
		if got.ID != want.ID || got.ChannelID != want.ChannelID || got.Name != want.Name || got.Email != want.Email ||
			got.Body != want.Body || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("offline message %d = %+v, want %+v (newest first)", i, got, want)
		}
	}
	wantCode(t, s.CreateOfflineMessage(ctx, &parley.OfflineMessage{ChannelID: 9999, Name: "x", Email: "x@example.com", Body: "x"}), parley.ENOTFOUND)
}

func testTimes(t *testing.T, s parley.Store) {
	// A time in another zone, with nanoseconds: stores keep at least microseconds and
	// return UTC.
	at := time.Date(2025, 6, 1, 12, 30, 45, 123456789, time.FixedZone("CEST", 2*3600))
	want := at.Truncate(time.Microsecond)
	ch := &parley.Channel{Name: "Website", CreatedAt: at}
	if err := s.CreateChannel(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	c, m := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: at}, pick(op.ID))
	got, err := s.Channel(t.Context(), ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := mustConversation(t, s, c.ID)
	msgs := mustMessages(t, s, c.ID, 0, 0)
	for name, tm := range map[string]time.Time{
		"channel created": got.CreatedAt, "conversation created": stored.CreatedAt, "assigned": stored.AssignedAt,
		"last message": stored.LastMessageAt, "returned message": m.CreatedAt, "stored message": msgs[0].CreatedAt,
	} {
		if !tm.Equal(want) || tm.Location() != time.UTC {
			t.Errorf("%s at %v, want %v in UTC", name, tm, want)
		}
	}
	if !stored.EndedAt.IsZero() {
		t.Errorf("ended at %v, want zero", stored.EndedAt)
	}
}

func testConcurrentStarts(t *testing.T, s parley.Store) {
	const (
		operators = 5
		capacity  = 2
		starts    = 50
	)
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", capacity)
	for i := range operators {
		mustJoin(t, s, ch.ID, mustUser(t, s, fmt.Sprintf("op%d", i)).ID)
	}
	visitors := make([]*parley.Visitor, starts)
	for i := range visitors {
		visitors[i] = mustVisitor(t, s, "")
	}

	ready := make(chan struct{})
	errs := make(chan error, starts)
	var wg sync.WaitGroup
	for _, v := range visitors {
		wg.Go(func() {
			<-ready
			_, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "Hi", Now: t0}, online)
			errs <- err
		})
	}
	close(ready)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	members, err := s.ChannelMembers(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int64{} // conversation → operator
	active := 0
	for _, op := range members {
		list, err := s.OperatorConversations(ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > capacity {
			t.Errorf("operator %d holds %d conversations, over the cap of %d", op.ID, len(list), capacity)
		}
		for _, cs := range list {
			if other, ok := seen[cs.ID]; ok {
				t.Errorf("conversation %d listed for operators %d and %d", cs.ID, other, op.ID)
			}
			seen[cs.ID] = op.ID
			if cs.Status != parley.StatusActive {
				t.Errorf("conversation %d of operator %d is %s", cs.ID, op.ID, cs.Status)
			}
			if c := mustConversation(t, s, cs.ID); c.OperatorID != op.ID {
				t.Errorf("conversation %d has operator %d, listed for %d", cs.ID, c.OperatorID, op.ID)
			}
			active++
		}
	}
	if active != operators*capacity {
		t.Errorf("%d active conversations, want %d", active, operators*capacity)
	}
	q, err := s.QueuedConversations(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != starts-operators*capacity {
		t.Errorf("%d queued conversations, want %d", len(q), starts-operators*capacity)
	}
	for i, c := range q {
		if c.OperatorID != 0 || c.QueuePosition != i+1 {
			t.Errorf("queued conversation %d: operator %d, position %d; want none, %d", c.ID, c.OperatorID, c.QueuePosition, i+1)
		}
		if _, ok := seen[c.ID]; ok {
			t.Errorf("conversation %d is both queued and assigned", c.ID)
		}
	}
}

// testStartNewVisitor starts conversations for visitors created by the start itself: the
// visitor exists once the start succeeded, and not at all when it failed.
func testStartNewVisitor(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)

	named := &parley.Visitor{Name: "Vera", CreatedAt: t0}
	c, m, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, NewVisitor: named, VisitorTokenHash: []byte("hash-vera"),
		Language: "en", Body: "Hello", Now: t0}, pick(op.ID))
	if err != nil || !created {
		t.Fatalf("start with a new visitor: created %v, %v", created, err)
	}
	if named.ID == 0 || c.VisitorID != named.ID || c.VisitorName != "Vera" || m.Author.Name != "Vera" || !named.CreatedAt.Equal(t0) {
		t.Errorf("visitor %+v, conversation's visitor %d %q, author %q", named, c.VisitorID, c.VisitorName, m.Author.Name)
	}
	if v, err := s.VisitorByToken(ctx, []byte("hash-vera")); err != nil || v.ID != named.ID || v.Name != "Vera" {
		t.Errorf("visitor by token: %+v, %v", v, err)
	}

	anonymous := &parley.Visitor{CreatedAt: t0}
	c, m, _, err = s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, NewVisitor: anonymous, VisitorTokenHash: []byte("hash-anon"),
		Language: "en", Body: "Hi", Now: t0}, queue)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Visitor #%d", anonymous.ID); anonymous.Name != want || c.VisitorName != want || m.Author.Name != want {
		t.Errorf("anonymous visitor named %q, conversation's %q, author %q; want %q", anonymous.Name, c.VisitorName, m.Author.Name, want)
	}

	_, _, _, err = s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID + 100, NewVisitor: &parley.Visitor{Name: "Lost"}, VisitorTokenHash: []byte("hash-lost"),
		Language: "en", Body: "Hi", Now: t0}, queue)
	if parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("start in an unknown channel: %v, want ENOTFOUND", err)
	}
	if _, err := s.VisitorByToken(ctx, []byte("hash-lost")); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("the failed start left its visitor behind: %v", err)
	}
	if _, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, NewVisitor: &parley.Visitor{}, VisitorTokenHash: []byte("hash-vera"),
		Language: "en", Body: "Hi", Now: t0}, queue); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("a new visitor with a token hash already known: %v, want ECONFLICT", err)
	}
}

// testConcurrentMessages sends many messages at once, as a busy server does (a store
// may commit them together): each is stored exactly once, in its conversation, with
// seqs that run without a gap; a message to an ended conversation or from an unknown
// operator is refused without harming the others; a client_id sent twice at once is
// stored once.
func testConcurrentMessages(t *testing.T, s parley.Store) {
	const (
		conversations = 4
		perSender     = 30
	)
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	convs := make([]*parley.Conversation, conversations)
	for i := range convs {
		convs[i], _ = mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(op.ID))
	}
	ended, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(op.ID))
	mustEnd(t, s, ended.ID, "", t0)

	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "V"}
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "O", ID: op.ID}
	ghost := parley.Author{Kind: parley.AuthorOperator, Name: "G", ID: op.ID + 1000}
	ready := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]int{} // client_id → times created
	var refused, failed []error
	send := func(nm parley.NewMessage, wantRefused string) {
		<-ready
		m, isNew, err := s.AddMessage(ctx, nm)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case wantRefused != "" && parley.ErrorCode(err) == wantRefused:
			refused = append(refused, err)
		case err != nil || wantRefused != "":
			failed = append(failed, fmt.Errorf("%s (conversation %d): %v, want %q", nm.ClientID, nm.ConversationID, err, wantRefused))
		case m.ClientID != nm.ClientID || m.ConversationID != nm.ConversationID || m.Body != nm.Body:
			failed = append(failed, fmt.Errorf("sent %s to %d, got back %s in %d", nm.ClientID, nm.ConversationID, m.ClientID, m.ConversationID))
		case isNew:
			created[nm.ClientID]++
		}
	}
	for _, c := range convs {
		for _, author := range []parley.Author{visitor, operator} {
			wg.Go(func() {
				for i := range perSender {
					send(parley.NewMessage{ConversationID: c.ID, Author: author, Body: fmt.Sprintf("m%d", i),
						ClientID: fmt.Sprintf("%d-%s-%d", c.ID, author.Kind, i), Now: t0.Add(time.Second)}, "")
				}
			})
		}
		// The same client_id twice at once: stored once.
		for range 2 {
			wg.Go(func() {
				send(parley.NewMessage{ConversationID: c.ID, Author: visitor, Body: "twice", ClientID: fmt.Sprintf("%d-twice", c.ID), Now: t0}, "")
			})
		}
	}
	wg.Go(func() {
		for i := range perSender {
			send(parley.NewMessage{ConversationID: ended.ID, Author: visitor, Body: "late", ClientID: fmt.Sprintf("late-%d", i), Now: t0}, parley.ECONFLICT)
			send(parley.NewMessage{ConversationID: convs[0].ID, Author: ghost, Body: "boo", ClientID: fmt.Sprintf("ghost-%d", i), Now: t0}, parley.ENOTFOUND)
		}
	})
	close(ready)
	wg.Wait()

	for _, err := range failed {
		t.Error(err)
	}
	if len(refused) != 2*perSender {
		t.Errorf("%d messages refused, want %d", len(refused), 2*perSender)
	}
	for id, n := range created {
		if n != 1 {
			t.Errorf("message %s created %d times", id, n)
		}
	}
	for _, c := range convs {
		msgs, err := s.Messages(ctx, c.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + 2*perSender + 1; len(msgs) != want {
			t.Errorf("conversation %d holds %d messages, want %d", c.ID, len(msgs), want)
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %d: message %d has seq %d", c.ID, i, m.Seq)
			}
			if m.Author.ID == ghost.ID {
				t.Errorf("conversation %d stored a message of an unknown operator", c.ID)
			}
		}
		if got := mustConversation(t, s, c.ID); got.LastSeq != int64(len(msgs)) {
			t.Errorf("conversation %d: last seq %d, %d messages", c.ID, got.LastSeq, len(msgs))
		}
	}
	if msgs, err := s.Messages(ctx, ended.ID, 0, 0); err != nil || len(msgs) != 1 {
		t.Errorf("ended conversation holds %d messages (%v), want its first only", len(msgs), err)
	}
}

// Choosers.

// online is the real assignment with every candidate online.
func online(req parley.AssignRequest, candidates []parley.Candidate) parley.Routing {
	for i := range candidates {
		candidates[i].Online = true
	}
	return parley.Route(req, candidates)
}

// queue places nothing.
func queue(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{} }

// pick always chooses op.
func pick(op int64) parley.Chooser {
	return func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{OperatorID: op} }
}

// recorder remembers what a store gives its chooser, then lets another decide.
type recorder struct {
	then  parley.Chooser
	mu    sync.Mutex
	calls []chooserCall
}

type chooserCall struct {
	req        parley.AssignRequest
	candidates []parley.Candidate
}

func (r *recorder) choose(req parley.AssignRequest, candidates []parley.Candidate) parley.Routing {
	r.mu.Lock()
	cands := make([]parley.Candidate, len(candidates))
	for i, c := range candidates {
		c.Languages = slices.Clone(c.Languages)
		cands[i] = c
	}
	r.calls = append(r.calls, chooserCall{req, cands})
	r.mu.Unlock()
	return r.then(req, candidates)
}

// Helpers.

func ptr[T any](v T) *T { return &v }

func mustUser(tb testing.TB, s parley.Store, login string, edit ...func(u *parley.User)) *parley.User {
	tb.Helper()
	u := &parley.User{Login: login, Name: "Name of " + login, Role: parley.RoleOperator}
	for _, e := range edit {
		e(u)
	}
	if err := s.CreateUser(tb.Context(), u, "hash of "+login); err != nil {
		tb.Fatal(err)
	}
	return u
}

func mustChannel(tb testing.TB, s parley.Store, name string, capacity int) *parley.Channel {
	tb.Helper()
	ch := &parley.Channel{Name: name, ButtonText: "Chat", MaxOngoingPerOperator: capacity, CreatedAt: t0}
	if err := s.CreateChannel(tb.Context(), ch); err != nil {
		tb.Fatal(err)
	}
	return ch
}

func mustJoin(tb testing.TB, s parley.Store, channelID int64, userIDs ...int64) {
	tb.Helper()
	for _, id := range userIDs {
		if err := s.JoinChannel(tb.Context(), channelID, id); err != nil {
			tb.Fatal(err)
		}
	}
}

func mustVisitor(tb testing.TB, s parley.Store, name string) *parley.Visitor {
	tb.Helper()
	v := &parley.Visitor{Name: name, CreatedAt: t0}
	if err := s.CreateVisitor(tb.Context(), v, []byte(rand.Text())); err != nil {
		tb.Fatal(err)
	}
	return v
}

func mustStart(tb testing.TB, s parley.Store, nc parley.NewConversation, choose parley.Chooser) (*parley.Conversation, *parley.Message) {
	tb.Helper()
	c, m, _, err := s.StartConversation(tb.Context(), nc, choose)
	if err != nil {
		tb.Fatal(err)
	}
	return c, m
}

func mustAdd(tb testing.TB, s parley.Store, conversationID int64, author parley.Author, body string, now time.Time) *parley.Message {
	tb.Helper()
	m, _, err := s.AddMessage(tb.Context(), parley.NewMessage{ConversationID: conversationID, Author: author, Body: body, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustEnd(tb testing.TB, s parley.Store, conversationID int64, notice string, now time.Time) (*parley.Conversation, *parley.Message) {
	tb.Helper()
	c, m, err := s.EndConversation(tb.Context(), conversationID, notice, now)
	if err != nil {
		tb.Fatal(err)
	}
	return c, m
}

func mustMarkRead(tb testing.TB, s parley.Store, userID, conversationID, seq int64) {
	tb.Helper()
	if err := s.MarkRead(tb.Context(), userID, conversationID, seq); err != nil {
		tb.Fatal(err)
	}
}

func mustConversation(tb testing.TB, s parley.Store, id int64) *parley.Conversation {
	tb.Helper()
	c, err := s.Conversation(tb.Context(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustSummary(tb testing.TB, s parley.Store, userID, conversationID int64) *parley.ConversationSummary {
	tb.Helper()
	cs, err := s.ConversationSummary(tb.Context(), userID, conversationID)
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

func mustMessages(tb testing.TB, s parley.Store, conversationID, afterSeq int64, limit int) []*parley.Message {
	tb.Helper()
	msgs, err := s.Messages(tb.Context(), conversationID, afterSeq, limit)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

func mustLanguages(tb testing.TB, s parley.Store) []parley.Language {
	tb.Helper()
	langs, err := s.Languages(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	return langs
}

// wantCode fails tb unless err carries the parley error code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := parley.ErrorCode(err); got != code {
		tb.Errorf("error %v has code %q, want %q", err, got, code)
	}
}

func wantIDs(tb testing.TB, what string, got, want []int64) {
	tb.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		tb.Errorf("%s = %v, want %v", what, got, want)
	}
}

func wantUser(tb testing.TB, got, want *parley.User) {
	tb.Helper()
	if got.ID != want.ID || got.Login != want.Login || got.Name != want.Name || got.Role != want.Role ||
		got.ChatName != want.ChatName || got.MainLanguage != want.MainLanguage || !slices.Equal(got.ChatLanguages, want.ChatLanguages) ||
		got.Disabled != want.Disabled {
		tb.Errorf("user = %+v, want %+v", got, want)
	}
}

func wantChannel(tb testing.TB, got, want *parley.Channel) {
	tb.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g.AllowedOrigins == nil {
		g.AllowedOrigins = []string{}
	}
	if w.AllowedOrigins == nil {
		w.AllowedOrigins = []string{}
	}
	if !reflect.DeepEqual(g, w) || !got.CreatedAt.Equal(want.CreatedAt) {
		tb.Errorf("channel = %+v, want %+v", got, want)
	}
}

func wantConversation(tb testing.TB, got, want *parley.Conversation) {
	tb.Helper()
	if formatConversation(got) != formatConversation(want) {
		tb.Errorf("conversation =\n%s\nwant\n%s", formatConversation(got), formatConversation(want))
	}
}

func formatConversation(c *parley.Conversation) string {
	rating := "none"
	if c.Rating != nil {
		rating = fmt.Sprintf("%d %q", c.Rating.Score, c.Rating.Comment)
	}
	return fmt.Sprintf("id=%d channel=%d status=%s lang=%q visitor=%d %q operator=%d %q page=%q created=%s assigned=%s last=%s ended=%s seq=%d place=%d rating=%s",
		c.ID, c.ChannelID, c.Status, c.Language, c.VisitorID, c.VisitorName, c.OperatorID, c.OperatorName, c.PageURL,
		formatTime(c.CreatedAt), formatTime(c.AssignedAt), formatTime(c.LastMessageAt), formatTime(c.EndedAt), c.LastSeq, c.QueuePosition, rating)
}

func wantMessage(tb testing.TB, got, want *parley.Message) {
	tb.Helper()
	if got == nil || formatMessage(got) != formatMessage(want) {
		tb.Errorf("message = %s, want %s", formatMessage(got), formatMessage(want))
	}
}

func formatMessage(m *parley.Message) string {
	if m == nil {
		return "nil"
	}
	return fmt.Sprintf("conversation=%d seq=%d author=%s %q %d body=%q at=%s",
		m.ConversationID, m.Seq, m.Author.Kind, m.Author.Name, m.Author.ID, m.Body, formatTime(m.CreatedAt))
}

func wantCandidates(tb testing.TB, got, want []parley.Candidate) {
	tb.Helper()
	format := func(cs []parley.Candidate) string {
		s := ""
		for _, c := range cs {
			s += fmt.Sprintf("\n\toperator=%d online=%v ongoing=%d load=%d languages=%v last assigned=%s",
				c.OperatorID, c.Online, c.Ongoing, c.Load, c.Languages, formatTime(c.LastAssigned))
		}
		return s
	}
	if format(got) != format(want) {
		tb.Errorf("candidates:%s\nwant:%s", format(got), format(want))
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// testIdempotency: a client that resends with the same client_id gets the stored message
// back, never a second copy; keys are scoped to the conversation and the author's side.
func testIdempotency(t *testing.T, s parley.Store) {
	ctx := t.Context()
	op := mustUser(t, s, "olga")
	ch := mustChannel(t, s, "Website", 0)
	if err := s.JoinChannel(ctx, ch.ID, op.ID); err != nil {
		t.Fatal(err)
	}
	v := mustVisitor(t, s, "Vera")
	nc := parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "Hi", ClientID: "start-1", Now: t0}
	c, first, created, err := s.StartConversation(ctx, nc, online)
	if err != nil || !created {
		t.Fatalf("first start: created %v, err %v", created, err)
	}
	if first.ClientID != "start-1" {
		t.Errorf("first message client_id %q", first.ClientID)
	}
	again, firstAgain, created, err := s.StartConversation(ctx, nc, online)
	if err != nil || created || again.ID != c.ID || firstAgain.Seq != 1 {
		t.Fatalf("replayed start: conversation %d (want %d), created %v, err %v", again.ID, c.ID, created, err)
	}
	other := nc
	other.ClientID = "start-2"
	if c2, _, created, err := s.StartConversation(ctx, other, online); err != nil || !created || c2.ID == c.ID {
		t.Fatalf("start with another key: created %v, err %v", created, err)
	}

	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}
	operator := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: op.ID}
	send := func(author parley.Author, body, key string, now time.Time) (*parley.Message, bool) {
		t.Helper()
		m, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: author, Body: body, ClientID: key, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return m, created
	}
	m1, created := send(visitor, "one", "k1", t0.Add(time.Second))
	if !created || m1.Seq != 2 || m1.ClientID != "k1" {
		t.Fatalf("first send: %+v created %v", m1, created)
	}
	m1b, created := send(visitor, "one (resent)", "k1", t0.Add(2*time.Second))
	if created || m1b.Seq != m1.Seq || m1b.Body != "one" {
		t.Fatalf("resend: %+v created %v, want the stored message", m1b, created)
	}
	if m, created := send(operator, "same key, other side", "k1", t0.Add(3*time.Second)); !created || m.Seq != 3 {
		t.Fatalf("operator with the visitor's key: %+v created %v", m, created)
	}
	if m, created := send(visitor, "no key", "", t0.Add(4*time.Second)); !created || m.Seq != 4 {
		t.Fatalf("without a key: %+v created %v", m, created)
	}
	if m, created := send(visitor, "no key", "", t0.Add(5*time.Second)); !created || m.Seq != 5 {
		t.Fatalf("without a key again: %+v created %v", m, created)
	}
	mustEnd(t, s, c.ID, "", t0.Add(time.Minute))
	if m, created := send(visitor, "one", "k1", t0.Add(2*time.Minute)); created || m.Seq != 2 {
		t.Fatalf("resend after the end: %+v created %v, want the stored message", m, created)
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 || msgs[1].ClientID != "k1" {
		t.Fatalf("stored %d messages, want 5: %+v", len(msgs), msgs)
	}
}

func testVisitorChannels(t *testing.T, s parley.Store) {
	ctx := t.Context()
	a, b := mustChannel(t, s, "A", 0), mustChannel(t, s, "B", 0)
	mustChannel(t, s, "C", 0)
	v, other := mustVisitor(t, s, "Vi"), mustVisitor(t, s, "Ot")
	for _, ch := range []*parley.Channel{b, a, b} {
		mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "hi", Now: t0}, online)
	}
	got, err := s.VisitorChannels(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []int64{a.ID, b.ID}) {
		t.Errorf("VisitorChannels = %v, want [%d %d]", got, a.ID, b.ID)
	}
	if got, err := s.VisitorChannels(ctx, other.ID); err != nil || len(got) != 0 {
		t.Errorf("VisitorChannels of a visitor without conversations = %v, %v", got, err)
	}
}

// testStartReplay: a start without a token (a new visitor) that repeats the client_id of
// a first message of the channel, within ReplaySince, returns that conversation and
// message and gives its visitor the new token in place of the old; anything else (after
// the window, another channel, no ReplaySince, a visitor who came with a token) starts
// anew.
func testStartReplay(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch, other := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Other", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	mustJoin(t, s, other.ID, op.ID)
	start := func(channelID int64, hash, clientID string, now, since time.Time) (*parley.Visitor, *parley.Conversation, *parley.Message, bool) {
		t.Helper()
		v := &parley.Visitor{CreatedAt: now}
		c, m, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: channelID, NewVisitor: v, VisitorTokenHash: []byte(hash),
			Language: "en", Body: "Hello", ClientID: clientID, Now: now, ReplaySince: since}, pick(op.ID))
		if err != nil {
			t.Fatalf("start %s: %v", hash, err)
		}
		return v, c, m, created
	}
	const key = "0123456789abcdef0123456789abcdef"
	window := 2 * time.Minute
	v1, c1, m1, created := start(ch.ID, "hash-1", key, t0, t0.Add(-window))
	if !created {
		t.Fatal("first start not created")
	}

	at := t0.Add(time.Minute)
	v2, c2, m2, created := start(ch.ID, "hash-2", key, at, at.Add(-window))
	if created || c2.ID != c1.ID || m2.Seq != 1 || m2.ClientID != key || v2.ID != v1.ID || v2.Name != v1.Name || c2.VisitorID != v1.ID {
		t.Fatalf("replay: created %v, conversation %d (want %d), message %+v, visitor %+v (want %d)", created, c2.ID, c1.ID, m2, v2, v1.ID)
	}
	if !m2.CreatedAt.Equal(m1.CreatedAt) {
		t.Errorf("replay's message %+v, want the first %+v", m2, m1)
	}
	if v, err := s.VisitorByToken(ctx, []byte("hash-2")); err != nil || v.ID != v1.ID {
		t.Errorf("the new token's visitor: %+v, %v; want %d", v, err, v1.ID)
	}
	if _, err := s.VisitorByToken(ctx, []byte("hash-1")); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("the replaced token still works: %v", err)
	}
	if msgs := mustMessages(t, s, c1.ID, 0, 0); len(msgs) != 1 {
		t.Errorf("%d messages after the replay, want 1", len(msgs))
	}

	// Past the window, in another channel, or without ReplaySince: a new start.
	late := t0.Add(window + time.Second)
	for _, tc := range []struct {
		name      string
		channelID int64
		since     time.Time
	}{
		{"after the window", ch.ID, late.Add(-window)},
		{"another channel", other.ID, at.Add(-window)},
		{"no replay asked", ch.ID, time.Time{}},
	} {
		v, c, _, created := start(tc.channelID, "hash-"+tc.name, key, late, tc.since)
		if !created || c.ID == c1.ID || v.ID == v1.ID {
			t.Errorf("%s: created %v, conversation %d, visitor %d; want a new one", tc.name, created, c.ID, v.ID)
		}
	}

	// A visitor who came with a token started this conversation: a tokenless start with
	// its key takes nothing over.
	const key2 = "fedcba9876543210fedcba9876543210"
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v1.ID, Body: "Again", ClientID: key2, Now: at}, online)
	v, c, _, created := start(ch.ID, "hash-3", key2, at, at.Add(-window))
	if !created || c.VisitorID == v1.ID || v.ID == v1.ID {
		t.Errorf("replay of a returning visitor's start: created %v, conversation of visitor %d", created, c.VisitorID)
	}
	if got, err := s.VisitorByToken(ctx, []byte("hash-2")); err != nil || got.ID != v1.ID {
		t.Errorf("the returning visitor's token: %+v, %v", got, err)
	}
}

func mustSession(tb testing.TB, s parley.Store, userID int64, hash string, created time.Time) *parley.Session {
	tb.Helper()
	sess, err := s.CreateSession(tb.Context(), parley.NewSession{TokenHash: []byte(hash), UserID: userID,
		CreatedAt: created, ExpiresAt: created.Add(time.Hour), UserAgent: "agent of " + hash, Address: "192.0.2.1"})
	if err != nil {
		tb.Fatal(err)
	}
	return sess
}

// sessionHashes lists the token hashes of the user's sessions at t0, newest first.
func sessionHashes(tb testing.TB, s parley.Store, userID int64) []string {
	tb.Helper()
	list, err := s.UserSessions(tb.Context(), userID, t0)
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, sess := range list {
		out = append(out, string(sess.TokenHash))
	}
	return out
}

func hashes(list [][]byte) []string {
	out := []string{}
	for _, h := range list {
		out = append(out, string(h))
	}
	slices.Sort(out)
	return out
}

// Logins are compared by their PRECIS key: one differing only in case or width is the
// same login, for creating a user and for finding one.
func testLoginKeys(t *testing.T, s parley.Store) {
	ctx := t.Context()
	alice := mustUser(t, s, "Alice")
	for _, login := range []string{"alice", "ALICE", "\uff21lice"} {
		err := s.CreateUser(ctx, &parley.User{Login: login, Name: "Other", Role: parley.RoleOperator}, "x")
		wantCode(t, err, parley.ECONFLICT)
		u, _, err := s.UserByLogin(ctx, login)
		if err != nil {
			t.Fatalf("UserByLogin(%q): %v", login, err)
		}
		wantUser(t, u, alice)
	}
	err := s.CreateUser(ctx, &parley.User{Login: "al ice", Name: "Other", Role: parley.RoleOperator}, "x")
	wantCode(t, err, parley.EINVALID)
	_, _, err = s.UserByLogin(ctx, "al ice")
	wantCode(t, err, parley.ENOTFOUND)
}

// An admin's edit changes name, role and the disabled flag, as the preferences.
func testEditUser(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "erin")
	got, err := s.UpdateUser(ctx, u.ID, parley.UserUpdate{Name: ptr("Erin Smith"), Role: ptr(parley.RoleAdmin), Disabled: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.Name, want.Role, want.Disabled = "Erin Smith", parley.RoleAdmin, true
	wantUser(t, got, &want)
	if !got.Disabled {
		t.Error("Disabled not set")
	}
	stored, err := s.User(ctx, u.ID)
	if err != nil || !stored.Disabled || stored.Role != parley.RoleAdmin {
		t.Fatalf("stored user %+v, %v", stored, err)
	}
	if got, err = s.UpdateUser(ctx, u.ID, parley.UserUpdate{Disabled: ptr(false)}); err != nil || got.Disabled || got.Name != "Erin Smith" {
		t.Fatalf("enabled again: %+v, %v", got, err)
	}
}

// A disabled user is found by login (to be told they are disabled) but has no session.
func testDisabledUser(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "fay")
	mustSession(t, s, u.ID, "fay-session", t0)
	if _, err := s.UpdateUser(ctx, u.ID, parley.UserUpdate{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := s.SessionUser(ctx, []byte("fay-session"), t0)
	wantCode(t, err, parley.EUNAUTHORIZED)
	got, _, err := s.UserByLogin(ctx, "fay")
	if err != nil || !got.Disabled {
		t.Fatalf("UserByLogin of a disabled user: %+v, %v", got, err)
	}
	if _, err := s.UpdateUser(ctx, u.ID, parley.UserUpdate{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, []byte("fay-session"), t0); err != nil {
		t.Fatalf("the session after enabling again: %v", err)
	}
}

// Sessions are listed newest first with what the login recorded, under distinct opaque
// ids; one is ended by id (only its own user's), or all but one.
func testSessionList(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "gus")
	other := mustUser(t, s, "hal")
	old := mustSession(t, s, u.ID, "gus-old", t0.Add(-time.Minute))
	mid := mustSession(t, s, u.ID, "gus-mid", t0.Add(-30*time.Second))
	mustSession(t, s, u.ID, "gus-new", t0.Add(-time.Second))
	mustSession(t, s, u.ID, "gus-expired", t0.Add(-2*time.Hour))
	theirs := mustSession(t, s, other.ID, "hal-1", t0)

	list, err := s.UserSessions(ctx, u.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := sessionHashes(t, s, u.ID); !slices.Equal(got, []string{"gus-new", "gus-mid", "gus-old"}) {
		t.Fatalf("sessions = %v, want the three open ones, newest first", got)
	}
	ids := map[int64]bool{theirs.ID: true}
	for _, sess := range list {
		if sess.ID <= 0 || ids[sess.ID] {
			t.Errorf("session id %d: not positive or not distinct", sess.ID)
		}
		ids[sess.ID] = true
		if sess.UserID != u.ID || sess.Address != "192.0.2.1" || sess.UserAgent != "agent of "+string(sess.TokenHash) ||
			sess.ExpiresAt.Sub(sess.CreatedAt) != time.Hour || sess.LastSeenAt.Before(sess.CreatedAt) {
			t.Errorf("session %+v", sess)
		}
	}
	if list[2].ID != old.ID || !list[2].CreatedAt.Equal(old.CreatedAt) {
		t.Errorf("oldest session %+v, want %+v", list[2], old)
	}

	// A session's use is recorded when the last one recorded is older than asked.
	for _, touch := range []struct{ now, since, want time.Time }{
		{t0, t0, t0}, // last seen at creation, 30 s before since: recorded
		{t0.Add(10 * time.Second), t0.Add(-time.Minute), t0}, // seen at t0, after since: not again
		{t0.Add(2 * time.Minute), t0.Add(time.Minute), t0.Add(2 * time.Minute)},
	} {
		if err := s.TouchSession(ctx, []byte("gus-mid"), touch.now, touch.since); err != nil {
			t.Fatal(err)
		}
		list, err := s.UserSessions(ctx, u.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !list[1].LastSeenAt.Equal(touch.want) || !list[0].LastSeenAt.Equal(list[0].CreatedAt) {
			t.Fatalf("after touching at %v (since %v): last seen %v, want %v; the untouched one %v", touch.now, touch.since, list[1].LastSeenAt, touch.want, list[0].LastSeenAt)
		}
	}
	if err := s.TouchSession(ctx, []byte("unknown"), t0, t0); err != nil {
		t.Errorf("TouchSession of an unknown session: %v", err)
	}

	_, err = s.DeleteUserSession(ctx, other.ID, mid.ID)
	wantCode(t, err, parley.ENOTFOUND)
	h, err := s.DeleteUserSession(ctx, u.ID, mid.ID)
	if err != nil || string(h) != "gus-mid" {
		t.Fatalf("DeleteUserSession = %q, %v", h, err)
	}
	_, err = s.DeleteUserSession(ctx, u.ID, mid.ID)
	wantCode(t, err, parley.ENOTFOUND)

	ended, err := s.DeleteUserSessions(ctx, u.ID, []byte("gus-new"))
	if err != nil || !slices.Equal(hashes(ended), []string{"gus-expired", "gus-old"}) {
		t.Fatalf("DeleteUserSessions but one = %q, %v", hashes(ended), err)
	}
	if got := sessionHashes(t, s, u.ID); !slices.Equal(got, []string{"gus-new"}) {
		t.Fatalf("sessions left = %v", got)
	}
	if ended, err = s.DeleteUserSessions(ctx, u.ID, nil); err != nil || !slices.Equal(hashes(ended), []string{"gus-new"}) {
		t.Fatalf("DeleteUserSessions = %q, %v", hashes(ended), err)
	}
	if got := sessionHashes(t, s, other.ID); !slices.Equal(got, []string{"hal-1"}) {
		t.Fatalf("the other user's sessions = %v", got)
	}
}

// Setting a password ends every session but the one kept, in the same write.
func testSetPassword(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "ida")
	mustSession(t, s, u.ID, "ida-1", t0)
	mustSession(t, s, u.ID, "ida-2", t0)
	ended, err := s.SetPassword(ctx, u.ID, "new hash", []byte("ida-2"))
	if err != nil || !slices.Equal(hashes(ended), []string{"ida-1"}) {
		t.Fatalf("SetPassword = %q, %v", hashes(ended), err)
	}
	if _, hash, err := s.UserByLogin(ctx, "ida"); err != nil || hash != "new hash" {
		t.Fatalf("hash after SetPassword = %q, %v", hash, err)
	}
	if got := sessionHashes(t, s, u.ID); !slices.Equal(got, []string{"ida-2"}) {
		t.Fatalf("sessions left = %v", got)
	}
	ended, err = s.SetPassword(ctx, u.ID, "newer hash", nil)
	if err != nil || !slices.Equal(hashes(ended), []string{"ida-2"}) {
		t.Fatalf("SetPassword keeping none = %q, %v", hashes(ended), err)
	}
	_, err = s.SetPassword(ctx, 9999, "x", nil)
	wantCode(t, err, parley.ENOTFOUND)
}

// A deleted user is found by nothing, loses their sessions and memberships, and frees
// their login; the conversations and messages naming them stay.
func testDeleteUser(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "jo", func(u *parley.User) { u.ChatName = "Jo" })
	ch := mustChannel(t, s, "Deleting", 0)
	mustJoin(t, s, ch.ID, u.ID)
	v := mustVisitor(t, s, "Vic")
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hello", Now: t0}, pick(u.ID))
	mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, ID: u.ID, Name: "Jo"}, "Hi", t0)
	mustEnd(t, s, c.ID, "", t0)
	mustSession(t, s, u.ID, "jo-1", t0)

	if err := s.DeleteUser(ctx, u.ID, t0); err != nil {
		t.Fatal(err)
	}
	_, err := s.User(ctx, u.ID)
	wantCode(t, err, parley.ENOTFOUND)
	_, _, err = s.UserByLogin(ctx, "jo")
	wantCode(t, err, parley.ENOTFOUND)
	_, err = s.SessionUser(ctx, []byte("jo-1"), t0)
	wantCode(t, err, parley.EUNAUTHORIZED)
	wantCode(t, s.DeleteUser(ctx, u.ID, t0), parley.ENOTFOUND)
	_, err = s.UpdateUser(ctx, u.ID, parley.UserUpdate{Disabled: ptr(false)})
	wantCode(t, err, parley.ENOTFOUND)
	members, err := s.ChannelMembers(ctx, ch.ID)
	if err != nil || len(members) != 0 {
		t.Fatalf("members after deleting = %v, %v", members, err)
	}
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range users {
		if x.ID == u.ID {
			t.Fatalf("deleted user listed")
		}
	}
	msgs := mustMessages(t, s, c.ID, 0, 0)
	if len(msgs) != 2 || msgs[1].Author.ID != u.ID || msgs[1].Author.Name != "Jo" {
		t.Fatalf("messages after deleting their author: %+v", msgs)
	}
	if got := mustConversation(t, s, c.ID); got.OperatorID != u.ID || got.OperatorName != "Jo" {
		t.Fatalf("conversation after deleting its operator: %+v", got)
	}
	again := mustUser(t, s, "jo")
	if again.ID == u.ID {
		t.Fatal("the new jo took the deleted one's id")
	}
}

// The last enabled admin is neither disabled, nor demoted, nor deleted: the refusal
// names what was refused and changes nothing. Anyone else may be, and so may the last
// admin once another is enabled.
func testLastAdmin(t *testing.T, s parley.Store) {
	ctx := t.Context()
	admin := mustUser(t, s, "ada", func(u *parley.User) { u.Role = parley.RoleAdmin })
	dis := mustUser(t, s, "dis", func(u *parley.User) { u.Role, u.Disabled = parley.RoleAdmin, true })
	op := mustUser(t, s, "opal")

	refused := []struct {
		name string
		do   func() error
		what string
	}{
		{"disable", func() error {
			_, err := s.UpdateUser(ctx, admin.ID, parley.UserUpdate{Disabled: ptr(true)})
			return err
		}, "disable"},
		{"demote", func() error {
			_, err := s.UpdateUser(ctx, admin.ID, parley.UserUpdate{Role: ptr(parley.RoleOperator)})
			return err
		}, "demote"},
		{"disable and demote", func() error {
			_, err := s.UpdateUser(ctx, admin.ID, parley.UserUpdate{Role: ptr(parley.RoleOperator), Disabled: ptr(true), Name: ptr("X")})
			return err
		}, "disable"},
		{"delete", func() error { return s.DeleteUser(ctx, admin.ID, t0) }, "delete"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			wantCode(t, err, parley.EINVALID)
			if got, want := parley.ErrorMessage(err), "You cannot "+tc.what+" ada: they are the last enabled admin."; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			if got, err := s.User(ctx, admin.ID); err != nil {
				t.Fatal(err)
			} else {
				wantUser(t, got, admin)
			}
		})
	}

	t.Run("allowed", func(t *testing.T) {
		steps := []struct {
			name string
			do   func() error
		}{
			{"edit the last admin", func() error {
				_, err := s.UpdateUser(ctx, admin.ID, parley.UserUpdate{ChatName: ptr("Ada"), Role: ptr(parley.RoleAdmin), Disabled: ptr(false)})
				return err
			}},
			{"disable an operator", func() error { _, err := s.UpdateUser(ctx, op.ID, parley.UserUpdate{Disabled: ptr(true)}); return err }},
			{"demote a disabled admin", func() error {
				_, err := s.UpdateUser(ctx, dis.ID, parley.UserUpdate{Role: ptr(parley.RoleOperator)})
				return err
			}},
			{"enable another admin", func() error {
				_, err := s.UpdateUser(ctx, op.ID, parley.UserUpdate{Role: ptr(parley.RoleAdmin), Disabled: ptr(false)})
				return err
			}},
			{"disable the first", func() error {
				_, err := s.UpdateUser(ctx, admin.ID, parley.UserUpdate{Disabled: ptr(true)})
				return err
			}},
			{"delete the disabled first", func() error { return s.DeleteUser(ctx, admin.ID, t0) }},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		err := s.DeleteUser(ctx, op.ID, t0)
		if got, want := parley.ErrorMessage(err), "You cannot delete opal: they are the last enabled admin."; got != want {
			t.Errorf("deleting the new last admin: %q, want %q", got, want)
		}
	})
}

// At least one language stays enabled: disabling the last one is refused and changes
// nothing; any other may be disabled or added disabled.
func testLastLanguage(t *testing.T, s parley.Store) {
	ctx := t.Context()
	enabled := func() []string {
		var codes []string
		for _, l := range mustLanguages(t, s) {
			if l.Enabled {
				codes = append(codes, l.Code)
			}
		}
		slices.Sort(codes)
		return codes
	}
	steps := []struct {
		name    string
		set     parley.Language
		refused bool
		want    []string // enabled after
	}{
		{"disable the only one", parley.Language{Code: "en", Name: "English"}, true, []string{"en"}},
		{"disable a disabled one", parley.Language{Code: "fr", Name: "French"}, false, []string{"en"}},
		{"add a disabled one", parley.Language{Code: "tlh", Name: "Klingon"}, false, []string{"en"}},
		{"enable another", parley.Language{Code: "de", Name: "German", Enabled: true}, false, []string{"de", "en"}},
		{"disable the first", parley.Language{Code: "en", Name: "English"}, false, []string{"de"}},
		{"disable the second", parley.Language{Code: "de", Name: "Deutsch"}, true, []string{"de"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := s.SetLanguage(ctx, st.set)
			if st.refused {
				wantCode(t, err, parley.EINVALID)
				if got, want := parley.ErrorMessage(err), "At least one language must stay enabled."; got != want {
					t.Errorf("message = %q, want %q", got, want)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := enabled(); !slices.Equal(got, st.want) {
				t.Errorf("enabled %v, want %v", got, st.want)
			}
		})
	}
	for _, l := range mustLanguages(t, s) {
		if l.Code == "de" && l.Name != "German" {
			t.Errorf("a refused SetLanguage renamed de to %q", l.Name)
		}
	}
}

// Requeueing puts the operator's active conversations back in the queue, unassigned,
// ahead of those that came later, and leaves ended ones alone; the next assignment
// sees the operator's load without them.
func testRequeueConversations(t *testing.T, s parley.Store) {
	ctx := t.Context()
	kim := mustUser(t, s, "kim")
	lee := mustUser(t, s, "lee")
	ch := mustChannel(t, s, "Requeue", 0)
	mustJoin(t, s, ch.ID, kim.ID)
	start := func(name string, choose parley.Chooser) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, name).ID, Body: "Hello", Now: t0}, choose)
		return c
	}
	ended := start("v1", pick(kim.ID))
	mustEnd(t, s, ended.ID, "", t0)
	active := start("v2", pick(kim.ID))
	waiting := start("v3", queue)

	left, err := s.LeaveChannels(ctx, kim.ID)
	if err != nil || !slices.Equal(left, []int64{ch.ID}) {
		t.Fatalf("LeaveChannels = %v, %v", left, err)
	}
	requeued, err := s.RequeueConversations(ctx, kim.ID)
	if err != nil || len(requeued) != 1 || requeued[0].ID != active.ID || requeued[0].Status != parley.StatusQueued || requeued[0].OperatorID != 0 {
		t.Fatalf("RequeueConversations = %+v, %v", requeued, err)
	}
	queued, err := s.QueuedConversations(ctx, ch.ID)
	if err != nil || len(queued) != 2 || queued[0].ID != active.ID || queued[1].ID != waiting.ID {
		t.Fatalf("queue = %+v, %v; want the requeued one first", queued, err)
	}
	if got := mustConversation(t, s, ended.ID); got.Status != parley.StatusEnded || got.OperatorID != kim.ID {
		t.Fatalf("ended conversation %+v", got)
	}
	mustJoin(t, s, ch.ID, lee.ID)
	assigned, err := s.AssignQueued(ctx, ch.ID, t0, pick(lee.ID))
	if err != nil || len(assigned) != 2 || assigned[0].ID != active.ID || assigned[0].OperatorID != lee.ID {
		t.Fatalf("AssignQueued = %+v, %v", assigned, err)
	}
	m := mustAdd(t, s, active.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "v2"}, "Still there?", t0)
	if m.Seq != 2 {
		t.Fatalf("message after requeueing: seq %d", m.Seq)
	}
}
