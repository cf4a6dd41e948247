package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/glint-go/glint/internal/testenv"
)

// schemaSeq numbers the schemas FreshSchema makes in this process.
var schemaSeq atomic.Int64

// FreshSchema creates an empty PostgreSQL schema, named after prefix, the process and a
// counter, dropped at the end of the test, and returns base (a postgres:// URL) with its
// search_path set to it: every test gets a database of its own on one server.
func FreshSchema(t testing.TB, base, prefix string) string {
	t.Helper()
	ctx := context.Background()
	name := prefix + "_" + strconv.Itoa(os.Getpid()) + "_" + strconv.FormatInt(schemaSeq.Add(1), 10)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("storetest: connecting to %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+name+` CASCADE; CREATE SCHEMA `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+name+` CASCADE`)
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// EnvPostgres names the environment variable giving the PostgreSQL server of the tests.
const EnvPostgres = "GLINT_TEST_POSTGRES"

// PostgresURL returns the tests' PostgreSQL server (EnvPostgres, else the default local
// one) once it answers; when none does, the test skips, or fails in CI (testenv.Missing).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		u = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		testenv.Missing(t, fmt.Sprintf("storetest: no PostgreSQL server reachable (start one, or set %s): %v", EnvPostgres, err))
		return ""
	}
	conn.Close(ctx)
	return u
}
