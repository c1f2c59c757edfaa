// Command crowdwise-bench is the harness behind `make bench`. It measures;
// it does not test: nothing here passes or fails on a number.
//
//	crowdwise-bench generate  create and migrate the database, fill it with
//	                          SCALE ideas, 20×SCALE votes, 5×SCALE comments
//	crowdwise-bench load      serve that database with bin/crowdwise, load each
//	                          hot endpoint with wrk, print and save the results
//	crowdwise-bench compare   print result files of several sizes side by side
//	                          with the ratio of the largest to the smallest
//
// The Makefile restarts PostgreSQL between the two: generate runs on a
// cluster started with fsync off (a throwaway bulk load), load on the same
// data with normal durability, so vote writes cost what they would in use.
//
// Environment (flags override): SCALE (ideas, default 100000), BENCH_OUT
// (results JSON, default .data/bench-results.json), BENCH_DURATION (15s per
// endpoint), BENCH_WARMUP (3s), BENCH_THREADS (2), BENCH_CONNECTIONS (32),
// BENCH_DATABASE_URL, BENCH_PROCS (2: also through a reverse proxy in front
// of one, then two processes). Between the phases, -work (.data/bench) holds the
// dataset description, the members' session tokens, the generated wrk
// script and the server's log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const usage = `usage: crowdwise-bench generate [-db URL] [-bin PATH] [-scale N] [-work DIR]
       crowdwise-bench load     [-db URL] [-bin PATH] [-work DIR] [-out FILE] [-duration D] [-procs 2] ...
       crowdwise-bench compare  RESULTS.json RESULTS.json ...
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	interrupted := ctx.Err() != nil
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if interrupted {
		// Whatever failed did so because we were stopping.
		fmt.Fprintln(os.Stderr, "crowdwise-bench: interrupted")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crowdwise-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	if args[0] == "compare" {
		return compare(args[1:])
	}
	fs := flag.NewFlagSet("crowdwise-bench "+args[0], flag.ContinueOnError)
	dbURL := fs.String("db", env("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:54349/crowdwise_bench?sslmode=disable"), "PostgreSQL URL of the benchmark database")
	bin := fs.String("bin", "bin/crowdwise", "the crowdwise binary")
	work := fs.String("work", ".data/bench", "directory for tokens, wrk scripts, the server log and the dataset description")
	switch args[0] {
	case "generate":
		scale := fs.Int("scale", envInt("SCALE", 100000), "number of ideas (votes and comments scale with it)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *scale < 100 {
			return fmt.Errorf("-scale must be at least 100")
		}
		return generate(ctx, *dbURL, *bin, *work, *scale)
	case "load":
		cfg := loadConfig{
			addr:        "127.0.0.1:18080",
			threads:     envInt("BENCH_THREADS", 2),
			connections: envInt("BENCH_CONNECTIONS", 32),
			procs:       envInt("BENCH_PROCS", 1),
		}
		fs.StringVar(&cfg.addr, "addr", cfg.addr, "address the server listens on")
		fs.StringVar(&cfg.out, "out", env("BENCH_OUT", ".data/bench-results.json"), "where to write the JSON results")
		fs.DurationVar(&cfg.duration, "duration", envDuration("BENCH_DURATION", 15*time.Second), "wrk run per endpoint")
		fs.DurationVar(&cfg.warmup, "warmup", envDuration("BENCH_WARMUP", 3*time.Second), "unmeasured wrk run before each endpoint")
		fs.IntVar(&cfg.threads, "threads", cfg.threads, "wrk threads")
		fs.IntVar(&cfg.connections, "connections", cfg.connections, "wrk connections")
		fs.IntVar(&cfg.procs, "procs", cfg.procs, "2: also measure the read endpoints through a reverse proxy in front of one, then two app processes")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		cfg.dbURL, cfg.bin, cfg.work = *dbURL, *bin, *work
		return load(ctx, cfg)
	}
	fmt.Fprint(os.Stderr, usage)
	return flag.ErrHelp
}

// generate creates the database if needed, migrates it with the real
// binary (so the schema is exactly what production runs) and fills it.
func generate(ctx context.Context, dbURL, bin, work string, scale int) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if err := createDatabase(ctx, dbURL); err != nil {
		return err
	}
	migrate := exec.CommandContext(ctx, bin, "migrate")
	migrate.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	migrate.Stdout, migrate.Stderr = os.Stdout, os.Stderr
	if err := migrate.Run(); err != nil {
		return fmt.Errorf("%s migrate: %w", bin, err)
	}

	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 2
	// Bulk-load settings for these connections only: big sorts for index
	// builds, no waiting for the WAL on commit.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SET maintenance_work_mem = '1GB'; SET work_mem = '256MB';
			SET synchronous_commit = off; SET statement_timeout = 0`)
		return err
	}
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	fmt.Printf("generating %d ideas (%d votes, %d comments) …\n", scale, scale*votesPerIdea, scale*commentsPerIdea)
	ds, tokens, err := newGenerator(db, scale).run(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d users, %d ideas, %d votes, %d comments, %d follows in %.1fs\n",
		ds.Users, ds.Ideas, ds.Votes, ds.Comments, ds.Follows, ds.GenerateSeconds)
	if err := os.WriteFile(filepath.Join(work, "tokens.txt"), []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	b, err := json.MarshalIndent(ds, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(work, "dataset.json"), b, 0o644)
}

// createDatabase creates the database named in dbURL through the cluster's
// postgres database, unless it exists.
func createDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("the database URL names no database")
	}
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	return err
}

func readDataset(work string) (*dataset, []string, error) {
	b, err := os.ReadFile(filepath.Join(work, "dataset.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run generate first)", err)
	}
	var ds dataset
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, nil, err
	}
	t, err := os.ReadFile(filepath.Join(work, "tokens.txt"))
	if err != nil {
		return nil, nil, err
	}
	return &ds, strings.Fields(string(t)), nil
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(env(name, "")); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(name, "")); err == nil {
		return d
	}
	return def
}
