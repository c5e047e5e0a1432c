package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests drive a real headless Chromium (Debian's package, /usr/bin/chromium) with
// chromedp. scripts/test.sh installs it when missing; without it these tests are skipped
// locally and fail in CI.

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
)

// TestMain stops the shared browser when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// chromiumPath finds the browser: $CHROMIUM, or chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// mustBrowser returns the context of one headless Chromium shared by the package's tests.
func mustBrowser(tb testing.TB) context.Context {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser test skipped with -short")
	}
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("chromium is not installed: scripts/test.sh installs it (apt-get install chromium)")
		}
		tb.Skip("chromium is not installed (scripts/test.sh installs it)")
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parley-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // the tests run as root in CI
			chromedp.DisableGPU,
			chromedp.UserDataDir(dir),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 800),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		stopBrowser = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		if browserErr = chromedp.Do(ctx); browserErr == nil {
			browserCtx = ctx
		}
	})
	if browserErr != nil {
		tb.Fatalf("start chromium: %v", browserErr)
	}
	return browserCtx
}

// newPage opens a tab in a fresh browser context (its own cookies and localStorage, like
// another person's browser). Actions on it time out after a minute.
func newPage(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(mustBrowser(tb), chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		tb.Fatalf("open tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	tb.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}

// ScreenshotDir is where browser tests write the screenshots that the README shows, when
// PARLEY_UPDATE_SCREENSHOTS=1; otherwise they go to a temporary folder, so that a test run
// leaves the work tree as it was.
const ScreenshotDir = "../../docs/screenshots"

var (
	screenshotOnce sync.Once
	screenshotDir  string
	screenshotErr  error
)

// screenshotsDir is ScreenshotDir when PARLEY_UPDATE_SCREENSHOTS=1, else a temporary
// folder made once per test binary and kept for looking at the pictures.
func screenshotsDir(tb testing.TB) string {
	tb.Helper()
	screenshotOnce.Do(func() {
		if os.Getenv("PARLEY_UPDATE_SCREENSHOTS") == "1" {
			screenshotDir, screenshotErr = ScreenshotDir, os.MkdirAll(ScreenshotDir, 0o755)
			return
		}
		screenshotDir, screenshotErr = os.MkdirTemp("", "parley-screenshots-")
	})
	if screenshotErr != nil {
		tb.Fatal(screenshotErr)
	}
	return screenshotDir
}

// screenshot saves a PNG of the page's viewport as NAME.png in screenshotsDir.
func screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	dir := screenshotsDir(tb)
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	if dir == ScreenshotDir {
		tb.Logf("screenshot %s", file)
	} else {
		tb.Logf("screenshot %s (PARLEY_UPDATE_SCREENSHOTS=1 writes it to docs/screenshots)", file)
	}
}

// TestBrowserStarts proves the harness: Chromium loads Parley's health page.
func TestBrowserStarts(t *testing.T) {
	s := mustStart(t, "")
	ctx := newPage(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Fatalf("page text %q", body)
	}
}
