package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// cartLockClass is the first key of the two-key advisory locks that serialise the writers
// of one cart (the second key is a hash of the cart id). The two-key space does not overlap
// the one-key space of migrationLock.
const cartLockClass int32 = 0x676c6e // "gln"

// lockCart takes the transaction-scoped advisory lock of a cart. Every transaction that
// changes a cart takes it first and takes no other cart's, so these locks cannot deadlock;
// a hash collision only makes two carts wait for each other.
func lockCart(ctx context.Context, tx pgx.Tx, cartID string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, cartLockClass, cartID); err != nil {
		return fmt.Errorf("lock cart: %w", err)
	}
	return nil
}

// Cart implements Shop.
func (s *Postgres) Cart(ctx context.Context, cartID string) ([]int64, error) {
	if err := checkCartID(cartID); err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT item_id FROM cart_items WHERE cart_id = $1 ORDER BY seq DESC`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

// AddToCart implements Shop. The cart's advisory lock makes the count check and the insert
// atomic against other adds to the cart, from any node.
func (s *Postgres) AddToCart(ctx context.Context, cartID string, itemID int64) (bool, error) {
	if err := checkCartID(cartID); err != nil {
		return false, fmt.Errorf("add item %d to cart: %w", itemID, err)
	}
	var added bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCart(ctx, tx, cartID); err != nil {
			return err
		}
		var n int
		var dup, known bool
		err := tx.QueryRow(ctx, `SELECT
				(SELECT COUNT(*) FROM cart_items WHERE cart_id = $1),
				EXISTS (SELECT 1 FROM cart_items WHERE cart_id = $1 AND item_id = $2),
				EXISTS (SELECT 1 FROM items WHERE id = $2)`, cartID, itemID).Scan(&n, &dup, &known)
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
		if _, err := tx.Exec(ctx, `INSERT INTO cart_items (cart_id, item_id) VALUES ($1, $2)`, cartID, itemID); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23503" { // foreign_key_violation: a reset removed the item
				return ErrNotFound
			}
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

// RemoveFromCart implements Shop. It takes the cart's lock so that it happens entirely
// before or after a concurrent purchase of the cart.
func (s *Postgres) RemoveFromCart(ctx context.Context, cartID string, itemID int64) (bool, error) {
	if err := checkCartID(cartID); err != nil {
		return false, fmt.Errorf("remove item %d from cart: %w", itemID, err)
	}
	var removed bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCart(ctx, tx, cartID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM cart_items WHERE cart_id = $1 AND item_id = $2`, cartID, itemID)
		removed = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("remove item %d from cart: %w", itemID, err)
	}
	return removed, nil
}

// Purchase implements Shop. In one READ COMMITTED transaction it takes the cart's advisory
// lock (so one cart is bought once, whatever the node), looks for an order with the key,
// then reads the cart while locking its items' availability rows (SELECT … FOR UPDATE, in
// item id order, so that purchases sharing items queue instead of deadlocking and each sees
// the stock the previous one left), checks, decrements, records the order and empties the
// cart.
func (s *Postgres) Purchase(ctx context.Context, cartID, key string) (Order, bool, error) {
	if err := checkCartID(cartID); err != nil {
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	if err := checkToken("purchase key", key); err != nil {
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	var o Order
	var replayed bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCart(ctx, tx, cartID); err != nil {
			return err
		}
		prev, err := pgOrder(ctx, tx, `o.cart_id = $1 AND o.purchase_key = $2`, cartID, key)
		if err == nil {
			o, replayed = prev, true
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		lines, err := pgLockCartLines(ctx, tx, cartID)
		if err != nil {
			return err
		}
		if err := checkLines(lines); err != nil {
			return err
		}
		ids := make([]int64, len(lines))
		for i, l := range lines {
			ids[i] = l.item.ItemID
		}
		remaining, err := pgTakeOne(ctx, tx, ids)
		if err != nil {
			return err
		}
		created := time.Now().UTC().Truncate(time.Microsecond)
		var ok bool
		if o, ok = newOrder(cartID, key, created, lines, remaining); !ok {
			return ErrPurchaseFailed
		}
		o.ID, err = pgInsertOrder(ctx, tx, o)
		return err
	})
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") { // serialization_failure, deadlock_detected
			err = fmt.Errorf("%w: %w", ErrPurchaseFailed, err)
		}
		return Order{}, false, fmt.Errorf("purchase: %w", err)
	}
	return o, replayed, nil
}

// pgLockCartLines reads a cart's items with their catalog data and stock, locking the
// availability rows in item id order, and returns them newest first.
func pgLockCartLines(ctx context.Context, tx pgx.Tx, cartID string) ([]cartLine, error) {
	rows, err := tx.Query(ctx, `SELECT ci.seq, ci.item_id, i.product_id, p.brand, p.name, i.size, p.price_usd,
			a.available_count, p.released
		FROM cart_items ci
		JOIN items i ON i.id = ci.item_id
		JOIN products p ON p.id = i.product_id
		JOIN availabilities a ON a.item_id = ci.item_id
		WHERE ci.cart_id = $1
		ORDER BY a.item_id
		FOR UPDATE OF a`, cartID)
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	type seqLine struct {
		seq int64
		cartLine
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (seqLine, error) {
		var l seqLine
		err := row.Scan(&l.seq, &l.item.ItemID, &l.item.ProductID, &l.item.Brand, &l.item.Name, &l.item.Size,
			&l.item.PriceUSD, &l.available, &l.released)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read cart: %w", err)
	}
	slices.SortFunc(lines, func(a, b seqLine) int { return cmp.Compare(b.seq, a.seq) })
	out := make([]cartLine, len(lines))
	for i, l := range lines {
		out[i] = l.cartLine
	}
	return out, nil
}

// pgTakeOne decrements the stock of each item that has a unit left, bumping its version,
// in one conditional UPDATE, and returns each decremented item's stock.
func pgTakeOne(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]Stock, error) {
	rows, err := tx.Query(ctx, `UPDATE availabilities SET available_count = available_count - 1, version = version + 1
		WHERE item_id = ANY($1) AND available_count >= 1
		RETURNING item_id, available_count, version`, ids)
	if err != nil {
		return nil, fmt.Errorf("take stock: %w", err)
	}
	remaining := make(map[int64]Stock, len(ids))
	var st Stock
	if _, err := pgx.ForEachRow(rows, []any{&st.ItemID, &st.Count, &st.Version}, func() error {
		remaining[st.ItemID] = st
		return nil
	}); err != nil {
		return nil, fmt.Errorf("take stock: %w", err)
	}
	return remaining, nil
}

// pgInsertOrder writes an order, its items and empties its cart in one statement, and
// returns the new order's id.
func pgInsertOrder(ctx context.Context, tx pgx.Tx, o Order) (int64, error) {
	n := len(o.Items)
	itemIDs, productIDs := make([]int64, n), make([]int64, n)
	brands, names, sizes := make([]string, n), make([]string, n), make([]string, n)
	prices, remaining := make([]int32, n), make([]int32, n)
	versions := make([]int64, n)
	for i, it := range o.Items {
		itemIDs[i], productIDs[i] = it.ItemID, it.ProductID
		brands[i], names[i], sizes[i] = it.Brand, it.Name, it.Size
		prices[i], remaining[i] = int32(it.PriceUSD), int32(it.Remaining)
		versions[i] = it.Version
	}
	var id int64
	err := tx.QueryRow(ctx, `WITH o AS (
			INSERT INTO orders (cart_id, purchase_key, created_at, total_usd) VALUES ($1, $2, $3, $4)
			RETURNING id
		), oi AS (
			INSERT INTO order_items (order_id, pos, item_id, product_id, brand, name, size, price_usd, remaining, version)
			SELECT o.id, u.ord - 1, u.item_id, u.product_id, u.brand, u.name, u.size, u.price_usd, u.remaining, u.version
			FROM o, unnest($5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::int[], $11::int[], $12::bigint[])
				WITH ORDINALITY AS u (item_id, product_id, brand, name, size, price_usd, remaining, version, ord)
		), emptied AS (
			DELETE FROM cart_items WHERE cart_id = $1
		)
		SELECT id FROM o`,
		o.CartID, o.Key, o.CreatedAt, o.TotalUSD,
		itemIDs, productIDs, brands, names, sizes, prices, remaining, versions).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert order: %w", err)
	}
	return id, nil
}

// Order implements Shop.
func (s *Postgres) Order(ctx context.Context, orderID int64) (Order, error) {
	o, err := pgOrder(ctx, s.pool, `o.id = $1`, orderID)
	if err != nil {
		return Order{}, fmt.Errorf("read order %d: %w", orderID, err)
	}
	return o, nil
}

// pgQueryer is a pool or a transaction.
type pgQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgOrder reads the order that where (on orders o) selects, with its items, in one query,
// or returns ErrNotFound.
func pgOrder(ctx context.Context, q pgQueryer, where string, args ...any) (Order, error) {
	rows, err := q.Query(ctx, `SELECT o.id, o.cart_id, o.purchase_key, o.created_at, o.total_usd,
			oi.item_id, oi.product_id, oi.brand, oi.name, oi.size, oi.price_usd, oi.remaining, oi.version
		FROM orders o JOIN order_items oi ON oi.order_id = o.id
		WHERE `+where+` ORDER BY oi.pos`, args...)
	if err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	var o Order
	var it OrderItem
	if _, err := pgx.ForEachRow(rows, []any{&o.ID, &o.CartID, &o.Key, &o.CreatedAt, &o.TotalUSD,
		&it.ItemID, &it.ProductID, &it.Brand, &it.Name, &it.Size, &it.PriceUSD, &it.Remaining, &it.Version}, func() error {
		o.Items = append(o.Items, it)
		return nil
	}); err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	if len(o.Items) == 0 {
		return Order{}, ErrNotFound
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, nil
}
