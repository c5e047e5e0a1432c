package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A second `parley serve` on the SQLite file of a running one is refused with a clear
// error (the store keeps its writer's state in memory, which a second writer would make
// wrong), while `parley user` still works beside the running server; once the first
// server stops, another starts.
func TestOneServerPerSQLiteFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	first := mustStart(t, db)

	cfg := DefaultConfig()
	cfg.Addr, cfg.DB, cfg.RateLimit = "127.0.0.1:0", db, false
	second := &Main{Config: cfg}
	err := second.Run(context.Background())
	second.Close()
	if err == nil || !strings.Contains(err.Error(), "another Parley server (process "+strconv.Itoa(os.Getpid())+") is using the database") {
		t.Fatalf("second server on the same file: %v; want it refused, naming the first one's process", err)
	}

	err = run(context.Background(), []string{"user", "add", "--db", db, "--login", "erin", "--password", "erin-secret-1", "--name", "Erin"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err != nil {
		t.Fatalf("parley user add beside a running server: %v", err)
	}
	first.login(t, "erin", "erin-secret-1")

	first.Close()
	again := mustStart(t, db)
	again.login(t, "erin", "erin-secret-1")
}
