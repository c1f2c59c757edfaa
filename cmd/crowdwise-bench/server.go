package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is bin/crowdwise serving the benchmark database.
type server struct {
	cmd     *exec.Cmd
	base    string // http://addr
	logPath string
	dbURL   string
	exited  chan struct{}
	err     error // set when exited is closed
}

// startServer runs the binary as production would: production mode, its
// own session secret, behind a trusted proxy, warn-level logs (request logs
// at info would measure the log writer).
func startServer(bin, dbURL, addr, logPath string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	base := "http://" + addr
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL, "CROWDWISE_ADDR="+addr, "BASE_URL="+base,
		"CROWDWISE_ENV=production", "SESSION_SECRET="+hex.EncodeToString(secret),
		"LOG_LEVEL=warn", "CROWDWISE_DEV_LOGIN=false",
		// wrk is the members' reverse proxy: it tells each one's address.
		"TRUSTED_PROXIES=127.0.0.1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: base, logPath: logPath, dbURL: dbURL, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	return s, nil
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited (%v); its log, %s, ends with:\n%s", s.err, s.logPath, tail(s.logPath, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server was not ready after %s; see %s", timeout, s.logPath)
		}
	}
}

// stop ends the server the way an orchestrator would (SIGTERM), and kills
// it if it does not finish in time.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// peakRSS is the server's resident set high-water mark (VmHWM) in bytes:
// the kernel tracks the peak itself, so no sampling can miss it.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// requestCount is one series of crowdwise_http_requests_total.
type requestCount struct{ route, method, status string }

var requestsLine = regexp.MustCompile(`^crowdwise_http_requests_total\{(.*)\} (\S+)$`)
var labelPair = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)

// requestCounts scrapes the server's own per-route, per-status request
// counters. Their difference across a wrk run is what the server answered,
// status by status, which wrk alone cannot tell (it lumps non-2xx/3xx).
func (s *server) requestCounts(ctx context.Context) (map[requestCount]int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	counts := map[requestCount]int64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		m := requestsLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var k requestCount
		for _, l := range labelPair.FindAllStringSubmatch(m[1], -1) {
			switch l[1] {
			case "route":
				k.route = l[2]
			case "method":
				k.method = l[2]
			case "status":
				k.status = l[2]
			}
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		counts[k] = int64(v)
	}
	return counts, sc.Err()
}

// settledCounts reads the request counters once the server and the
// database have finished what a previous wrk run left in flight, so every
// request lands in one run's window and no run pays for the last one's
// abandoned queries.
func (s *server) settledCounts(ctx context.Context) (map[requestCount]int64, error) {
	total := func(m map[requestCount]int64) (n int64) {
		for k, v := range m {
			if k.route != "/metrics" {
				n += v
			}
		}
		return n
	}
	prev, err := s.requestCounts(ctx)
	if err != nil {
		return nil, err
	}
	for range 50 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		cur, err := s.requestCounts(ctx)
		if err != nil {
			return nil, err
		}
		if total(cur) == total(prev) && s.dbIdle(ctx) {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}

// dbIdle reports whether no other client of the database is running a
// query (a canceled request's query may outlive it briefly).
func (s *server) dbIdle(ctx context.Context) bool {
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		return true // not knowing is no reason to stall the benchmark
	}
	defer conn.Close(ctx)
	var active int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'
			AND state <> 'idle' AND pid <> pg_backend_pid()`).Scan(&active)
	return err != nil || active == 0
}

// logSize is where the server log ends now.
func (s *server) logSize() int64 {
	fi, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// canceledSince counts 5xx request log lines written after offset whose
// error is a cancellation: requests whose client (wrk, stopping) hung up
// mid-flight, which the app records as 500 though nobody received one.
func (s *server) canceledSince(offset int64) int64 {
	f, err := os.Open(s.logPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0
	}
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var line struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
			Error  string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" && line.Status >= 500 &&
			strings.Contains(line.Error, "cancel") {
			n++
		}
	}
	return n
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
