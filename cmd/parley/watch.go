package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// watch is "parley watch": a console in the terminal. It logs in, keeps the operator
// online (reporting activity once a minute, as the web console does while used) and
// prints every event as a line of JSON. It makes the README's curl walk-through possible
// without a browser.
func watch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://"+envOr(getenv, "PARLEY_ADDR", DefaultConfig().Addr), "Parley's address")
	login := fs.String("login", "", "operator login")
	password := fs.String("password", "", "operator password")
	token := fs.String("token", "", "session token (instead of login and password)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base := strings.TrimRight(*url, "/")
	if *token == "" {
		body, _ := json.Marshal(map[string]string{"login": *login, "password": *password})
		resp, err := http.Post(base+"/api/session", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out struct {
			Token string `json:"token"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return fmt.Errorf("log in: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("log in: %s", out.Error.Message)
		}
		*token = out.Token
	}
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/api/ws"
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + *token}},
	})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.CloseNow()
	fmt.Fprintln(stderr, "online; events follow (Ctrl-C to stop)")

	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				conn.Write(ctx, websocket.MessageText, []byte(`{"type":"activity"}`))
			}
		}
	}()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				conn.Close(websocket.StatusNormalClosure, "")
				return nil
			}
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return fmt.Errorf("closed by the server: %s", ce.Reason)
			}
			return err
		}
		fmt.Fprintln(stdout, string(data))
	}
}
