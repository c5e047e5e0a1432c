package main

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is one rule that failed, with a few of the elements it failed on.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun injects axe-core (once per page) and checks the whole document, open shadow
// roots included (the widget's), against WCAG 2.0 and 2.1 A and AA. Injection through
// the DevTools protocol is not subject to the page's Content-Security-Policy.
const axeRun = `(async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    resultTypes: ['violations'],
  });
  return r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: JSON.stringify(n.target), summary: n.failureSummary || ''})),
  }));
})()`

// checkAccessible fails the test on any serious or critical accessibility violation of
// the page as it is now; what names the page's state in the failure.
func checkAccessible(tb testing.TB, ctx context.Context, what string) {
	tb.Helper()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`))
	if err != nil {
		tb.Fatalf("axe on %s: %v", what, err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			tb.Fatalf("inject axe-core on %s: %v", what, err)
		}
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("axe on %s: %v", what, err)
	}
	var b strings.Builder
	for _, v := range found {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
	}
	if b.Len() > 0 {
		tb.Errorf("accessibility violations on %s:%s", what, b.String())
	}
}

// a11yJS defines window.__a11y in the page: colours of any CSS syntax as [r, g, b, a]
// (through a canvas), WCAG contrast ratios, the background behind an element (its own
// and its ancestors' colours composed, across shadow roots, up to the first opaque
// one), and ring, which measures the focus indicator of the focused element (null when
// the focus is on no element: past a page's last control).
const a11yJS = `window.__a11y = window.__a11y || (() => {
  const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  const rgba = (c) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  const lum = (c) => c.slice(0, 3).map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const up = (el) => el.parentElement || el.getRootNode().host || null;
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = up(e)) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.unshift(c);
      if (c[3] >= 1) break;
    }
    return layers.reduce((below, c) => over(c, below), [255, 255, 255, 1]);
  };
  const focused = () => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  };
  // ring is the focused element's indicator: its outline, or else a box-shadow with a
  // spread, its colour and width, and its contrast with the background behind it (the
  // parent's for a ring drawn outside the element, the element's own for one inside;
  // both when it touches the element).
  const ring = () => {
    const focus = focused();
    if (!focus || focus === document.body || focus === document.documentElement) return null;
    const label = (focus.getAttribute('aria-label') || focus.innerText || focus.value || '').trim().slice(0, 30);
    const name = (focus.dataset.testid || (focus.id ? '#' + focus.id : focus.tagName.toLowerCase())) + ' ' + JSON.stringify(label);
    // A visually hidden control (a switch's checkbox) shows its focus on the element after it.
    const box = focus.getBoundingClientRect();
    const el = box.width <= 1 && box.height <= 1 && focus.nextElementSibling ? focus.nextElementSibling : focus;
    const s = getComputedStyle(el);
    let color = '', width = 0, offset = 0, inset = false;
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) {
      color = s.outlineColor;
      width = parseFloat(s.outlineWidth);
      offset = parseFloat(s.outlineOffset);
      inset = offset <= -width;
    } else {
      const m = /(rgba?\([^)]*\)|color\([^)]*\))\s+-?[\d.]+px\s+-?[\d.]+px\s+0px\s+([\d.]+)px(\s+inset)?/.exec(s.boxShadow);
      if (m) [color, width, inset] = [m[1], parseFloat(m[2]), !!m[3]];
    }
    if (!color) return {name, width: 0, ratio: 0, what: 'no outline and no box-shadow: ' + s.boxShadow};
    const behind = [inset ? el : up(el)];
    if (!inset && offset < 1) behind.push(el);
    const fg = rgba(color);
    let worst = Infinity, against = '';
    for (const b of behind) {
      const bg = background(b);
      const r = ratio(over(fg, bg), bg);
      if (r < worst) [worst, against] = [r, 'rgb(' + bg.slice(0, 3).map(Math.round) + ')'];
    }
    return {name, width, ratio: worst, what: color + ' on ' + against};
  };
  // visit tells whether the focused element was visited since the last reset.
  let visited = new Set();
  const visit = (reset) => {
    if (reset) visited = new Set();
    const el = focused(), was = visited.has(el);
    visited.add(el);
    return was;
  };
  return {rgba, ratio, background, ring, visit};
})()`

// focusRing is what __a11y.ring() measures: the focused element's indicator, its width,
// and its contrast with what is behind it.
type focusRing struct {
	Name  string  `json:"name"`
	Width float64 `json:"width"`
	Ratio float64 `json:"ratio"`
	What  string  `json:"what"`
}
