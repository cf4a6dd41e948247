package store

import (
	"context"
	"fmt"
	"io/fs"
)

// LoadMigrationsForTest exposes loadMigrations to the external tests.
func LoadMigrationsForTest(fsys fs.FS, dir string) (int, error) {
	ms, err := loadMigrations(fsys, dir)
	return len(ms), err
}

// OrderCountForTest counts the orders in s's database.
func OrderCountForTest(ctx context.Context, s Store) (int, error) {
	var n int
	switch s := s.(type) {
	case *SQLite:
		return n, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n)
	case *Postgres:
		return n, s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n)
	default:
		return 0, fmt.Errorf("unknown store %T", s)
	}
}
