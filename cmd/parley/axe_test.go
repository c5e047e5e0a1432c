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
