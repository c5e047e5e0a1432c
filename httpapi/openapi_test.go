package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

func mustServer(t *testing.T) *httpapi.Server {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.DiscardHandler)
	svc := chat.New(store, inmem.NewBus(), logger, parley.DefaultInactivityTimeout, nil)
	return httpapi.New(svc, store, logger, httpapi.Options{})
}

// Every registered route appears in the served OpenAPI document, and every operation
// of the document is a registered route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	srv := mustServer(t)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("decode document: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	documented := make(map[string]bool)
	for p, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				documented[strings.ToUpper(method)+" "+p] = true
			}
		}
	}
	registered := make(map[string]bool)
	for _, pattern := range srv.Patterns() {
		registered[pattern] = true
		if !documented[pattern] {
			t.Errorf("route %q is not in the OpenAPI document", pattern)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("the OpenAPI document describes %q, which is no route", op)
		}
	}
}
