package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

type loadConfig struct {
	dbURL, bin, work, addr, out string
	duration, warmup            time.Duration
	threads, connections        int
	// procs 2 also measures the read endpoints through a round-robin
	// reverse proxy in front of one, then two app processes.
	procs int
}

// endpoint is one thing to measure.
type endpoint struct {
	name   string
	method string // for the report; a script decides the real methods
	path   string
	script string // wrk Lua script, "" for a plain GET of path
	// headers go with every request wrk sends, e.g. a member's session.
	headers []string
	// probe sends what one visitor would and describes the answer; it
	// returns the time one request took.
	probe func(ctx context.Context, base string) (string, time.Duration, error)
}

// load serves the generated database and measures each endpoint in turn.
func load(ctx context.Context, cfg loadConfig) error {
	ds, tokens, err := readDataset(cfg.work)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is missing (make deps-wrk installs it)")
	}
	if cfg.connections < cfg.threads {
		cfg.connections = cfg.threads
	}
	srv, err := startServer(cfg.bin, cfg.dbURL, cfg.addr, filepath.Join(cfg.work, "server.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := srv.waitReady(ctx, 60*time.Second); err != nil {
		return err
	}
	rebuild, err := waitInsightsSnapshot(ctx, cfg.dbURL, 15*time.Minute)
	if err != nil {
		return err
	}
	fmt.Printf("the server's first insights rebuild took %.1fs\n", rebuild.Seconds())
	endpoints, err := benchEndpoints(ds, tokens, cfg)
	if err != nil {
		return err
	}

	fmt.Printf("measuring %s with wrk: %d threads, %d connections, %s per endpoint after a %s warm-up\n",
		srv.base, cfg.threads, cfg.connections, cfg.duration, cfg.warmup)
	ceil, err := measureCeiling(ctx, srv.base, cfg)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	fmt.Printf("  %-24s %9.1f req/s  p50 %8s  p99 %8s  (bare Echo, the home page's %d bytes)\n", "ceiling", ceil.RequestsPerSec,
		fmtMs(ceil.P50Ms), fmtMs(ceil.P99Ms), ceil.Bytes)
	var results []endpointResult
	for _, ep := range endpoints {
		r, err := measure(ctx, srv, ep, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", ep.name, err)
		}
		fmt.Printf("  %-24s %9.1f req/s  p50 %8s  p99 %8s  %s\n", r.Name, r.RequestsPerSec,
			fmtMs(r.P50Ms), fmtMs(r.P99Ms), fmtStatuses(r.Statuses))
		results = append(results, r)
	}
	voteCheck, err := checkVoteCounts(ctx, cfg.dbURL, ds.VoteIdeaIDs)
	if err != nil {
		return err
	}
	var twoProcs []proxyResult
	if cfg.procs >= 2 {
		if twoProcs, err = measureTwoProcesses(ctx, srv, endpoints, cfg); err != nil {
			return fmt.Errorf("two processes: %w", err)
		}
	}
	peak, err := srv.peakRSS()
	if err != nil {
		return err
	}
	srv.stop()
	rep := newReport(ds, cfg, peak, srv.logPath, results)
	rep.Ceiling, rep.VoteCountCheck, rep.TwoProcesses = ceil, voteCheck, twoProcs
	rep.InsightsRebuildSeconds = rebuild.Seconds()
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	rep.print()
	abs, _ := filepath.Abs(cfg.out)
	fmt.Println("results written to", abs)
	return nil
}

// measure probes the endpoint, warms it up, then times it with wrk while
// reading the server's request counters before and after.
func measure(ctx context.Context, srv *server, ep endpoint, cfg loadConfig) (endpointResult, error) {
	r := endpointResult{Name: ep.name, Method: ep.method, Path: ep.path}
	// Idle latency: the median of a few requests one after another on an
	// otherwise idle server. Under wrk's 32 connections latency is mostly
	// queueing; this is what a single visitor waits.
	var idle []time.Duration
	for i := range 5 {
		desc, d, err := ep.probe(ctx, srv.base)
		if err != nil {
			return r, err
		}
		if i == 0 {
			r.Probe = desc
		}
		idle = append(idle, d)
	}
	slices.Sort(idle)
	r.IdleMs = ms(idle[len(idle)/2])
	u := srv.base + ep.path
	warmArgs, runArgs := []string(nil), []string(nil)
	if ep.script != "" {
		u = srv.base + "/" // the script builds every request
		warmArgs, runArgs = []string{"0"}, []string{"100000"}
	}
	if cfg.warmup > 0 {
		if _, _, err := runWrk(ctx, u, cfg.warmup, cfg.threads, cfg.connections, ep.headers, ep.script, warmArgs...); err != nil {
			return r, err
		}
	}
	before, err := srv.settledCounts(ctx)
	if err != nil {
		return r, err
	}
	logStart := srv.logSize()
	w, _, err := runWrk(ctx, u, cfg.duration, cfg.threads, cfg.connections, ep.headers, ep.script, runArgs...)
	if err != nil {
		return r, err
	}
	after, err := srv.settledCounts(ctx)
	if err != nil {
		return r, err
	}
	r.Requests, r.Seconds, r.RequestsPerSec = w.Requests, w.Seconds, w.RPS
	r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs = ms(w.P50), ms(w.P90), ms(w.P99), ms(w.Max)
	r.SocketErrors = w.SocketErrors
	r.Statuses, r.Routes = map[string]int64{}, map[string]int64{}
	var served, redirects int64
	for k, n := range after {
		if n -= before[k]; n <= 0 || k.route == "/metrics" {
			continue
		}
		r.Statuses[k.status] += n
		r.Routes[k.method+" "+k.route] += n
		served += n
		if c, _ := strconv.Atoi(k.status); c >= 300 && c <= 399 {
			redirects += n
		}
	}
	// Non-2xx counts what wrk received: wrk's own count (which treats 3xx
	// as success) plus the redirects the server sent. The server's counters
	// also hold the requests still in flight when wrk stopped, which the
	// app may record as 500 (context canceled) though nobody received them.
	r.Non2xx = w.Non2xx3xx + redirects
	r.CutOff = max(0, served-w.Requests)
	r.CutOff5xx = srv.canceledSince(logStart)
	if r.PeakRSSBytes, err = srv.peakRSS(); err != nil {
		return r, err
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ceilingResult is the bare-Echo run every endpoint is compared with.
type ceilingResult struct {
	Bytes          int     `json:"bytes"`
	RequestsPerSec float64 `json:"requests_per_sec"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
}

// measureCeiling serves the home page's bytes from a bare Echo handler
// and loads it like any endpoint.
func measureCeiling(ctx context.Context, base string, cfg loadConfig) (*ceilingResult, error) {
	page, err := fetchPage(ctx, base+"/?sort=trending")
	if err != nil {
		return nil, err
	}
	c, err := startCeiling("127.0.0.1:0", page)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	if cfg.warmup > 0 {
		if _, _, err := runWrk(ctx, c.base+"/", cfg.warmup, cfg.threads, cfg.connections, nil, ""); err != nil {
			return nil, err
		}
	}
	w, _, err := runWrk(ctx, c.base+"/", cfg.duration, cfg.threads, cfg.connections, nil, "")
	if err != nil {
		return nil, err
	}
	return &ceilingResult{Bytes: len(page), RequestsPerSec: w.RPS, P50Ms: ms(w.P50), P99Ms: ms(w.P99)}, nil
}

// checkVoteCounts reports whether every idea the vote mix touched still
// has vote_count = count(votes), after thousands of concurrent toggles.
// waitInsightsSnapshot waits for the server's first insights rebuild (its
// leader runs one on start) and says how long it took: a running community
// always has one, so the insights page is measured as it is served, not as
// the live fallback of a fresh install.
func waitInsightsSnapshot(ctx context.Context, dbURL string, limit time.Duration) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		var fresh bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM insights_snapshot WHERE computed_at >= $1)`, start.Add(-time.Second)).Scan(&fresh); err != nil {
			return 0, err
		}
		if fresh {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			return 0, fmt.Errorf("no insights snapshot %s after the server started (see the server log)", limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

func checkVoteCounts(ctx context.Context, dbURL string, ids []int64) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var bad int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM ideas i WHERE i.id = ANY($1)
		AND i.vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)`, ids).Scan(&bad); err != nil {
		return "", err
	}
	if bad > 0 {
		return "", fmt.Errorf("after the vote mix, %d of %d ideas have vote_count <> count(votes)", bad, len(ids))
	}
	return fmt.Sprintf("ok: vote_count = count(votes) on all %d ideas voted on", len(ids)), nil
}

// proxyResult is one read endpoint through the reverse proxy, in front of
// one app process and then two.
type proxyResult struct {
	Name    string  `json:"name"`
	OneRPS  float64 `json:"one_process_requests_per_sec"`
	TwoRPS  float64 `json:"two_processes_requests_per_sec"`
	Gain    float64 `json:"gain"`
	TwoP99s float64 `json:"two_processes_p99_ms"`
}

// measureTwoProcesses starts a second app process on the same database and
// loads each read endpoint through a round-robin reverse proxy, first in
// front of srv alone, then in front of both.
func measureTwoProcesses(ctx context.Context, srv *server, endpoints []endpoint, cfg loadConfig) ([]proxyResult, error) {
	host, port, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		return nil, err
	}
	p, _ := strconv.Atoi(port)
	second, err := startServer(cfg.bin, cfg.dbURL, net.JoinHostPort(host, strconv.Itoa(p+1)), filepath.Join(cfg.work, "server2.log"))
	if err != nil {
		return nil, err
	}
	defer second.stop()
	if err := second.waitReady(ctx, 60*time.Second); err != nil {
		return nil, err
	}
	fmt.Println("\ntwo processes: the read endpoints through a round-robin reverse proxy (httputil.ReverseProxy)")
	var out []proxyResult
	for _, ep := range endpoints {
		if ep.script != "" {
			continue
		}
		r := proxyResult{Name: ep.name}
		for i, backends := range [][]string{{srv.base}, {srv.base, second.base}} {
			base, stop, err := serveProxy(backends)
			if err != nil {
				return nil, err
			}
			if cfg.warmup > 0 {
				if _, _, err := runWrk(ctx, base+ep.path, cfg.warmup, cfg.threads, cfg.connections, ep.headers, ""); err != nil {
					stop()
					return nil, err
				}
			}
			w, _, err := runWrk(ctx, base+ep.path, cfg.duration, cfg.threads, cfg.connections, ep.headers, "")
			stop()
			if err != nil {
				return nil, err
			}
			if i == 0 {
				r.OneRPS = w.RPS
			} else {
				r.TwoRPS, r.TwoP99s = w.RPS, ms(w.P99)
			}
		}
		if r.OneRPS > 0 {
			r.Gain = r.TwoRPS / r.OneRPS
		}
		fmt.Printf("  %-24s 1 process %9.1f req/s   2 processes %9.1f req/s   ×%.2f\n", r.Name, r.OneRPS, r.TwoRPS, r.Gain)
		out = append(out, r)
	}
	return out, nil
}
