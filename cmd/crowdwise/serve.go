package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/handlers"
	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
)

// server is the wiring of one serving process: config → logger → DB →
// migrate → handlers → HTTP server, torn down in reverse on shutdown.
type server struct {
	cfg     *config
	log     *slog.Logger
	db      *gorm.DB
	handler *handlers.Handler
	http    *http.Server
	// trackers are the configured tracker clients, built once and handed
	// to the handlers (promote, link) and the job queue (create, poll).
	trackers models.Trackers

	// Background workers (mail, webhooks, …) run under workerCtx and are
	// awaited through workers before the database closes.
	workerCtx  context.Context
	stopWorker context.CancelFunc
	workers    sync.WaitGroup
}

func serve(ctx context.Context, cfg *config, logger *slog.Logger) error {
	s, err := newServer(ctx, cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.close()
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return s.run(ctx, ln)
}

func newServer(ctx context.Context, cfg *config, logger *slog.Logger) (*server, error) {
	v, err := migrateUp(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	logger.Info("database ready", "schema_version", v)
	trackers := cfg.Backlog.trackers(outbound.New(cfg.Outbound))
	h, err := handlers.New(handlers.Options{
		BaseURL:         cfg.BaseURL,
		Production:      cfg.production(),
		MaxBodyBytes:    cfg.MaxBodyBytes,
		TrustedProxies:  cfg.TrustedProxies,
		SessionSecret:   cfg.SessionSecret,
		DevLogin:        cfg.DevLogin,
		Providers:       cfg.Providers,
		AdminEmails:     cfg.AdminEmails,
		SignInPerMinute: cfg.SignInPerMinute,
		MetricsToken:    cfg.MetricsToken,
		Outbound:        cfg.Outbound,
		FX:              cfg.FX,
		Trackers:        trackers,
		TrackerWebhooks: cfg.Backlog.webhooks(),
		CRMSources:      cfg.CRM.sourceNames(),
		Version:         version,
		SchemaVersion:   migrations.Latest(),
	}, db, logger)
	if err != nil {
		models.SQLDB(db).Close()
		return nil, err
	}
	s := &server{cfg: cfg, log: logger, db: db, handler: h, trackers: trackers}
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// startJobWorker runs the job queue (River: notification emails, the daily
// digest) in the background until close stops it. Requests only insert
// jobs; nothing is sent from a request. run starts it once the listener is
// up, so "serving" is the first thing an operator reads. On shutdown River
// stops fetching and finishes the jobs in hand before the database closes.
func (s *server) startJobWorker() {
	s.workerCtx, s.stopWorker = context.WithCancel(context.Background())
	var sender mail.Sender
	if s.cfg.SMTP != nil {
		sender = s.cfg.SMTP
		s.log.Info("email via SMTP", "server", s.cfg.SMTP.String(), "from", s.cfg.MailFrom)
	} else if s.cfg.production() {
		s.log.Warn("SMTP_URL is unset: notification emails are written to the log, not sent")
	} else {
		s.log.Info("SMTP_URL is unset: notification emails are written to the log, not sent")
	}
	cfg := models.JobConfig{
		Mail: models.MailConfig{
			Sender: sender, From: s.cfg.MailFrom, BaseURL: s.cfg.BaseURL.String(), Secret: s.cfg.SessionSecret,
		},
		Logger:          s.log.With("component", "jobs"),
		CRMSyncInterval: s.cfg.CRM.SyncInterval,
		Outbound:        outbound.New(s.cfg.Outbound),
		Backlog:         models.BacklogConfig{Trackers: s.trackers, FX: s.cfg.FX, PollInterval: s.cfg.Backlog.PollInterval},
		FX:              s.cfg.FX,
	}
	crm, err := s.cfg.CRM.clients(s.cfg.Outbound)
	if err != nil {
		s.log.Error("job queue did not start; jobs wait in the database", "error", err)
		return
	}
	cfg.CRM = crm.sources()
	cfg.Backlog.CRM = crmWriters(s.cfg.Backlog, crm)
	// River's LISTEN connection: a pgx pool of one, held for the queue's
	// life, so new jobs start at once instead of at the next poll.
	listen, err := listenPool(s.cfg.DatabaseURL)
	if err != nil {
		s.log.Error("job queue did not start; jobs wait in the database", "error", err)
		return
	}
	queue, err := models.NewQueue(s.db, cfg, models.QueueOptions{Periodic: true, Listen: listen})
	if err == nil {
		// Not workerCtx: cancelling Start's context would cancel the jobs
		// in hand; shutdown goes through Stop below instead.
		err = queue.Start(context.WithoutCancel(s.workerCtx))
	}
	if err != nil {
		// The server still serves; jobs wait in the database for a process
		// whose queue starts.
		listen.Close()
		s.log.Error("job queue did not start; jobs wait in the database", "error", err)
		return
	}
	s.log.Info("job worker started")
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		<-s.workerCtx.Done()
		// Soft stop: no new jobs; the ones in hand finish (each bounded
		// by JobConfig.Timeout).
		if err := queue.Stop(context.Background()); err != nil {
			s.log.Warn("job queue stop", "error", err)
		}
		listen.Close()
		s.log.Info("job worker stopped")
	}()
}

// listenPool is the pgx pool River hijacks its LISTEN connection from.
func listenPool(dsn string) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL URL")
	}
	pc.MinConns, pc.MaxConns = 0, 1
	pc.ConnConfig.RuntimeParams["application_name"] = "crowdwise-river-listen"
	return pgxpool.NewWithConfig(context.Background(), pc)
}

// run serves on ln until ctx is cancelled, then drains: readiness turns 503,
// after ShutdownDelay the listener closes, in-flight requests get up to
// ShutdownTimeout to finish, workers stop and the database closes.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "base_url", s.cfg.BaseURL.String(), "version", version)
	s.startJobWorker()

	select {
	case err := <-errc:
		s.close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "delay", s.cfg.ShutdownDelay, "timeout", s.cfg.ShutdownTimeout)
	s.handler.Drain()
	time.Sleep(s.cfg.ShutdownDelay)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("in-flight requests did not finish within %s", s.cfg.ShutdownTimeout)
	}
	s.close()
	if err == nil {
		s.log.Info("stopped cleanly")
	}
	return err
}

func (s *server) close() {
	if s.stopWorker != nil {
		s.stopWorker()
		s.workers.Wait()
	}
	models.SQLDB(s.db).Close()
}
