package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// On a page that matches an "Open automatically" rule, the widget opens by itself after
// the rule's delay, with the invitation as the team's first words; on a page a "Hide" rule
// matches there is no button; outside business hours the widget offers the
// leave-a-message form.
func TestWidgetChannelRules(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice) // Alice is online: a chat can start
	rulesURL := fmt.Sprintf("/api/channels/%d/rules", w.ch)
	const invitation = "Looking for the right roast? Ask us!"

	t.Run("auto open", func(t *testing.T) {
		w.s.must(t, 200, "PUT", rulesURL, w.admin, map[string]any{"rules": []any{
			map[string]any{"pattern": "/elsewhere*", "action": "hide"},
			map[string]any{"pattern": "/demo*", "action": "auto_open", "delay": 2, "message": invitation},
		}})
		p := openDemo(t, w.s, w.ch, "en-US")
		p.wait("launcher", visible(byTestID("launcher")))
		if evalJS[string](p, byTestID("root")+`.dataset.open`) != "false" {
			t.Fatal("the window opened at once, before the rule's delay")
		}
		p.wait("window opened by itself", byTestID("root")+`.dataset.open === 'true' && `+visible(byTestID("window")))
		if ms := evalJS[float64](p, `performance.now()`); ms < 2000 {
			t.Errorf("the window opened %.0f ms after the page loaded, before the 2 s delay", ms)
		}
		p.waitText("welcome", invitation)
		p.wait("chat input", visible(byTestID("input")))
		p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
		screenshot(t, p.ctx, "channel-rules-auto-open")

		// Closed by the visitor, it does not open by itself again in this session.
		p.click("close")
		p.wait("closed", byTestID("root")+`.dataset.open === 'false'`)
		if _, err := chromedp.Run(p.ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		p.wait("launcher after reload", visible(byTestID("launcher")))
		time.Sleep(2500 * time.Millisecond)
		if evalJS[string](p, byTestID("root")+`.dataset.open`) != "false" {
			t.Error("the window opened by itself again after the visitor closed it")
		}
	})

	t.Run("hide", func(t *testing.T) {
		w.s.must(t, 200, "PUT", rulesURL, w.admin, map[string]any{"rules": []any{map[string]any{"pattern": "/demo*", "action": "hide"}}})
		p := openDemo(t, w.s, w.ch, "en-US")
		p.wait("widget built", byTestID("root"))
		time.Sleep(300 * time.Millisecond)
		if evalJS[bool](p, visible(byTestID("launcher"))) {
			t.Error("the button shows on a page a Hide rule matches")
		}
	})

	t.Run("outside hours", func(t *testing.T) {
		w.s.must(t, 200, "PUT", rulesURL, w.admin, map[string]any{"rules": []any{}})
		now := time.Now().UTC()
		w.s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/hours", w.ch), w.admin, map[string]any{
			"enabled": true, "time_zone": "UTC", "week": allDay(),
			"holidays": []string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)}})
		p := openDemo(t, w.s, w.ch, "en-US")
		p.click("launcher")
		p.wait("offline form", visible(byTestID("offline-form")))
		p.wait("no chat input", `!`+visible(byTestID("input")))
		screenshot(t, p.ctx, "channel-hours-closed")
	})

	t.Run("closing while the window is open", func(t *testing.T) {
		hours := fmt.Sprintf("/api/channels/%d/hours", w.ch)
		w.s.must(t, 200, "PUT", hours, w.admin, map[string]any{"enabled": true, "time_zone": "UTC", "week": allDay()})
		p := openDemo(t, w.s, w.ch, "en-US")
		p.click("launcher")
		p.wait("chat input", visible(byTestID("input")))
		// The visitor has started writing when the channel closes: the window keeps the chat
		// (an untouched one would turn to the form at the check made on opening).
		p.typeInto("input", "Are you still")
		now := time.Now().UTC()
		w.s.must(t, 200, "PUT", hours, w.admin, map[string]any{"enabled": true, "time_zone": "UTC", "week": allDay(),
			"holidays": []string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)}})
		p.typeInto("input", " there?\n")
		p.wait("offline form", visible(byTestID("offline-form")))
		if got := evalJS[string](p, byTestID("offline-message")+`.value`); got != "Are you still there?" {
			t.Errorf("the leave-a-message form holds %q, want the words the visitor wrote", got)
		}
	})
}

// An admin adds rules and business hours to a channel in Admin → Channels: the sections
// load below the channel's form, a bad pattern shows the server's reason, and what is
// saved is what the API then gives.
func TestConsoleChannelRules(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]any{"enabled": true})
	p := openConsole(t, s, "admin", adminPassword, "/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), ch)
	p.wait(existsJS(row), "the channel in Admin → Channels")
	p.click(row)
	p.wait(existsJS(tid("channel-rules-empty")), "the Channel Rules section")

	p.click(tid("channel-rule-add"))
	p.setValue(tid("channel-rule-pattern"), "pricing*")
	p.click(tid("channel-rules-save"))
	p.wait(existsJS(tid("channel-rules-error")), "the refusal of a bad pattern")
	if got := p.text(tid("channel-rules-error")); !strings.Contains(got, "must be") {
		t.Errorf("error %q, want the server's reason", got)
	}
	p.setValue(tid("channel-rule-pattern"), "/pricing*")
	p.setValue(tid("channel-rule-action"), "auto_open")
	p.wait(existsJS(tid("channel-rule-delay")), "the Open automatically timer")
	p.setValue(tid("channel-rule-delay"), "7")
	p.setValue(tid("channel-rule-message"), "Need a hand with prices?")
	p.setValue(tid("channel-rule-translation")+`[data-language="fr"]`, "Besoin d'aide pour les prix ?")
	p.click(tid("channel-rules-save"))
	p.wait(existsJS(tid("channel-rules-saved")), "the rules saved")

	p.click(tid("channel-hours-enabled"))
	p.setValue(tid("channel-hours-zone"), "Europe/Paris")
	p.click(tid("channel-hours-add"))
	p.setValue(tid("channel-hours-holidays"), "2026-12-25\n2026-01-01")
	p.click(tid("channel-hours-save"))
	p.wait(existsJS(tid("channel-hours-saved")), "the hours saved")
	checkAccessible(t, p.ctx, "Admin → Channels, a channel's rules and business hours")

	var got struct {
		Rules []struct {
			Pattern, Action, Message string
			Delay                    int
			Translations             map[string]string
		} `json:"rules"`
		Hours struct {
			Enabled  bool     `json:"enabled"`
			TimeZone string   `json:"time_zone"`
			Week     []any    `json:"week"`
			Holidays []string `json:"holidays"`
		} `json:"hours"`
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d/rules", ch), admin, nil).decode(t, &got)
	if len(got.Rules) != 1 || got.Rules[0].Pattern != "/pricing*" || got.Rules[0].Action != "auto_open" || got.Rules[0].Delay != 7 || got.Rules[0].Message != "Need a hand with prices?" ||
		got.Rules[0].Translations["fr"] != "Besoin d'aide pour les prix ?" {
		t.Errorf("rules = %+v", got.Rules)
	}
	if !got.Hours.Enabled || got.Hours.TimeZone != "Europe/Paris" || len(got.Hours.Week) != 1 || strings.Join(got.Hours.Holidays, ",") != "2026-01-01,2026-12-25" {
		t.Errorf("hours = %+v", got.Hours)
	}
}
