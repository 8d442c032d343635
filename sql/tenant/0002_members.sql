-- The plan's roster: the members the TPA loads and registrants must match (seed steps 3 and 6).
CREATE TABLE members (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Normalised: upper-case, without spaces or dashes.
    certificate_number  text NOT NULL UNIQUE CHECK (certificate_number ~ '^[A-Z0-9]{1,30}$'),
    last_name           text NOT NULL,
    first_name          text NOT NULL,
    -- Matching keys: lower-case, accents, spaces, hyphens and apostrophes removed.
    last_name_key       text NOT NULL,
    first_name_key      text NOT NULL,
    date_of_birth       date NOT NULL,
    email               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
