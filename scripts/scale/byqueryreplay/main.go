// Command byqueryreplay replays scripts/scale's by-query mix against a
// running server, so that a change to the store's query path can be
// measured on kept databases without a cold ingest per run (issue 15 item
// 8): the scale tool's filters, limits, offsets and fields, drawn from
// -seed (use a new seed per run, or the response cache answers). It prints
// p50/p99 and, given -pid, the server's CPU seconds per 1,000 requests;
// given -pgdb, also the CPU of that database's PostgreSQL backends (on
// the server PORTICO_TEST_PG_DSN names), where a PostgreSQL store spends
// its query time.
//
//	go run ./scripts/scale/byqueryreplay -base http://127.0.0.1:7007 -pid 1234 -seed 11
package main

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog/catalogtest"
)

func main() {
	base := flag.String("base", "", "the server's base URL")
	seed := flag.Uint64("seed", 1, "seed of the request mix")
	requests := flag.Int("requests", 1000, "requests")
	pid := flag.Int("pid", 0, "the server's process id, for its CPU time")
	pgdb := flag.String("pgdb", "", "PostgreSQL database whose backends' CPU time is added")
	label := flag.String("label", "", "label printed with the figures")
	slowest := flag.Int("slowest", 0, "also print the n slowest requests, with their order in the run")
	flag.Parse()
	if *base == "" {
		fatal(fmt.Errorf("-base is required"))
	}
	var pg *sql.DB
	if *pgdb != "" {
		pg = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(os.Getenv("PORTICO_TEST_PG_DSN"))))
		defer pg.Close()
	}

	next := mix(*seed)
	lat := make([]time.Duration, 0, *requests)
	type request struct {
		i    int
		path string
		took time.Duration
	}
	var all []request
	cpu0, db0 := cpuOf(*pid), backends(pg, *pgdb)
	for range *requests {
		path := next()
		start := time.Now()
		if err := get(*base + path); err != nil {
			fatal(err)
		}
		lat = append(lat, time.Since(start))
		all = append(all, request{len(all), path, lat[len(lat)-1]})
	}
	cpu1, db1 := cpuOf(*pid), backends(pg, *pgdb)
	var dbCPU float64
	for p, c := range db1 {
		dbCPU += c - db0[p] // a backend that exited in between is lost
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	slices.SortFunc(all, func(a, b request) int { return cmp.Compare(b.took, a.took) })
	for _, r := range all[:min(*slowest, len(all))] {
		p, err := url.QueryUnescape(r.path)
		if err != nil {
			p = r.path // printed as sent
		}
		fmt.Printf("  #%d %.2f ms %s\n", r.i, ms(r.took), p)
	}
	per := float64(1000) / float64(*requests)
	fmt.Printf("%s seed=%d p50=%.2f ms p99=%.2f ms server-cpu/1000=%.2f s pg-cpu/1000=%.2f s\n", *label, *seed,
		ms(lat[len(lat)*50/100]), ms(lat[min(len(lat)-1, len(lat)*99/100)]), (cpu1-cpu0)*per, dbCPU*per)
}

// mix is scripts/scale's by-query request mix (main.go, "by-query").
func mix(seed uint64) func() string {
	rnd := rand.New(rand.NewPCG(seed, 7))
	return func() string { return catalogtest.ByQueryPath(rnd) }
}

func get(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// cpuOf is a process's user+system CPU seconds (0 without a pid).
func cpuOf(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	c, err := procCPU(pid)
	if err != nil {
		fatal(err)
	}
	return c
}

func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100, nil // USER_HZ
}

// backends is the CPU seconds of each backend connected to db.
func backends(pg *sql.DB, db string) map[int]float64 {
	m := map[int]float64{}
	if pg == nil {
		return m
	}
	rows, err := pg.QueryContext(context.Background(), "SELECT pid FROM pg_stat_activity WHERE datname = $1", db)
	if err != nil {
		fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			fatal(err)
		}
		if c, err := procCPU(p); err == nil { // a backend may exit meanwhile
			m[p] = c
		}
	}
	if err := rows.Err(); err != nil {
		fatal(err)
	}
	return m
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "byqueryreplay:", err)
	os.Exit(1)
}
