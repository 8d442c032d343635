-- The plan's portal logo (issue #12): at most one row. Its facts (type, size, SHA-256) are also
-- in control.plans.settings.branding.logo, written in the same transaction, so the public plan
-- view needs no query of this schema; the bytes are read only to serve the image.
CREATE TABLE branding_logo (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    content_type  text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    content       bytea NOT NULL CHECK (length(content) BETWEEN 1 AND 262144),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
