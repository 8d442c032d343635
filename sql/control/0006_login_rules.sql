-- Login rules of issue #11: a counter's previous window (the plan-wide "under attack" rule stays on
-- for the window after one that went over), and whether each plan is under attack, so each switch
-- is logged and counted once whichever replica sees it.
ALTER TABLE control.rate_limits ADD COLUMN previous_hits integer NOT NULL DEFAULT 0;

-- One row per plan that was ever under attack; switched with a compare-and-set, so of many
-- concurrent logins exactly one records (and logs) a switch. Unlogged like the counters it follows.
CREATE UNLOGGED TABLE control.login_plan_state (
    plan_slug     text PRIMARY KEY,
    under_attack  boolean NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
