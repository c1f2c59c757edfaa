// Command crowdwise is the one binary: it serves the site, applies
// migrations and loads demo data.
//
//	crowdwise [serve]      migrate, then serve until SIGINT/SIGTERM
//	crowdwise migrate      apply pending migrations and exit
//	crowdwise seed --demo  load idempotent demo content
//	crowdwise rerender     render stored Markdown again with the current renderer
//	crowdwise audit verify check the audit log's hash chain
//	crowdwise version      print the version
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
)

// version is stamped by the linker (make build).
var version = "dev"

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT sets one: without it the heap grows to twice what is live
// between collections, and a busy server's peak outgrows what its caches
// and requests need. Near the limit the collector works harder instead.
const defaultMemoryLimit = 150 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own context,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "crowdwise", version)
		return 0
	case "serve", "migrate", "seed", "rerender":
	case "audit":
		if len(args) != 1 || args[0] != "verify" {
			fmt.Fprintf(stderr, "crowdwise: usage: crowdwise audit verify\n\n%s", usage)
			return 2
		}
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "crowdwise: unknown command %q\n\n%s", cmd, usage)
		return 2
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	logger := newLogger(cfg, stderr)

	switch cmd {
	case "serve":
		err = serve(ctx, cfg, logger)
	case "migrate":
		err = migrate(ctx, cfg, logger)
	case "seed":
		err = seed(ctx, cfg, logger, args)
	case "rerender":
		err = rerender(ctx, cfg, logger)
	case "audit":
		return auditVerify(ctx, cfg, logger, stdout, stderr)
	}
	if err != nil {
		logger.Error(cmd+" failed", "error", err.Error())
		return 1
	}
	return 0
}

const usage = `usage: crowdwise [command]

commands:
  serve         migrate the database, then serve HTTP (default)
  migrate       apply pending migrations and exit
  seed --demo   load demo content (idempotent)
  rerender      render stored Markdown again with the current renderer (after an upgrade that changed it)
  audit verify  check the audit log's hash chain; exits 1 naming the first broken entry
  version       print the version

Configuration comes from environment variables; see README.md.
`

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB connects with the configured pool and a bounded wait, so a wrong
// address fails fast with one clear line instead of hanging.
func openDB(ctx context.Context, cfg *config, logger *slog.Logger) (*gorm.DB, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return models.Open(ctx, cfg.DatabaseURL, models.DBOptions{
		MaxOpenConns:     cfg.DBMaxOpenConns,
		MaxIdleConns:     cfg.DBMaxIdleConns,
		StatementTimeout: cfg.DBStatementTimeout,
		Logger:           logger,
	})
}

// migrateUp applies pending migrations on a connection of its own without
// the request statement timeout (DB_STATEMENT_TIMEOUT): building an index
// or copying a table of a million ideas takes minutes, and a migration cut
// short leaves the server unable to start.
func migrateUp(ctx context.Context, cfg *config, logger *slog.Logger) (int64, error) {
	openCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	db, err := models.Open(openCtx, cfg.DatabaseURL, models.DBOptions{MaxOpenConns: 2, MaxIdleConns: 2, Logger: logger})
	if err != nil {
		return 0, err
	}
	defer models.SQLDB(db).Close()
	return migrations.Up(ctx, models.SQLDB(db), logger)
}

func migrate(ctx context.Context, cfg *config, logger *slog.Logger) error {
	v, err := migrateUp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	logger.Info("database migrated", "version", v)
	return nil
}

func seed(ctx context.Context, cfg *config, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "load demo content")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil || !*demo {
		return fmt.Errorf("usage: crowdwise seed --demo")
	}
	if _, err := migrateUp(ctx, cfg, logger); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer models.SQLDB(db).Close()
	if err := models.SeedDemo(ctx, db); err != nil {
		return err
	}
	logger.Info("demo data loaded")
	return nil
}

// rerender brings stored HTML up to the current Markdown renderer; HTML is
// rendered when a post is saved, so a renderer change needs this once.
func rerender(ctx context.Context, cfg *config, logger *slog.Logger) error {
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer models.SQLDB(db).Close()
	n, err := models.RerenderMarkdown(ctx, db)
	if err != nil {
		return err
	}
	logger.Info("stored Markdown rendered again", "rows_changed", n)
	return nil
}
