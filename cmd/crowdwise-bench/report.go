package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// endpointResult is one row of the report.
type endpointResult struct {
	Name           string  `json:"name"`
	Method         string  `json:"method"`
	Path           string  `json:"path"`
	Probe          string  `json:"probe"`   // one request before the run: status, type, size
	IdleMs         float64 `json:"idle_ms"` // one request at a time, before the run (median of 5)
	Requests       int64   `json:"requests"`
	Seconds        float64 `json:"seconds"`
	RequestsPerSec float64 `json:"requests_per_sec"`
	P50Ms          float64 `json:"p50_ms"`
	P90Ms          float64 `json:"p90_ms"`
	P99Ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	// Non2xx, Statuses and Routes come from the server's request counters
	// over the run: what it answered, and which route handled it.
	Non2xx       int64            `json:"non_2xx"`
	CutOff       int64            `json:"cut_off"`     // in flight when wrk stopped: counted by the server, not received
	CutOff5xx    int64            `json:"cut_off_5xx"` // of those, logged by the server as 5xx "context canceled"
	Statuses     map[string]int64 `json:"statuses"`
	Routes       map[string]int64 `json:"routes"`
	SocketErrors int64            `json:"socket_errors"`
	PeakRSSBytes int64            `json:"server_peak_rss_bytes_so_far"`
}

type report struct {
	GeneratedAt time.Time `json:"generated_at"`
	CPUs        int       `json:"cpus"`
	Dataset     *dataset  `json:"dataset"`
	Wrk         struct {
		Threads         int     `json:"threads"`
		Connections     int     `json:"connections"`
		DurationSeconds float64 `json:"duration_seconds"`
		WarmupSeconds   float64 `json:"warmup_seconds"`
	} `json:"wrk"`
	Server struct {
		PeakRSSBytes int64   `json:"peak_rss_bytes"`
		PeakRSSMB    float64 `json:"peak_rss_mb"`
		Log          string  `json:"log"`
	} `json:"server"`
	Endpoints []endpointResult `json:"endpoints"`
	// Ceiling is a bare Echo handler serving the home page's bytes in the
	// same run: what the machine allows any page.
	Ceiling        *ceilingResult `json:"ceiling"`
	VoteCountCheck string         `json:"vote_count_check"`
	// InsightsRebuildSeconds is how long the server's first insights
	// rebuild took; the run waits for it (see waitInsightsSnapshot).
	InsightsRebuildSeconds float64       `json:"insights_rebuild_seconds"`
	TwoProcesses           []proxyResult `json:"two_processes,omitempty"`
}

func newReport(ds *dataset, cfg loadConfig, peakRSS int64, log string, results []endpointResult) *report {
	r := &report{GeneratedAt: time.Now().UTC().Truncate(time.Second), CPUs: runtime.NumCPU(), Dataset: ds, Endpoints: results}
	// The pair lists are inputs of the run, not results; they would bury them.
	d := *ds
	d.VoteIdeaIDs = nil
	r.Dataset = &d
	r.Wrk.Threads, r.Wrk.Connections = cfg.threads, cfg.connections
	r.Wrk.DurationSeconds, r.Wrk.WarmupSeconds = cfg.duration.Seconds(), cfg.warmup.Seconds()
	r.Server.PeakRSSBytes, r.Server.PeakRSSMB = peakRSS, float64(peakRSS)/(1<<20)
	r.Server.Log = log
	return r
}

func (r *report) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// print writes the summary table.
func (r *report) print() {
	d := r.Dataset
	fmt.Printf("\ncrowdwise bench: %d ideas, %d users, %d votes, %d comments (generated in %.0fs); wrk -t%d -c%d -d%s on %d CPUs\n\n",
		d.Ideas, d.Users, d.Votes, d.Comments, d.GenerateSeconds, r.Wrk.Threads, r.Wrk.Connections,
		time.Duration(r.Wrk.DurationSeconds*float64(time.Second)), r.CPUs)
	fmt.Printf("%-26s %9s %7s %9s %9s %9s %8s  %s\n", "endpoint", "req/s", "ceiling", "p50", "p99", "idle", "non-2xx", "statuses")
	fmt.Println(strings.Repeat("-", 100))
	for _, e := range r.Endpoints {
		extra := ""
		switch {
		case e.CutOff5xx > 0:
			extra += fmt.Sprintf(" (%d cut off at the end, %d of them counted as 5xx)", e.CutOff, e.CutOff5xx)
		case e.CutOff > 0:
			extra += fmt.Sprintf(" (%d cut off at the end)", e.CutOff)
		}
		if e.SocketErrors > 0 {
			extra += fmt.Sprintf(" (%d socket errors)", e.SocketErrors)
		}
		fmt.Printf("%-26s %9.1f %7s %9s %9s %9s %8d  %s%s\n", e.Name, e.RequestsPerSec, r.ofCeiling(e.RequestsPerSec),
			fmtMs(e.P50Ms), fmtMs(e.P99Ms), fmtMs(e.IdleMs), e.Non2xx, fmtStatuses(e.Statuses), extra)
	}
	if c := r.Ceiling; c != nil {
		fmt.Printf("%-26s %9.1f %7s %9s %9s   (bare Echo handler serving the home page's %d bytes, same run)\n",
			"ceiling", c.RequestsPerSec, "100%", fmtMs(c.P50Ms), fmtMs(c.P99Ms), c.Bytes)
	}
	fmt.Printf("insights rebuild on start: %.1fs\n", r.InsightsRebuildSeconds)
	if r.VoteCountCheck != "" {
		fmt.Println("vote counts after the run:", r.VoteCountCheck)
	}
	for _, p := range r.TwoProcesses {
		fmt.Printf("two processes behind a reverse proxy: %-24s ×%.2f (%.1f → %.1f req/s)\n", p.Name, p.Gain, p.OneRPS, p.TwoRPS)
	}
	fmt.Printf("\nidle: one request at a time before the run; non-2xx: responses wrk received that were not 2xx;\n" +
		"statuses: what the server's own counters saw, including requests cut off when wrk stopped\n")
	if d.LimitsLifted {
		fmt.Println("votes: 200 members, each from its own address; per-member and per-address rate limits lifted")
	}
	fmt.Printf("server peak RSS (VmHWM): %.1f MB\n", r.Server.PeakRSSMB)
}

func fmtMs(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.2fms", v)
}

// fmtStatuses renders {"200": 9000, "404": 3} as "200×9000 404×3".
func fmtStatuses(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// ofCeiling is rps as a share of the run's ceiling.
func (r *report) ofCeiling(rps float64) string {
	if r.Ceiling == nil || r.Ceiling.RequestsPerSec == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*rps/r.Ceiling.RequestsPerSec)
}
