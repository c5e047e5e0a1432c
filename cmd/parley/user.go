package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
)

const userUsage = `usage:
  parley user add --login LOGIN --password PASSWORD --name NAME [--role operator|admin] [--languages fr,de] [--db FILE]
  parley user passwd [--password PASSWORD] [--db FILE] LOGIN   (the password is read from standard input without --password)`

// userCommand is "parley user add" and "parley user passwd": they work straight on the
// database, for the first operators or when no admin can log in.
func userCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", userUsage)
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], getenv, stdout, stderr)
	case "passwd":
		return userPasswd(ctx, args[1:], getenv, stdin, stdout, stderr)
	default:
		return fmt.Errorf("%s", userUsage)
	}
}

func openService(ctx context.Context, db string) (*chat.Service, func(), error) {
	store, err := openStore(ctx, db, false)
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	svc := chat.New(store, inmem.NewBus(), slog.New(slog.DiscardHandler), parley.DefaultInactivityTimeout, nil)
	return svc, func() { store.Close() }, nil
}

func userAdd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nu chat.NewUser
	var role, langs string
	db := fs.String("db", envOr(getenv, "PARLEY_DB", DefaultConfig().DB), "SQLite database file or PostgreSQL URL (PARLEY_DB)")
	fs.StringVar(&nu.Login, "login", "", "login (required)")
	fs.StringVar(&nu.Password, "password", "", "password, at least 8 characters (required)")
	fs.StringVar(&nu.Name, "name", "", "full name (required)")
	fs.StringVar(&nu.ChatName, "chat-name", "", "online chat name shown to visitors")
	fs.StringVar(&role, "role", "operator", "operator, supervisor or admin")
	fs.StringVar(&nu.MainLanguage, "main-language", "", "main language (an enabled language; default en)")
	fs.StringVar(&langs, "languages", "", "comma-separated online chat languages (enabled languages)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nu.Role = parley.Role(role)
	for _, l := range strings.Split(langs, ",") {
		if l = strings.TrimSpace(l); l != "" {
			nu.ChatLanguages = append(nu.ChatLanguages, l)
		}
	}
	svc, done, err := openService(ctx, *db)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.CreateUser(ctx, nil, nu)
	if err != nil {
		return fmt.Errorf("%s", parley.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Created %s %q (id %d).\n", u.Role, u.Login, u.ID)
	return nil
}

// userPasswd sets a user's password: the way back in for an admin who lost theirs.
// Without --password it reads the first line of stdin, so that the password need not
// appear in the shell's history or the process list. The user's sessions end; a
// running server forgets the ones it keeps in memory within a minute.
func userPasswd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley user passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "PARLEY_DB", DefaultConfig().DB), "SQLite database file or PostgreSQL URL (PARLEY_DB)")
	password := fs.String("password", "", "the new password, at least 8 characters (default: read from standard input)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%s", userUsage)
	}
	// Flags may also follow the login (parley user passwd admin --password …).
	login := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%s", userUsage)
	}
	if *password == "" {
		fmt.Fprintf(stderr, "New password for %s: ", login)
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	svc, done, err := openService(ctx, *db)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.SetPasswordByLogin(ctx, login, *password)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return fmt.Errorf("no user %q", login)
	} else if err != nil {
		return fmt.Errorf("%s", parley.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Set the password of %s %q; their sessions have ended.\n", u.Role, u.Login)
	return nil
}
