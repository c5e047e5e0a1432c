package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

// userCommand is "parley user add": it creates a user straight in the database, for the
// first operators or when no admin can log in.
func userCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("usage: parley user add --login LOGIN --password PASSWORD --name NAME [--role operator|admin] [--languages fr,de] [--db FILE]")
	}
	fs := flag.NewFlagSet("parley user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nu chat.NewUser
	var role, langs string
	db := fs.String("db", envOr(getenv, "PARLEY_DB", DefaultConfig().DB), "SQLite database file (PARLEY_DB)")
	fs.StringVar(&nu.Login, "login", "", "login (required)")
	fs.StringVar(&nu.Password, "password", "", "password, at least 8 characters (required)")
	fs.StringVar(&nu.Name, "name", "", "full name (required)")
	fs.StringVar(&nu.ChatName, "chat-name", "", "online chat name shown to visitors")
	fs.StringVar(&role, "role", "operator", "operator or admin")
	fs.StringVar(&nu.MainLanguage, "main-language", "", "main language (an enabled language; default en)")
	fs.StringVar(&langs, "languages", "", "comma-separated online chat languages (enabled languages)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	nu.Role = parley.Role(role)
	for _, l := range strings.Split(langs, ",") {
		if l = strings.TrimSpace(l); l != "" {
			nu.ChatLanguages = append(nu.ChatLanguages, l)
		}
	}
	store, err := sqlite.Open(ctx, *db)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	svc := chat.New(store, inmem.NewBus(), slog.New(slog.DiscardHandler), parley.DefaultInactivityTimeout, nil)
	u, err := svc.CreateUser(ctx, nil, nu)
	if err != nil {
		return fmt.Errorf("%s", parley.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Created %s %q (id %d).\n", u.Role, u.Login, u.ID)
	return nil
}
