package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// migrationLock is the advisory lock key that serialises migrations and seeding when
// several nodes start against one database at once.
const migrationLock = 0x676c696e74 // "glint"

// PostgresOptions configures OpenPostgres. The zero value is ready to use.
type PostgresOptions struct {
	// Reseed replaces the catalog with fresh seed data even when the database has one.
	Reseed bool
	// Rand draws the seed stock. Nil means a randomly seeded source.
	Rand *rand.Rand
	// Logger receives start-up notes. Nil means slog.Default().
	Logger *slog.Logger
	// MaxConns bounds the connection pool. Default 8.
	MaxConns int32
}

// Postgres is the Store backed by PostgreSQL through pgx. Several nodes may share one
// database: migrations and seeding take an advisory lock, and a sale is one conditional
// UPDATE, atomic under concurrency.
type Postgres struct {
	pool   *pgxpool.Pool
	leases leaseSet // the reducer leads granted, released by Close
}

var _ Store = (*Postgres)(nil)

// IsPostgresURL reports whether a -db value names a PostgreSQL database rather than a
// SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// CheckPostgresURL reports, without connecting, an error wrapping ErrInvalid when url is
// not a valid PostgreSQL URL.
func CheckPostgresURL(url string) error {
	if _, err := pgxpool.ParseConfig(url); err != nil {
		return fmt.Errorf("postgres url: %w: %w", ErrInvalid, err)
	}
	return nil
}

// OpenPostgres connects to the database at url (postgres://user:pass@host/db?…), applies
// the embedded migrations and seeds an empty catalog.
func OpenPostgres(ctx context.Context, url string, opts PostgresOptions) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w: %w", ErrInvalid, err)
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", cfg.ConnConfig.Host, err)
	}
	s := &Postgres{pool: pool}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if err := s.init(ctx, opts, logger); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

func (s *Postgres) init(ctx context.Context, opts PostgresOptions, logger *slog.Logger) error {
	ms, err := loadMigrations(postgresMigrations, "migrations/postgres")
	if err != nil {
		return err
	}
	var applied int
	seeded := false
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		for _, m := range ms {
			if m.version <= current {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			applied++
		}
		var products int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM products`).Scan(&products); err != nil {
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
		seeded = true
		return resetTx(ctx, tx, ps, items)
	})
	if err != nil {
		return err
	}
	if applied > 0 {
		logger.Info("store: applied migrations", "count", applied)
	}
	if seeded {
		logger.Info("store: seeded catalog", "reseed", opts.Reseed)
	}
	return nil
}

// Close releases the reducer's lead when this store holds it, and closes the connection
// pool.
func (s *Postgres) Close() error {
	s.leases.close()
	s.pool.Close()
	return nil
}

func (s *Postgres) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// Catalog implements Store. Both queries read one snapshot (REPEATABLE READ).
func (s *Postgres) Catalog(ctx context.Context) ([]Product, []Item, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT id, sku, sort_order, brand, name, color, price_usd, main_image_url, released
		FROM products ORDER BY sort_order, id`)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	products, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Product, error) {
		var p Product
		err := row.Scan(&p.ID, &p.SKU, &p.Order, &p.Brand, &p.Name, &p.Color, &p.PriceUSD, &p.MainImageURL, &p.Released)
		return p, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT i.id, i.sku, i.size, i.product_id, COALESCE(a.available_count, 0), COALESCE(a.version, 0)
		FROM items i LEFT JOIN availabilities a ON a.item_id = i.id ORDER BY i.id`)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) {
		var it Item
		err := row.Scan(&it.ID, &it.SKU, &it.Size, &it.ProductID, &it.AvailableCount, &it.Version)
		return it, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %w", err)
	}
	return products, items, nil
}

// Release implements Store.
func (s *Postgres) Release(ctx context.Context, productID int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE products SET released = TRUE WHERE id = $1 AND NOT released`, productID)
	if err != nil {
		return false, fmt.Errorf("release product %d: %w", productID, err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if err := s.exists(ctx, `SELECT 1 FROM products WHERE id = $1`, productID); err != nil {
		return false, fmt.Errorf("release product %d: %w", productID, err)
	}
	return false, nil
}

// Sell implements Store.
func (s *Postgres) Sell(ctx context.Context, itemID int64, count int) (Stock, error) {
	if count < 1 {
		return Stock{}, fmt.Errorf("sell item %d: %w: count %d is below 1", itemID, ErrInvalid, count)
	}
	st := Stock{ItemID: itemID}
	err := pgSell(ctx, s.pool, itemID, count, &st)
	if errors.Is(err, ErrNotAvailable) {
		return st, fmt.Errorf("sell %d of item %d: %w", count, itemID, err)
	}
	if err != nil {
		return Stock{}, fmt.Errorf("sell %d of item %d: %w", count, itemID, err)
	}
	return st, nil
}

// pgSell takes count units of itemID through q in one statement and fills st with the
// stock left. It returns ErrNotFound for an unknown item, and ErrNotAvailable (st then
// holds what is left) when fewer than count remain.
func pgSell(ctx context.Context, q pgQueryer, itemID int64, count int, st *Stock) error {
	err := q.QueryRow(ctx, `UPDATE availabilities SET available_count = available_count - $1, version = version + 1
		WHERE item_id = $2 AND available_count >= $1 RETURNING available_count, version`, count, itemID).Scan(&st.Count, &st.Version)
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	err = q.QueryRow(ctx, `SELECT available_count, version FROM availabilities WHERE item_id = $1`, itemID).Scan(&st.Count, &st.Version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	}
	return ErrNotAvailable
}

// Versions implements Store. Both queries read one snapshot (REPEATABLE READ).
func (s *Postgres) Versions(ctx context.Context) (Versions, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	defer tx.Rollback(ctx)
	v := Versions{Items: map[int64]int64{}, Released: map[int64]bool{}}
	rows, err := tx.Query(ctx, `SELECT i.id, COALESCE(a.version, 0) FROM items i LEFT JOIN availabilities a ON a.item_id = i.id`)
	if err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	var id, version int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &version}, func() error {
		v.Items[id] = version
		return nil
	}); err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT id, released FROM products`)
	if err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	var released bool
	if _, err := pgx.ForEachRow(rows, []any{&id, &released}, func() error {
		v.Released[id] = released
		return nil
	}); err != nil {
		return Versions{}, fmt.Errorf("versions: %w", err)
	}
	return v, nil
}

// Stocks implements Store.
func (s *Postgres) Stocks(ctx context.Context, itemIDs []int64) ([]Stock, error) {
	if len(itemIDs) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT item_id, available_count, version FROM availabilities
		WHERE item_id = ANY($1) ORDER BY item_id`, itemIDs)
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Stock, error) {
		var st Stock
		err := row.Scan(&st.ItemID, &st.Count, &st.Version)
		return st, err
	})
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	return out, nil
}

// Ping implements Store.
func (s *Postgres) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

func (s *Postgres) exists(ctx context.Context, query string, id int64) error {
	var one int
	err := s.pool.QueryRow(ctx, query, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Reset implements Store. It empties every cart (cart rows reference items) and keeps the
// orders.
func (s *Postgres) Reset(ctx context.Context, products []Product, items []Item) error {
	if err := Validate(products, items); err != nil {
		return fmt.Errorf("reset catalog: %w", err)
	}
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return resetTx(ctx, tx, products, items) }); err != nil {
		return fmt.Errorf("reset catalog: %w", err)
	}
	return nil
}

func resetTx(ctx context.Context, tx pgx.Tx, products []Product, items []Item) error {
	// Start above every version the old catalog had, so that nodes holding it see every
	// item of the new one as newer. The lock keeps a concurrent sale from bumping a
	// version past base before the table is emptied.
	if _, err := tx.Exec(ctx, `LOCK TABLE availabilities IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock availabilities: %w", err)
	}
	var base int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version) + 1, 0) FROM availabilities`).Scan(&base); err != nil {
		return fmt.Errorf("read versions: %w", err)
	}
	if _, err := tx.Exec(ctx, `TRUNCATE cart_items, availabilities, items, products`); err != nil {
		return err
	}
	for _, p := range products {
		if _, err := tx.Exec(ctx, `INSERT INTO products (id, sku, sort_order, brand, name, color, price_usd, main_image_url, released)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.SKU, p.Order, p.Brand, p.Name, p.Color, p.PriceUSD, p.MainImageURL, p.Released); err != nil {
			return fmt.Errorf("insert product %d: %w", p.ID, err)
		}
	}
	for _, it := range items {
		if _, err := tx.Exec(ctx, `INSERT INTO items (id, sku, size, product_id) VALUES ($1, $2, $3, $4)`,
			it.ID, it.SKU, it.Size, it.ProductID); err != nil {
			return fmt.Errorf("insert item %d: %w", it.ID, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO availabilities (item_id, available_count, version) VALUES ($1, $2, $3)`,
			it.ID, it.AvailableCount, base); err != nil {
			return fmt.Errorf("insert availability of item %d: %w", it.ID, err)
		}
	}
	return nil
}
