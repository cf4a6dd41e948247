-- Carts and orders.
--
-- A cart is nothing but its rows here: cart_id is an opaque token chosen by the caller.
-- seq, drawn from an identity sequence, only grows and orders a cart newest first. Writers
-- of one cart serialise on a transaction-scoped advisory lock (see postgres_shop.go). A
-- catalog reset truncates cart_items together with the items they reference.
CREATE TABLE cart_items (
    cart_id TEXT   NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (cart_id, item_id)
);

-- An order is written once and never changed. (cart_id, purchase_key) is unique so that a
-- retried purchase finds the order it made instead of selling twice.
CREATE TABLE orders (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cart_id      TEXT        NOT NULL,
    purchase_key TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    total_usd    INTEGER     NOT NULL CHECK (total_usd >= 0),
    UNIQUE (cart_id, purchase_key)
);

-- One unit bought, copied from the catalog at the time of the sale. item_id and product_id
-- have no foreign key on purpose: a catalog reset replaces items and must keep orders.
-- pos is the line's place in the order (0 = the cart's newest item).
CREATE TABLE order_items (
    order_id   BIGINT  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    item_id    BIGINT  NOT NULL,
    product_id BIGINT  NOT NULL,
    brand      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    size       TEXT    NOT NULL,
    price_usd  INTEGER NOT NULL CHECK (price_usd >= 0),
    remaining  INTEGER NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (order_id, pos)
);
