package storetest

import (
	"maps"
	"testing"

	"github.com/parleychat/parley"
)

// testNotifySwitches: a new user hears a sound and gets no desktop notification, whatever
// CreateUser is given; UpdateUser changes each switch alone, and every way of reading a
// user shows them.
func testNotifySwitches(t *testing.T, s parley.Store) {
	ctx := t.Context()
	u := mustUser(t, s, "nina", func(u *parley.User) { u.NotifySound, u.NotifyDesktop = false, true })
	want := func(what string, got *parley.User, sound, desktop bool) {
		t.Helper()
		if got.NotifySound != sound || got.NotifyDesktop != desktop {
			t.Errorf("%s: sound %v, desktop %v; want %v, %v", what, got.NotifySound, got.NotifyDesktop, sound, desktop)
		}
	}
	want("CreateUser's user", u, true, false)
	stored, err := s.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want("a new user", stored, true, false)

	steps := []struct {
		name           string
		upd            parley.UserUpdate
		sound, desktop bool
	}{
		{"desktop on", parley.UserUpdate{NotifyDesktop: ptr(true)}, true, true},
		{"sound off", parley.UserUpdate{NotifySound: ptr(false)}, false, true},
		{"another field", parley.UserUpdate{ChatName: ptr("Nina")}, false, true},
		{"both", parley.UserUpdate{NotifySound: ptr(true), NotifyDesktop: ptr(false)}, true, false},
		{"both again", parley.UserUpdate{NotifySound: ptr(false), NotifyDesktop: ptr(true)}, false, true},
	}
	for _, st := range steps {
		got, err := s.UpdateUser(ctx, u.ID, st.upd)
		if err != nil {
			t.Fatal(err)
		}
		want(st.name+": UpdateUser", got, st.sound, st.desktop)
		stored, err := s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want(st.name+": User", stored, st.sound, st.desktop)
	}

	byLogin, _, err := s.UserByLogin(ctx, "nina")
	if err != nil {
		t.Fatal(err)
	}
	want("UserByLogin", byLogin, false, true)
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range users {
		if x.ID == u.ID {
			want("Users", x, false, true)
		}
	}
	ch := mustChannel(t, s, "Website", 0)
	mustJoin(t, s, ch.ID, u.ID)
	members, err := s.ChannelMembers(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 {
		t.Fatalf("members %v", members)
	}
	want("ChannelMembers", members[0], false, true)
	mustSession(t, s, u.ID, "nina's", t0)
	byToken, err := s.SessionUser(ctx, []byte("nina's"), t0)
	if err != nil {
		t.Fatal(err)
	}
	want("SessionUser", byToken, false, true)
}

// testChannelTexts: UpdateChannel sets the texts of the languages its Texts names and
// leaves the others; a language given two empty texts keeps none; the channel's own
// fields change in the same call; each channel has its own.
func testChannelTexts(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	other := mustChannel(t, s, "Sales", 0)
	texts := func(id int64) map[string]parley.ChannelText {
		t.Helper()
		got, err := s.ChannelTexts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			t.Fatal("ChannelTexts returned nil, want a map")
		}
		return got
	}
	if got := texts(ch.ID); len(got) != 0 {
		t.Fatalf("a new channel's texts: %v", got)
	}
	if got := texts(9999); len(got) != 0 {
		t.Fatalf("an unknown channel's texts: %v", got)
	}

	fr := parley.ChannelText{ButtonText: "Discutons", WelcomeMessage: "Bonjour !"}
	de := parley.ChannelText{ButtonText: "Fragen?"}
	ptBR := parley.ChannelText{WelcomeMessage: "Olá!"}
	want := map[string]parley.ChannelText{}
	steps := []struct {
		name string
		upd  parley.ChannelUpdate
		edit func(m map[string]parley.ChannelText)
	}{
		{"nothing", parley.ChannelUpdate{}, func(m map[string]parley.ChannelText) {}},
		{"two languages", parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"fr": fr, "de": de}}, func(m map[string]parley.ChannelText) {
			m["fr"], m["de"] = fr, de
		}},
		{"a third, the others stay", parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"pt-BR": ptBR}}, func(m map[string]parley.ChannelText) {
			m["pt-BR"] = ptBR
		}},
		{"one changed", parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"de": {ButtonText: "Chat", WelcomeMessage: "Hallo!"}}}, func(m map[string]parley.ChannelText) {
			m["de"] = parley.ChannelText{ButtonText: "Chat", WelcomeMessage: "Hallo!"}
		}},
		{"one removed", parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"fr": {}}}, func(m map[string]parley.ChannelText) {
			delete(m, "fr")
		}},
		{"removing what is not there", parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"it": {}}}, func(m map[string]parley.ChannelText) {}},
		{"with another field", parley.ChannelUpdate{Name: ptr("Site"), Texts: map[string]parley.ChannelText{"fr": fr}}, func(m map[string]parley.ChannelText) {
			m["fr"] = fr
		}},
		{"another field alone", parley.ChannelUpdate{ButtonText: ptr("Talk")}, func(m map[string]parley.ChannelText) {}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.edit(want)
			if _, err := s.UpdateChannel(ctx, ch.ID, st.upd); err != nil {
				t.Fatal(err)
			}
			if got := texts(ch.ID); !maps.Equal(got, want) {
				t.Errorf("texts %v, want %v", got, want)
			}
		})
	}
	got, err := s.Channel(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Site" || got.ButtonText != "Talk" {
		t.Errorf("channel %+v: the fields given with the texts were not kept", got)
	}
	if got := texts(other.ID); len(got) != 0 {
		t.Errorf("the other channel's texts: %v", got)
	}
	_, err = s.UpdateChannel(ctx, 9999, parley.ChannelUpdate{Texts: map[string]parley.ChannelText{"fr": fr}})
	wantCode(t, err, parley.ENOTFOUND)
}
