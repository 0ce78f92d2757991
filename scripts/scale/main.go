// Command scale measures Portico at catalog sizes on SQLite and PostgreSQL
// (issue 15 item 8): for each size N and dialect it generates N APIs
// (catalogtest.WriteBenchCatalog), builds the real binary, serves them
// from a file location and measures cold ingest, restart, peak RSS, the
// catalog API's by-name and by-query latencies, the /apis page, and the
// operation search's build and query times. It prints a markdown table
// and writes it to -out; each run's server log is kept under -work.
//
//	go run ./scripts/scale -n 1000,10000,100000 -db sqlite,pg
//
// PostgreSQL runs need PORTICO_TEST_PG_DSN (a server DSN); each run creates
// and afterwards drops its own database on that server.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/catalog/store"
)

func main() {
	sizes := flag.String("n", "1000,10000", "catalog sizes, comma-separated")
	dbs := flag.String("db", "sqlite,pg", "dialects: sqlite, pg")
	requests := flag.Int("requests", 200, "requests per latency figure (the /apis page and the search use a quarter)")
	work := flag.String("work", filepath.Join(os.TempDir(), "portico-scale"), "directory for generated catalogs, databases and logs")
	out := flag.String("out", "scale-results.md", "markdown file the table is written to")
	flag.Parse()

	if err := os.MkdirAll(*work, 0o755); err != nil {
		fatal(err)
	}
	bin := filepath.Join(*work, "portico")
	build := exec.Command("go", "build", "-o", bin, "./cmd/portico")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fatal(fmt.Errorf("go build ./cmd/portico: %w", err))
	}
	var rows []result
	for _, ns := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(ns))
		if err != nil {
			fatal(fmt.Errorf("-n: %w", err))
		}
		data, err := catalogFor(*work, n)
		if err != nil {
			fatal(err)
		}
		for _, db := range strings.Split(*dbs, ",") {
			r := run{bin: bin, work: *work, data: data, n: n, db: strings.TrimSpace(db), requests: *requests}
			res, err := r.measure()
			if err != nil {
				fatal(fmt.Errorf("N=%d %s: %w (log: %s)", n, r.db, err, r.logPath()))
			}
			rows = append(rows, res)
			fmt.Println(res.row())
		}
	}
	table := header() + "\n"
	for _, r := range rows {
		table += r.row() + "\n"
	}
	fmt.Print("\n" + table)
	if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// catalogFor generates the catalog of n APIs once per work directory.
func catalogFor(work string, n int) (string, error) {
	dir := filepath.Join(work, fmt.Sprintf("catalog-%d", n))
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	os.RemoveAll(dir)
	start := time.Now()
	if err := catalogtest.WriteBenchCatalog(dir, n); err != nil {
		return "", fmt.Errorf("generate %d APIs: %w", n, err)
	}
	fmt.Printf("generated %d APIs in %s\n", n, time.Since(start).Round(time.Millisecond))
	return dir, os.WriteFile(done, nil, 0o644)
}

type run struct {
	bin, work, data string
	n               int
	db              string
	requests        int

	base   string // http://127.0.0.1:port
	dsn    string // the database connection
	cmd    *exec.Cmd
	exited chan error
	log    *os.File
}

type result struct {
	n                                            int
	db                                           string
	load                                         string
	cold, restart                                time.Duration
	rssIngest, rssQueries, rssSearch, rssRestart int // MB
	byName, byQuery, apis, search                [2]time.Duration
	apisFirst                                    time.Duration
	searchBuild                                  time.Duration
	ops                                          int
}

func header() string {
	return "| N | DB | load (1 min) | cold ingest | restart | peak RSS: ingest / +queries / +search / restart | by-name p50/p99 | by-query (uncached) p50/p99 | /apis first, p50/p99 | op search build (ops) | op search p50/p99 |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|"
}

func (r result) row() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) }
	pair := func(p [2]time.Duration) string { return ms(p[0]) + " / " + ms(p[1]) + " ms" }
	sec := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s" }
	return fmt.Sprintf("| %d | %s | %s | %s | %s | %d / %d / %d / %d MB | %s | %s | %s ms, %s | %s (%d) | %s |",
		r.n, r.db, r.load, sec(r.cold), sec(r.restart), r.rssIngest, r.rssQueries, r.rssSearch, r.rssRestart,
		pair(r.byName), pair(r.byQuery), ms(r.apisFirst), pair(r.apis), sec(r.searchBuild), r.ops, pair(r.search))
}

func (r *run) dir() string     { return filepath.Join(r.work, fmt.Sprintf("run-%d-%s", r.n, r.db)) }
func (r *run) logPath() string { return filepath.Join(r.dir(), "server.log") }

func (r *run) measure() (result, error) {
	res := result{n: r.n, db: r.db, load: loadAvg()}
	os.RemoveAll(r.dir())
	if err := os.MkdirAll(r.dir(), 0o755); err != nil {
		return res, err
	}
	drop, err := r.database()
	if err != nil {
		return res, err
	}
	defer drop()
	log, err := os.Create(r.logPath())
	if err != nil {
		return res, err
	}
	defer log.Close()
	r.log = log
	ctx := context.Background()

	fmt.Printf("N=%d %s: cold start\n", r.n, r.db)
	// The previous run wrote up to 3 GB (the 100,000-API SQLite file and
	// its WAL); the kernel writing that back would compete with this
	// run's ingest. Every start begins with nothing left to write.
	syscall.Sync()
	if res.cold, err = r.start(ctx); err != nil {
		return res, err
	}
	defer r.stop()
	res.rssIngest = r.rss()

	rnd := rand.New(rand.NewPCG(uint64(r.n), 7))
	if res.byName, err = r.latencies(r.requests, func() string {
		return fmt.Sprintf("/api/catalog/entities/by-name/api/default/api-%06d", rnd.IntN(r.n))
	}); err != nil {
		return res, err
	}
	// Every request differs in its filter or limit, so the response cache
	// never answers; the store's own count cache may.
	if res.byQuery, err = r.latencies(r.requests, func() string { return catalogtest.ByQueryPath(rnd) }); err != nil {
		return res, err
	}
	start := time.Now()
	if _, err := r.get("/apis"); err != nil {
		return res, err
	}
	res.apisFirst = time.Since(start)
	if res.apis, err = r.latencies(max(r.requests/4, 10), func() string { return "/apis" }); err != nil {
		return res, err
	}

	res.rssQueries = r.rss()
	fmt.Printf("N=%d %s: operation search build\n", r.n, r.db)
	if res.searchBuild, res.ops, err = r.searchBuild(); err != nil {
		return res, err
	}
	res.rssSearch = r.rss()
	queries := []string{"invoice", "get account", "delete refund", "post", "sensor reading", "api-0000", "patch the ledger", "booking", "zzz-no-match", "tenant session"}
	i := 0
	if res.search, err = r.latencies(max(r.requests/4, 10), func() string {
		i++
		return "/search?" + url.Values{"q": {queries[i%len(queries)]}, "part": {"operations"}}.Encode()
	}); err != nil {
		return res, err
	}

	fmt.Printf("N=%d %s: restart\n", r.n, r.db)
	if err := r.stop(); err != nil {
		return res, err
	}
	syscall.Sync()
	if res.restart, err = r.start(ctx); err != nil {
		return res, err
	}
	res.rssRestart = r.rss()
	return res, r.stop()
}

// database prepares a fresh database and returns how to drop it.
func (r *run) database() (func(), error) {
	if r.db == "sqlite" {
		r.dsn = filepath.Join(r.dir(), "portico.db")
		return func() {}, nil
	}
	if r.db != "pg" {
		return nil, fmt.Errorf("unknown -db %q", r.db)
	}
	server := os.Getenv("PORTICO_TEST_PG_DSN")
	if server == "" {
		return nil, errors.New("PORTICO_TEST_PG_DSN is not set")
	}
	name := fmt.Sprintf("portico_scale_%d", r.n)
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(server)))
	dropDB := func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop", name+":", err)
		}
	}
	dropDB()
	if err := store.EnsurePGDatabase(context.Background(), server, name); err != nil {
		admin.Close()
		return nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		admin.Close()
		return nil, err
	}
	u.Path = "/" + name
	r.dsn = u.String()
	return func() { dropDB(); admin.Close() }, nil
}

// start runs the server and returns how long until it is ready and serves
// all N APIs.
func (r *run) start(ctx context.Context) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	r.base = "http://127.0.0.1:" + strconv.Itoa(port)
	client := "better-sqlite3"
	if r.db == "pg" {
		client = "pg"
	}
	cfg := fmt.Sprintf("backend:\n  listen: {host: 127.0.0.1, port: %d}\n  database: {client: %s, connection: '%s'}\ncatalog:\n  locations: [{type: file, target: '%s/**/*.yaml'}]\n",
		port, client, r.dsn, r.data)
	cfgPath := filepath.Join(r.dir(), "app-config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return 0, err
	}
	start := time.Now()
	r.cmd = exec.CommandContext(ctx, r.bin, "serve", "--config", cfgPath)
	r.cmd.Dir = r.dir()
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			r.cmd = nil
			return 0, fmt.Errorf("server exited: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if r.status("/readyz") != http.StatusOK {
			continue
		}
		if r.count() == r.n {
			took := time.Since(start)
			r.exited = exited
			return took, nil
		}
	}
	return 0, errors.New("not ready within 30 minutes")
}

// stop sends SIGTERM and waits for the process to exit.
func (r *run) stop() error {
	if r.cmd == nil {
		return nil
	}
	cmd := r.cmd
	r.cmd = nil
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-r.exited:
		return nil
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-r.exited
		return errors.New("did not exit within 2 minutes of SIGTERM")
	}
}

func (r *run) status(path string) int {
	resp, err := http.Get(r.base + path)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// count is the number of stored APIs (-1 when the API does not answer).
func (r *run) count() int {
	body, err := r.get("/api/catalog/entities/by-query?filter=kind=api&limit=0")
	if err != nil {
		return -1
	}
	var page struct {
		TotalItems int `json:"totalItems"`
	}
	if json.Unmarshal(body, &page) != nil {
		return -1
	}
	return page.TotalItems
}

func (r *run) get(path string) ([]byte, error) {
	resp, err := http.Get(r.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, err
}

// latencies makes n sequential requests and returns the p50 and p99.
func (r *run) latencies(n int, next func() string) ([2]time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		path := next()
		start := time.Now()
		if _, err := r.get(path); err != nil {
			return [2]time.Duration{}, err
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return [2]time.Duration{ds[len(ds)*50/100], ds[min(len(ds)-1, len(ds)*99/100)]}, nil
}

// searchBuild starts the operation search index build with a search and
// waits for the server's "operation search index built" log line, polling
// the search every 2 s as the page does (a poll starts the next build when
// one timed out); it returns the wall time from the first search and the
// operations indexed.
func (r *run) searchBuild() (time.Duration, int, error) {
	offset, err := r.log.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if _, err := r.get("/search?q=get"); err != nil {
		return 0, 0, err
	}
	polled := time.Now()
	for time.Since(start) < 30*time.Minute {
		f, err := os.Open(r.logPath())
		if err != nil {
			return 0, 0, err
		}
		f.Seek(offset, io.SeekStart)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l struct {
				Msg        string `json:"msg"`
				Operations int    `json:"operations"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "operation search index built" {
				f.Close()
				return time.Since(start), l.Operations, nil
			}
		}
		f.Close()
		time.Sleep(200 * time.Millisecond)
		if time.Since(polled) > 2*time.Second {
			polled = time.Now()
			if _, err := r.get("/search?q=get&part=operations"); err != nil {
				return 0, 0, err
			}
		}
	}
	return 0, 0, errors.New("operation search index not built within 30 minutes")
}

// rss is the server's peak resident set size in MB (VmHWM).
func (r *run) rss() int {
	if r.cmd == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb / 1024
		}
	}
	return 0
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}
