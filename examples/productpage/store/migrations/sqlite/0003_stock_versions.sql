-- Stock versions.
--
-- Every change of an item's available count bumps its version in the same statement, so
-- that a node caching counts can tell a newer count from a stale or repeated one, and can
-- find the items it holds out of date by comparing versions alone. A catalog reset starts
-- every item above the highest version the table held. An order line records the version
-- its sale left the item at.
ALTER TABLE availabilities ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
