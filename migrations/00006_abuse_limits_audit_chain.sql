-- +goose Up

-- New accounts per client IP per hour, and votes per member per day.
ALTER TABLE site_settings
    ADD COLUMN signups_per_ip_per_hour int NOT NULL DEFAULT 3 CHECK (signups_per_ip_per_hour > 0),
    ADD COLUMN votes_per_day           int NOT NULL DEFAULT 500 CHECK (votes_per_day > 0);

-- Every rate event says when it stops mattering: windows now range from a
-- minute (votes, requests) to a day (the daily vote cap), and the sweep
-- drops each row when its own window has passed.
ALTER TABLE rate_events ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour';
UPDATE rate_events SET expires_at = created_at + interval '1 hour';
CREATE INDEX rate_events_expires_idx ON rate_events (expires_at);

-- Erasing an account rewrites the notifications it caused.
CREATE INDEX notifications_actor_idx ON notifications (actor_id) WHERE actor_id IS NOT NULL;

-- The audit log refuses TRUNCATE too (UPDATE and DELETE are refused since
-- 00002), and every row is chained to the one before it: hash =
-- SHA-256(previous row's hash || the row's content), so changing, removing
-- or reordering a row shows as a broken link (`crowdwise audit verify`).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

ALTER TABLE audit_log ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

-- The end of the chain. Its row lock serialises chained inserts, so two
-- transactions writing audit entries at once cannot both link to the same
-- predecessor; the id is assigned under that lock, so id order is chain order.
CREATE TABLE audit_chain (
    id        int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_id   bigint,
    last_hash bytea
);

-- The hashed content of a row: a JSON array is an unambiguous encoding, and
-- jsonb text and epoch seconds do not depend on the session's settings.
-- +goose StatementBegin
CREATE FUNCTION audit_log_content(a audit_log) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_array(a.id, a.actor_id, a.action, a.target_type, a.target_id, a.before, a.after,
        extract(epoch FROM a.created_at))::text
    $$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head audit_chain;
BEGIN
    SELECT * INTO head FROM audit_chain WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_chain head row is missing';
    END IF;
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.prev_hash := head.last_hash;
    NEW.hash := sha256(coalesce(head.last_hash, ''::bytea) || convert_to(audit_log_content(NEW), 'UTF8'));
    UPDATE audit_chain SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- Chain the rows an existing database already holds, in id order.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
-- +goose StatementBegin
DO $$
DECLARE
    r    audit_log;
    prev bytea;
    tail_id bigint;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        UPDATE audit_log
           SET prev_hash = prev, hash = sha256(coalesce(prev, ''::bytea) || convert_to(audit_log_content(r), 'UTF8'))
         WHERE id = r.id
        RETURNING hash INTO prev;
        tail_id := r.id;
    END LOOP;
    INSERT INTO audit_chain (id, last_id, last_hash) VALUES (1, tail_id, prev);
END;
$$;
-- +goose StatementEnd
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- +goose Down
DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_log_content(audit_log);
DROP TABLE audit_chain;
ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP INDEX notifications_actor_idx;
DROP INDEX rate_events_expires_idx;
ALTER TABLE rate_events DROP COLUMN expires_at;
ALTER TABLE site_settings DROP COLUMN votes_per_day, DROP COLUMN signups_per_ip_per_hour;
