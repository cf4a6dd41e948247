-- The reducer: one row, shared by every node, so that a drop's crowd runs once for the
-- whole cluster and survives restarts.
--
-- running, per_tick and tick_us are what the admin last asked for; sales counts the sales
-- of the current (or last) run and is bumped in the same transaction as each of them. run
-- is bumped by every start and stop, and leader by every change of leader: a reducer sale
-- names both and is refused unless they still match and running is set, so a node that
-- lost the lead, or a run the admin restarted or stopped, can sell nothing more.
CREATE TABLE reducer (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    running  INTEGER NOT NULL DEFAULT 0 CHECK (running IN (0, 1)),
    per_tick INTEGER NOT NULL DEFAULT 0 CHECK (per_tick >= 0),
    tick_us  INTEGER NOT NULL DEFAULT 0 CHECK (tick_us >= 0),
    sales    INTEGER NOT NULL DEFAULT 0,
    run      INTEGER NOT NULL DEFAULT 0,
    leader   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO reducer (id) VALUES (1);
