-- Cooldown budgets shared by every instance: one token bucket per key (a user or a chat).
-- `last` is the server's clock (epoch seconds), so instances on machines whose clocks differ
-- still refill alike. `result` holds what the last statement on the row decided (allowed, or
-- whether to tell), so that each check is one atomic INSERT ... ON CONFLICT ... RETURNING.
-- UNLOGGED: no WAL, so no disk flush per question; a server crash empties it (everyone starts
-- with a full budget), which is harmless.
CREATE UNLOGGED TABLE budgets (
    key    text PRIMARY KEY,
    tokens double precision NOT NULL,
    last   double precision NOT NULL,
    told   boolean NOT NULL DEFAULT false,
    result boolean NOT NULL DEFAULT true
);
