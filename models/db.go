// Package models holds the GORM models and the domain operations on them,
// each with its own transaction. Handlers never write SQL; they call here.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DBOptions tunes the connection pool.
type DBOptions struct {
	MaxOpenConns     int
	MaxIdleConns     int
	StatementTimeout time.Duration
	Logger           *slog.Logger
	// Tracer sees every statement sent, GORM's and those sent on the
	// connection directly (tracing; tests count round trips with it).
	Tracer pgx.QueryTracer
}

// Open connects to PostgreSQL and checks the connection with a ping bounded by ctx.
// The statement timeout is set per connection so a runaway query cannot hold
// a pool slot forever.
func Open(ctx context.Context, dsn string, opts DBOptions) (*gorm.DB, error) {
	pgxCfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL")
	}
	if opts.StatementTimeout > 0 {
		pgxCfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	pgxCfg.RuntimeParams["application_name"] = "crowdwise"
	// A search takes a common word's first capped matches in table order;
	// a synchronized scan would start wherever a concurrent scan of the
	// table is, and page 2 could repeat page 1 (models/search.go). Set per
	// connection, so a search is one statement without a transaction.
	pgxCfg.RuntimeParams["synchronize_seqscans"] = "off"
	pgxCfg.Tracer = opts.Tracer
	sqlDB := stdlib.OpenDB(*pgxCfg)
	if opts.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	}
	if opts.MaxIdleConns > 0 {
		sqlDB.SetMaxIdleConns(opts.MaxIdleConns)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("database unreachable at %s:%d: %w", pgxCfg.Host, pgxCfg.Port, err)
	}
	gl := logger.Discard
	if opts.Logger != nil {
		gl = logger.NewSlogLogger(opts.Logger, logger.Config{
			SlowThreshold:             500 * time.Millisecond,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		})
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 gl,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// SQLDB returns the pool under a GORM handle.
func SQLDB(db *gorm.DB) *sql.DB {
	sqlDB, err := db.DB()
	if err != nil {
		// Only happens when db was not opened through Open.
		panic(err)
	}
	return sqlDB
}
