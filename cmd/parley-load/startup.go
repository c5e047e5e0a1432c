package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"
)

// startupCommand is "parley-load startup": it starts the parley binary on an existing
// database several times and measures each time from the exec to the first healthy
// /healthz (200).
func startupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley-load startup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("parley", "parley", "the parley binary")
	db := fs.String("db", "", "an existing database (it is created by a first, untimed start when missing)")
	runs := fs.Int("runs", 5, "timed starts")
	cpu := fs.Int("cpu", -1, "pin parley to this CPU with taskset (-1: do not)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *runs < 1 || *runs > 100 {
		return errors.New("startup: --db is required, and --runs must be 1 to 100")
	}
	if _, err := os.Stat(*db); err != nil {
		if _, err := timeStartup(ctx, *bin, *db, *cpu); err != nil {
			return fmt.Errorf("first start: %w", err)
		}
	}
	var times []time.Duration
	for i := range *runs {
		d, err := timeStartup(ctx, *bin, *db, *cpu)
		if err != nil {
			return fmt.Errorf("start %d: %w", i+1, err)
		}
		times = append(times, d)
		fmt.Fprintf(stdout, "start %d: healthy after %.1f ms\n", i+1, float64(d)/1e6)
	}
	slices.Sort(times)
	fmt.Fprintf(stdout, "start-up to healthy /healthz: median %.1f ms, min %.1f ms, max %.1f ms over %d starts\n",
		float64(times[len(times)/2])/1e6, float64(times[0])/1e6, float64(times[len(times)-1])/1e6, len(times))
	return nil
}

// timeStartup starts parley once on a free loopback port, polls /healthz every 200 µs
// until it answers 200, and stops it.
func timeStartup(ctx context.Context, bin, db string, cpu int) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	name, args := bin, []string{"--addr", addr, "--db", db, "--rate-limit", "off"}
	if cpu >= 0 {
		name, args = "taskset", append([]string{"-c", strconv.Itoa(cpu), bin}, args...)
	}
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	cmd := exec.CommandContext(ctx, name, args...)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	for time.Since(t0) < 30*time.Second {
		resp, err := cl.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		spin(200 * time.Microsecond)
	}
	return 0, errors.New("not healthy within 30 s")
}

// spin waits d without time.Sleep's millisecond of slack.
func spin(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}
