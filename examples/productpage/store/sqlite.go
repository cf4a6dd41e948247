package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLiteOptions configures OpenSQLite. The zero value is ready to use.
type SQLiteOptions struct {
	// Reseed replaces the catalog with fresh seed data even when the database has one.
	Reseed bool
	// Rand draws the seed stock. Nil means a randomly seeded source.
	Rand *rand.Rand
	// Logger receives start-up notes (migrations applied, seeding). Nil means slog.Default().
	Logger *slog.Logger
}

// SQLite is the Store backed by a SQLite file through modernc.org/sqlite. It runs in WAL mode
// with a busy timeout, and every write transaction takes the write lock up front
// (BEGIN IMMEDIATE), so concurrent writers queue instead of failing.
type SQLite struct {
	db *sql.DB
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database file at path, applies the embedded
// migrations and, when the catalog is empty or opts.Reseed is set, writes the seed catalog.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLite, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite: %w: path %q is empty or holds '?' or '#'", ErrInvalid, path)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	s := &SQLite{db: db}
	if err := s.init(ctx, opts, logger); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLite) init(ctx context.Context, opts SQLiteOptions, logger *slog.Logger) error {
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	n, err := migrate(ctx, s.db, ms)
	if err != nil {
		return err
	}
	if n > 0 {
		logger.Info("store: applied migrations", "count", n)
	}
	var products int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&products); err != nil {
		return fmt.Errorf("count products: %w", err)
	}
	if products > 0 && !opts.Reseed {
		return nil
	}
	r := opts.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ps, items := Seed(r)
	if err := s.Reset(ctx, ps, items); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	logger.Info("store: seeded catalog", "products", len(ps), "items", len(items), "reseed", opts.Reseed)
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// Catalog implements Store.
func (s *SQLite) Catalog(ctx context.Context) ([]Product, []Item, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	products, err := queryProducts(ctx, tx)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	items, err := queryItems(ctx, tx)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	return products, items, nil
}

func queryProducts(ctx context.Context, tx *sql.Tx) ([]Product, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, sku, sort_order, brand, name, color, price_usd, main_image_url, released
		FROM products ORDER BY sort_order, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []Product
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.ID, &p.SKU, &p.Order, &p.Brand, &p.Name, &p.Color, &p.PriceUSD, &p.MainImageURL, &p.Released); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

func queryItems(ctx context.Context, tx *sql.Tx) ([]Item, error) {
	rows, err := tx.QueryContext(ctx, `SELECT i.id, i.sku, i.size, i.product_id, COALESCE(a.available_count, 0)
		FROM items i LEFT JOIN availabilities a ON a.item_id = i.id ORDER BY i.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.SKU, &it.Size, &it.ProductID, &it.AvailableCount); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// Release implements Store.
func (s *SQLite) Release(ctx context.Context, productID int64) (bool, error) {
	var changed bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE products SET released = 1 WHERE id = ? AND released = 0`, productID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			changed = true
			return nil
		}
		return exists(ctx, tx, `SELECT 1 FROM products WHERE id = ?`, productID)
	})
	if err != nil {
		return false, fmt.Errorf("release product %d: %w", productID, err)
	}
	return changed, nil
}

// Sell implements Store.
func (s *SQLite) Sell(ctx context.Context, itemID int64, count int) (int, error) {
	if count < 1 {
		return 0, fmt.Errorf("sell item %d: %w: count %d is below 1", itemID, ErrInvalid, count)
	}
	var remaining int
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE availabilities SET available_count = available_count - ?1
			WHERE item_id = ?2 AND available_count >= ?1 RETURNING available_count`, count, itemID).Scan(&remaining)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := exists(ctx, tx, `SELECT 1 FROM availabilities WHERE item_id = ?`, itemID); err != nil {
			return err
		}
		return ErrNotAvailable
	})
	if err != nil {
		return 0, fmt.Errorf("sell %d of item %d: %w", count, itemID, err)
	}
	return remaining, nil
}

// exists returns ErrNotFound when query (selecting by id) finds no row.
func exists(ctx context.Context, tx *sql.Tx, query string, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, query, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Reset implements Store. It empties every cart (cart rows reference items) and keeps the
// orders.
func (s *SQLite) Reset(ctx context.Context, products []Product, items []Item) error {
	if err := Validate(products, items); err != nil {
		return fmt.Errorf("reset catalog: %w", err)
	}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM cart_items`, `DELETE FROM availabilities`, `DELETE FROM items`, `DELETE FROM products`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, p := range products {
			if _, err := tx.ExecContext(ctx, `INSERT INTO products (id, sku, sort_order, brand, name, color, price_usd, main_image_url, released)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, p.SKU, p.Order, p.Brand, p.Name, p.Color, p.PriceUSD, p.MainImageURL, p.Released); err != nil {
				return fmt.Errorf("insert product %d: %w", p.ID, err)
			}
		}
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO items (id, sku, size, product_id) VALUES (?, ?, ?, ?)`,
				it.ID, it.SKU, it.Size, it.ProductID); err != nil {
				return fmt.Errorf("insert item %d: %w", it.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO availabilities (item_id, available_count) VALUES (?, ?)`,
				it.ID, it.AvailableCount); err != nil {
				return fmt.Errorf("insert availability of item %d: %w", it.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reset catalog: %w", err)
	}
	return nil
}
