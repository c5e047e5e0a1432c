package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The document that GET /api/openapi.json serves passes Redocly's recommended rules.
// It needs npx and the npm registry (or npm's cache); PARLEY_SKIP_LINT=1 skips it.
func TestServedOpenAPIPassesRedoclyLint(t *testing.T) {
	if os.Getenv("PARLEY_SKIP_LINT") == "1" {
		t.Skip("PARLEY_SKIP_LINT=1")
	}
	if testing.Short() {
		t.Skip("runs npx; skipped with -short")
	}
	s := mustStart(t, "")
	doc := s.must(t, 200, "GET", "/api/openapi.json", "", nil).Body
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "../../scripts/lint-openapi.sh", file).CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
