package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteTimeLayout is how orders.created_at is stored: UTC, microseconds, sortable.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// Cart implements Shop.
func (s *SQLite) Cart(ctx context.Context, cartID string) ([]int64, error) {
	if err := checkCartID(cartID); err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT item_id FROM cart_items WHERE cart_id = ? ORDER BY seq DESC`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read cart: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	return ids, nil
}

// AddToCart implements Shop. The checks and the insert share one BEGIN IMMEDIATE
// transaction, so concurrent adds to one cart cannot overfill it.
func (s *SQLite) AddToCart(ctx context.Context, cartID string, itemID int64) (bool, error) {
	if err := checkCartID(cartID); err != nil {
		return false, fmt.Errorf("add item %d to cart: %w", itemID, err)
	}
	var added bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		var n, top int
		var dup, known bool
		err := tx.QueryRowContext(ctx, `SELECT
				(SELECT COUNT(*) FROM cart_items WHERE cart_id = ?1),
				(SELECT COALESCE(MAX(seq), 0) FROM cart_items WHERE cart_id = ?1),
				EXISTS (SELECT 1 FROM cart_items WHERE cart_id = ?1 AND item_id = ?2),
				EXISTS (SELECT 1 FROM items WHERE id = ?2)`, cartID, itemID).Scan(&n, &top, &dup, &known)
		switch {
		case err != nil:
			return err
		case dup:
			return nil
		case !known:
			return ErrNotFound
		case n >= MaxCartItems:
			return ErrCartFull
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cart_items (cart_id, item_id, seq) VALUES (?, ?, ?)`,
			cartID, itemID, top+1); err != nil {
			return err
		}
		added = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("add item %d to cart: %w", itemID, err)
	}
	return added, nil
}

// RemoveFromCart implements Shop.
func (s *SQLite) RemoveFromCart(ctx context.Context, cartID string, itemID int64) (bool, error) {
	if err := checkCartID(cartID); err != nil {
		return false, fmt.Errorf("remove item %d from cart: %w", itemID, err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = ? AND item_id = ?`, cartID, itemID)
	if err != nil {
		return false, fmt.Errorf("remove item %d from cart: %w", itemID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("remove item %d from cart: %w", itemID, err)
	}
	return n == 1, nil
}

// Purchase implements Shop. Everything happens in one BEGIN IMMEDIATE transaction, which
// holds the database's write lock from the start: no other writer, in this process or
// another, runs between the checks and the sale.
func (s *SQLite) Purchase(ctx context.Context, cartID, key string) (Order, bool, error) {
	if err := checkCartID(cartID); err != nil {
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	if err := checkToken("purchase key", key); err != nil {
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	var o Order
	var replayed bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		prev, err := sqliteOrder(ctx, tx, `o.cart_id = ? AND o.purchase_key = ?`, cartID, key)
		if err == nil {
			o, replayed = prev, true
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		lines, err := sqliteCartLines(ctx, tx, cartID)
		if err != nil {
			return err
		}
		if err := checkLines(lines); err != nil {
			return err
		}
		remaining, err := sqliteTakeOne(ctx, tx, cartID, len(lines))
		if err != nil {
			return err
		}
		created := time.Now().UTC().Truncate(time.Microsecond)
		var ok bool
		if o, ok = newOrder(cartID, key, created, lines, remaining); !ok {
			return ErrPurchaseFailed
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO orders (cart_id, purchase_key, created_at, total_usd)
			VALUES (?, ?, ?, ?) RETURNING id`, cartID, key, created.Format(sqliteTimeLayout), o.TotalUSD).Scan(&o.ID); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if err := sqliteInsertOrderItems(ctx, tx, o); err != nil {
			return fmt.Errorf("insert order items: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cart_items WHERE cart_id = ?`, cartID); err != nil {
			return fmt.Errorf("empty cart: %w", err)
		}
		return nil
	})
	if err != nil {
		if isSQLiteBusy(err) {
			err = fmt.Errorf("%w: %w", ErrPurchaseFailed, err)
		}
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	return o, replayed, nil
}

// sqliteCartLines reads a cart's items, newest first, with their catalog data and stock.
func sqliteCartLines(ctx context.Context, tx *sql.Tx, cartID string) ([]cartLine, error) {
	rows, err := tx.QueryContext(ctx, `SELECT ci.item_id, i.product_id, p.brand, p.name, i.size, p.price_usd,
			COALESCE(a.available_count, 0), p.released
		FROM cart_items ci
		JOIN items i ON i.id = ci.item_id
		JOIN products p ON p.id = i.product_id
		LEFT JOIN availabilities a ON a.item_id = ci.item_id
		WHERE ci.cart_id = ?
		ORDER BY ci.seq DESC`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	defer rows.Close()
	var lines []cartLine
	for rows.Next() {
		var l cartLine
		if err := rows.Scan(&l.item.ItemID, &l.item.ProductID, &l.item.Brand, &l.item.Name, &l.item.Size,
			&l.item.PriceUSD, &l.available, &l.released); err != nil {
			return nil, fmt.Errorf("read cart: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	return lines, nil
}

// sqliteTakeOne decrements, in one conditional UPDATE, the stock of every item of a cart
// that has a unit left, bumping its version, and returns each decremented item's stock. A
// result smaller than n means some item had none left; the caller then rolls back.
func sqliteTakeOne(ctx context.Context, tx *sql.Tx, cartID string, n int) (map[int64]Stock, error) {
	rows, err := tx.QueryContext(ctx, `UPDATE availabilities SET available_count = available_count - 1, version = version + 1
		WHERE item_id IN (SELECT item_id FROM cart_items WHERE cart_id = ?) AND available_count >= 1
		RETURNING item_id, available_count, version`, cartID)
	if err != nil {
		return nil, fmt.Errorf("take stock: %w", err)
	}
	defer rows.Close()
	remaining := make(map[int64]Stock, n)
	for rows.Next() {
		var st Stock
		if err := rows.Scan(&st.ItemID, &st.Count, &st.Version); err != nil {
			return nil, fmt.Errorf("take stock: %w", err)
		}
		remaining[st.ItemID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("take stock: %w", err)
	}
	return remaining, nil
}

// sqliteInsertOrderItems writes an order's items in one multi-row INSERT.
func sqliteInsertOrderItems(ctx context.Context, tx *sql.Tx, o Order) error {
	const cols = 10
	var q strings.Builder
	q.WriteString(`INSERT INTO order_items (order_id, pos, item_id, product_id, brand, name, size, price_usd, remaining, version) VALUES `)
	args := make([]any, 0, cols*len(o.Items))
	for i, it := range o.Items {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(`(?,?,?,?,?,?,?,?,?,?)`)
		args = append(args, o.ID, i, it.ItemID, it.ProductID, it.Brand, it.Name, it.Size, it.PriceUSD, it.Remaining, it.Version)
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}

// Order implements Shop.
func (s *SQLite) Order(ctx context.Context, orderID int64) (Order, error) {
	o, err := sqliteOrder(ctx, s.db, `o.id = ?`, orderID)
	if err != nil {
		return Order{}, fmt.Errorf("read order %d: %w", orderID, err)
	}
	return o, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqliteOrder reads the order that where (on orders o) selects, with its items, in one
// query, or returns ErrNotFound.
func sqliteOrder(ctx context.Context, q queryer, where string, args ...any) (Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.cart_id, o.purchase_key, o.created_at, o.total_usd,
			oi.item_id, oi.product_id, oi.brand, oi.name, oi.size, oi.price_usd, oi.remaining, oi.version
		FROM orders o JOIN order_items oi ON oi.order_id = o.id
		WHERE `+where+` ORDER BY oi.pos`, args...)
	if err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	defer rows.Close()
	var o Order
	var created string
	for rows.Next() {
		var it OrderItem
		if err := rows.Scan(&o.ID, &o.CartID, &o.Key, &created, &o.TotalUSD,
			&it.ItemID, &it.ProductID, &it.Brand, &it.Name, &it.Size, &it.PriceUSD, &it.Remaining, &it.Version); err != nil {
			return Order{}, fmt.Errorf("read order: %w", err)
		}
		o.Items = append(o.Items, it)
	}
	if err := rows.Err(); err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	if len(o.Items) == 0 {
		return Order{}, ErrNotFound
	}
	if o.CreatedAt, err = time.Parse(sqliteTimeLayout, created); err != nil {
		return Order{}, fmt.Errorf("read order %d: created_at: %w", o.ID, err)
	}
	return o, nil
}

// isSQLiteBusy reports whether err is SQLite giving up on a lock (after busy_timeout).
func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}
