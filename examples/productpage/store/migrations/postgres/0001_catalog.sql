-- The catalog: products, their items (sizes) and each item's stock.
CREATE TABLE products (
    id             BIGINT  PRIMARY KEY,
    sku            TEXT    NOT NULL UNIQUE,
    sort_order     INTEGER NOT NULL,
    brand          TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    color          TEXT    NOT NULL,
    price_usd      INTEGER NOT NULL CHECK (price_usd >= 0),
    main_image_url TEXT    NOT NULL,
    released       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE items (
    id         BIGINT PRIMARY KEY,
    sku        TEXT   NOT NULL UNIQUE,
    size       TEXT   NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE
);

CREATE INDEX items_product_id ON items (product_id);

CREATE TABLE availabilities (
    item_id         BIGINT  PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    available_count INTEGER NOT NULL CHECK (available_count >= 0)
);
