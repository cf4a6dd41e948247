-- Carts and orders.
--
-- A cart is nothing but its rows here: cart_id is an opaque token chosen by the caller. seq
-- orders a cart newest first; an add takes one more than the cart's highest seq (adds are
-- serialised by the write lock), so it only grows within a cart. A catalog reset deletes
-- every cart row before the items they reference.
CREATE TABLE cart_items (
    cart_id TEXT    NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (cart_id, item_id)
) WITHOUT ROWID;

-- An order is written once and never changed. (cart_id, purchase_key) is unique so that a
-- retried purchase finds the order it made instead of selling twice. created_at is UTC in
-- the form 2006-01-02T15:04:05.000000Z.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    cart_id      TEXT    NOT NULL,
    purchase_key TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    total_usd    INTEGER NOT NULL CHECK (total_usd >= 0),
    UNIQUE (cart_id, purchase_key)
);

-- One unit bought, copied from the catalog at the time of the sale. item_id and product_id
-- have no foreign key on purpose: a catalog reset replaces items and must keep orders.
-- pos is the line's place in the order (0 = the cart's newest item).
CREATE TABLE order_items (
    order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    item_id    INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    brand      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    size       TEXT    NOT NULL,
    price_usd  INTEGER NOT NULL CHECK (price_usd >= 0),
    remaining  INTEGER NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (order_id, pos)
) WITHOUT ROWID;
