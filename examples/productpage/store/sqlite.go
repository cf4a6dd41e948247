package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strconv"
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
	db     *sql.DB
	path   string   // absolute, the key of the reducer's lead (see TryLeadReducer)
	leases leaseSet // the reducer leads granted, released by Close
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
	abs, err := filepath.Abs(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s := &SQLite{db: db, path: abs}
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

// Close releases the reducer's lead when this store holds it, and closes the database.
func (s *SQLite) Close() error {
	s.leases.close()
	return s.db.Close()
}

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
	rows, err := tx.QueryContext(ctx, `SELECT i.id, i.sku, i.size, i.product_id, COALESCE(a.available_count, 0), COALESCE(a.version, 0)
		FROM items i LEFT JOIN availabilities a ON a.item_id = i.id ORDER BY i.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.SKU, &it.Size, &it.ProductID, &it.AvailableCount, &it.Version); err != nil {
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
func (s *SQLite) Sell(ctx context.Context, itemID int64, count int) (Stock, error) {
	if count < 1 {
		return Stock{}, fmt.Errorf("sell item %d: %w: count %d is below 1", itemID, ErrInvalid, count)
	}
	st := Stock{ItemID: itemID}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error { return sqliteSell(ctx, tx, itemID, count, &st) })
	if errors.Is(err, ErrNotAvailable) {
		return st, fmt.Errorf("sell %d of item %d: %w", count, itemID, err)
	}
	if err != nil {
		return Stock{}, fmt.Errorf("sell %d of item %d: %w", count, itemID, err)
	}
	return st, nil
}

// sqliteSell takes count units of itemID through q in one statement and fills st with the
// stock left. It returns ErrNotFound for an unknown item, and ErrNotAvailable (st then
// holds what is left) when fewer than count remain.
func sqliteSell(ctx context.Context, q queryer, itemID int64, count int, st *Stock) error {
	err := q.QueryRowContext(ctx, `UPDATE availabilities SET available_count = available_count - ?1, version = version + 1
		WHERE item_id = ?2 AND available_count >= ?1 RETURNING available_count, version`, count, itemID).Scan(&st.Count, &st.Version)
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = q.QueryRowContext(ctx, `SELECT available_count, version FROM availabilities WHERE item_id = ?`, itemID).Scan(&st.Count, &st.Version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	}
	return ErrNotAvailable
}

// Versions implements Store.
func (s *SQLite) Versions(ctx context.Context) (Versions, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	defer tx.Rollback()
	v := Versions{Items: map[int64]int64{}, Released: map[int64]bool{}}
	if err := scanPairs(ctx, tx, `SELECT i.id, COALESCE(a.version, 0) FROM items i LEFT JOIN availabilities a ON a.item_id = i.id`,
		func(id int64, version int64) { v.Items[id] = version }); err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	if err := scanPairs(ctx, tx, `SELECT id, released FROM products`,
		func(id int64, released int64) { v.Released[id] = released != 0 }); err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	return v, nil
}

// scanPairs runs a query selecting two integers per row and hands each row to fn.
func scanPairs(ctx context.Context, q queryer, query string, fn func(a, b int64)) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// Stocks implements Store. The ids travel as one JSON array, so that any number of them
// fits in one statement.
func (s *SQLite) Stocks(ctx context.Context, itemIDs []int64) ([]Stock, error) {
	if len(itemIDs) == 0 {
		return nil, nil
	}
	var list strings.Builder
	list.WriteByte('[')
	for i, id := range itemIDs {
		if i > 0 {
			list.WriteByte(',')
		}
		list.WriteString(strconv.FormatInt(id, 10))
	}
	list.WriteByte(']')
	rows, err := s.db.QueryContext(ctx, `SELECT item_id, available_count, version FROM availabilities
		WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id`, list.String())
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	defer rows.Close()
	var out []Stock
	for rows.Next() {
		var st Stock
		if err := rows.Scan(&st.ItemID, &st.Count, &st.Version); err != nil {
			return nil, fmt.Errorf("read stock: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	return out, nil
}

// Ping implements Store: it runs a trivial query on a pooled connection.
func (s *SQLite) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
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
		// Start above every version the old catalog had, so that nodes holding it see
		// every item of the new one as newer.
		var base int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version) + 1, 0) FROM availabilities`).Scan(&base); err != nil {
			return fmt.Errorf("read versions: %w", err)
		}
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO availabilities (item_id, available_count, version) VALUES (?, ?, ?)`,
				it.ID, it.AvailableCount, base); err != nil {
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
