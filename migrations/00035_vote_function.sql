-- +goose Up
-- A vote was a transaction of five round trips (BEGIN, lock, change,
-- limits, COMMIT) after the token lookup; on two cores the protocol, the
-- executor start of each statement and the app's side of each trip were
-- about half of a vote's CPU. cw_vote does the same work in one call, in
-- the caller's transaction or its own. The rate-limit upsert and the vote
-- change each get one definition here, which the app's other callers use
-- too. PL/pgSQL, not SQL functions: their statements' plans are cached per
-- connection, where a non-inlinable SQL function is planned on every call.

-- +goose StatementBegin
-- cw_votable is whether an idea takes votes (Idea.Votable in the app), one
-- definition for every statement that asks; inlined where it is called.
CREATE FUNCTION cw_votable(moderation text, deleted_at timestamptz, merged_into_id bigint, status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL
        AND status NOT IN ('merged', 'declined', 'shipped') $$;

-- cw_hit_rates counts one event under each key (with its window, bucket
-- step and limit) and returns each key's total in the window with, when it
-- is over the limit, the seconds until enough of its oldest buckets have
-- left the window for this event to fit. ON CONFLICT locks the key's row
-- and computes the new buckets from its latest committed version, so
-- concurrent hits on a key queue on the row and each counts the others,
-- whatever bucket they fall in. Rows are inserted, and so locked, in key
-- order: requests sharing several keys cannot deadlock. The caller rolls
-- back when a key is over: a refused request records nothing.
CREATE FUNCTION cw_hit_rates(p_keys text[], p_wins interval[], p_steps interval[], p_lims bigint[])
RETURNS TABLE (hit_key text, hit_total bigint, hit_wait double precision) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY WITH k (key, win, step, lim) AS (SELECT * FROM unnest(p_keys, p_wins, p_steps, p_lims)),
    up AS (INSERT INTO rate_keys AS r (key, win, buckets, counts, sweep_at)
        SELECT n.key, n.win, ARRAY[n.b], ARRAY[1], date_bin('1 hour', n.b + n.win, timestamptz '2000-01-01') + interval '1 hour'
        FROM (SELECT k.key, k.win, date_bin(k.step, now(), timestamptz '2000-01-01') AS b FROM k) n ORDER BY n.key
        ON CONFLICT (key) DO UPDATE SET win = excluded.win, sweep_at = excluded.sweep_at,
            (buckets, counts) = (SELECT array_agg(kept.b ORDER BY kept.b), array_agg(kept.n ORDER BY kept.b) FROM (
                SELECT o.b, o.n + (o.b = excluded.buckets[1])::int AS n
                FROM unnest(r.buckets, r.counts) o (b, n) WHERE o.b > now() - excluded.win
                UNION ALL
                SELECT excluded.buckets[1], 1 WHERE excluded.buckets[1] <> ALL (r.buckets)) kept)
        RETURNING r.key, r.win, r.buckets, r.counts)
    SELECT up.key, t.total, w.wait
    FROM up JOIN k ON k.key = up.key
    CROSS JOIN LATERAL (SELECT sum(c.n)::bigint AS total FROM unnest(up.counts) c (n)) t
    LEFT JOIN LATERAL (SELECT extract(epoch FROM c.b + up.win - now())::float8 AS wait
        FROM (SELECT u.b, sum(u.n) OVER (ORDER BY u.b) AS upto FROM unnest(up.buckets, up.counts) u (b, n)) c
        WHERE t.total > k.lim AND c.upto >= t.total - k.lim ORDER BY c.b LIMIT 1) w ON true;
END $$;

-- cw_vote_add inserts p_user's vote (cast by p_cast_by for a proxy vote) on
-- a locked idea if it is votable, keeping vote_count and the trending score
-- in step; it returns the new count, NULL when it added nothing. The
-- author's own vote is part of the idea's creation term.
CREATE FUNCTION cw_vote_add(p_idea bigint, p_user bigint, p_cast_by bigint) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH v AS (INSERT INTO votes (idea_id, user_id, cast_by_id)
            SELECT i.id, p_user, p_cast_by FROM ideas i
            WHERE i.id = p_idea AND cw_votable(i.moderation, i.deleted_at, i.merged_into_id, i.status)
            ON CONFLICT DO NOTHING RETURNING idea_id)
    UPDATE ideas SET vote_count = ideas.vote_count + 1,
        score = CASE WHEN ideas.author_id = p_user THEN ideas.score ELSE cw_trend_add(ideas.score, 1, now()) END
    FROM v WHERE ideas.id = v.idea_id RETURNING ideas.vote_count INTO n;
    RETURN n;
END $$;

-- cw_vote_remove deletes p_user's vote (only a proxy vote when
-- p_proxy_only) on a locked idea, keeping the counters in step (the vote's
-- own time takes its term out of the score); it returns the new count,
-- NULL when there was no vote.
CREATE FUNCTION cw_vote_remove(p_idea bigint, p_user bigint, p_proxy_only boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH v AS (DELETE FROM votes WHERE idea_id = p_idea AND user_id = p_user AND (NOT p_proxy_only OR cast_by_id IS NOT NULL)
            RETURNING created_at)
    UPDATE ideas SET vote_count = ideas.vote_count - 1,
        score = CASE WHEN ideas.author_id = p_user THEN ideas.score ELSE cw_trend_sub(ideas.score, 1, v.created_at) END
    FROM v WHERE ideas.id = p_idea RETURNING ideas.vote_count INTO n;
    RETURN n;
END $$;

-- cw_vote casts (p_on) or withdraws p_user's vote on p_idea and counts the
-- request against the limits, in one call: the lock on the idea (which
-- votes, comments, follows and merges all take first), the member's ban,
-- the change and the counts. A member may vote on an idea they can see
-- (visible, their own, or any for staff), a votable one to cast, unless
-- banned; the app explains a refusal from the idea's fields returned. Not
-- staff: the request counts under p_action_keys (per_ip_actions_per_minute,
-- refused requests too), an allowed one under votes_per_minute, a cast one
-- under votes_per_day; past a limit it raises SQLSTATE CW429 with the
-- detail "hit wait limit" (the hit's 0-based place in that order, seconds
-- to wait), which rolls everything back. p_defaults are the three limits
-- (in that order) without a site_settings row. A webhook subscribed to
-- p_event needs the event recorded in the vote's transaction: without
-- p_events the call then does nothing and says so (event_subscribed), and
-- the app calls again in a transaction.
CREATE FUNCTION cw_vote(p_user bigint, p_idea bigint, p_on boolean, p_staff boolean, p_event text, p_events boolean,
        p_action_keys text[], p_defaults integer[])
RETURNS TABLE (event_subscribed boolean, idea_found boolean, idea_status text, idea_moderation text, idea_merged_into_id bigint,
        idea_deleted_at timestamptz, idea_author_id bigint, ban_active boolean, ban_until timestamptz, ban_reason text,
        vote_allowed boolean, vote_changed boolean, vote_total integer)
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    keys text[] := coalesce(p_action_keys, '{}');
    wins interval[];
    steps interval[];
    lims bigint[];
    per_ip integer;
    per_minute integer;
    per_day integer;
    over bigint;
    over_wait double precision;
BEGIN
    idea_found := false;
    ban_active := false;
    vote_allowed := false;
    vote_changed := false;
    event_subscribed := EXISTS (SELECT 1 FROM webhooks w WHERE w.active AND p_event = ANY (w.events));
    IF event_subscribed AND NOT p_events THEN
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT i.status, i.moderation, i.merged_into_id, i.deleted_at, i.author_id, i.vote_count
        INTO idea_status, idea_moderation, idea_merged_into_id, idea_deleted_at, idea_author_id, vote_total
        FROM ideas i WHERE i.id = p_idea FOR UPDATE;
    idea_found := FOUND;
    SELECT b.until, b.reason INTO ban_until, ban_reason
        FROM bans b WHERE b.user_id = p_user AND (b.until IS NULL OR b.until > now());
    ban_active := FOUND;
    vote_allowed := idea_found AND NOT ban_active
        AND (idea_moderation = 'visible' OR idea_author_id = p_user OR p_staff)
        AND (NOT p_on OR cw_votable(idea_moderation, idea_deleted_at, idea_merged_into_id, idea_status));
    IF vote_allowed THEN
        IF p_on THEN
            n := cw_vote_add(p_idea, p_user, NULL);
        ELSE
            n := cw_vote_remove(p_idea, p_user, false);
        END IF;
        IF n IS NOT NULL THEN
            vote_total := n;
            vote_changed := true;
        END IF;
    END IF;
    IF NOT p_staff THEN -- staff act for the company, sometimes in bulk
        SELECT coalesce(s.per_ip_actions_per_minute, p_defaults[1]), coalesce(s.votes_per_minute, p_defaults[2]),
                coalesce(s.votes_per_day, p_defaults[3])
            INTO per_ip, per_minute, per_day
            FROM (SELECT 1) one LEFT JOIN site_settings s ON s.id = 1;
        wins := array_fill(interval '1 minute', ARRAY[cardinality(keys)]);
        steps := array_fill(interval '1 second', ARRAY[cardinality(keys)]);
        lims := array_fill(per_ip::bigint, ARRAY[cardinality(keys)]);
        IF vote_allowed THEN
            keys := keys || ('vote:' || p_user);
            wins := wins || interval '1 minute';
            steps := steps || interval '1 second';
            lims := lims || per_minute::bigint;
        END IF;
        IF p_on AND vote_changed THEN
            keys := keys || ('votes-day:' || p_user);
            wins := wins || interval '24 hours';
            steps := steps || interval '1 minute';
            lims := lims || per_day::bigint;
        END IF;
        IF cardinality(keys) > 0 THEN
            SELECT o.i, h.hit_wait INTO over, over_wait
                FROM cw_hit_rates(keys, wins, steps, lims) h
                JOIN unnest(keys, lims) WITH ORDINALITY o (key, lim, i) ON o.key = h.hit_key
                WHERE h.hit_total > o.lim ORDER BY o.i LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'rate limit' USING ERRCODE = 'CW429',
                    DETAIL = format('%s %s %s', over - 1, coalesce(over_wait, 0), lims[over]);
            END IF;
        END IF;
    END IF;
    RETURN NEXT;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION cw_vote(bigint, bigint, boolean, boolean, text, boolean, text[], integer[]);
DROP FUNCTION cw_vote_remove(bigint, bigint, boolean);
DROP FUNCTION cw_vote_add(bigint, bigint, bigint);
DROP FUNCTION cw_hit_rates(text[], interval[], interval[], bigint[]);
DROP FUNCTION cw_votable(text, timestamptz, bigint, text);
