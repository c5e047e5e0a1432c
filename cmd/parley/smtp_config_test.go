package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleychat/parley/smtpmail"
)

// The SMTP settings come from flags and PARLEY_* variables; the password only from a
// variable or a file, and no error shows it.
func TestParseSMTPConfig(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(secret, []byte("from-the-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want smtpmail.Config
		err  string
	}{
		{name: "none", want: smtpmail.Config{TLS: "starttls"}},
		{
			name: "flags",
			args: []string{"--smtp-host", "mail.example.com", "--smtp-port", "2525", "--smtp-tls", "none", "--smtp-user", "parley", "--smtp-from", "Support <support@example.com>"},
			env:  map[string]string{"PARLEY_SMTP_PASSWORD": "from-the-env"},
			want: smtpmail.Config{Host: "mail.example.com", Port: 2525, TLS: "none", User: "parley", Password: "from-the-env", From: "Support <support@example.com>"},
		},
		{
			name: "variables and a password file",
			env: map[string]string{"PARLEY_SMTP_HOST": "mail.example.com", "PARLEY_SMTP_TLS": "tls", "PARLEY_SMTP_USER": "parley",
				"PARLEY_SMTP_PASSWORD_FILE": secret, "PARLEY_SMTP_FROM": "support@example.com", "PARLEY_SMTP_PASSWORD": "overridden"},
			want: smtpmail.Config{Host: "mail.example.com", TLS: "tls", User: "parley", Password: "from-the-file", From: "support@example.com"},
		},
		{name: "bad TLS mode", args: []string{"--smtp-host", "mail", "--smtp-tls", "ssl", "--smtp-from", "a@example.com"}, err: `TLS mode "ssl"`},
		{name: "no sender", args: []string{"--smtp-host", "mail"}, err: "from address is empty"},
		{name: "bad port", args: []string{"--smtp-host", "mail", "--smtp-port", "0"}, err: "--smtp-port"},
		{name: "password without user", args: []string{"--smtp-host", "mail", "--smtp-from", "a@example.com"},
			env: map[string]string{"PARLEY_SMTP_PASSWORD": "hunter2-secret"}, err: "without a user"},
		{name: "missing password file", args: []string{"--smtp-password-file", filepath.Join(t.TempDir(), "none")}, err: "--smtp-password-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := ParseConfig(tc.args, func(k string) string { return tc.env[k] }, &stderr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hunter2-secret") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.SMTP != tc.want {
				t.Errorf("SMTP = %+v, want %+v", c.SMTP, tc.want)
			}
		})
	}
}
