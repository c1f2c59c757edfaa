-- +goose Up

-- The trending score of one idea computed from its rows (log-sum-exp of the
-- same terms the incremental updates add: the idea itself, every vote but
-- the author's own, every visible comment). Used when rows move between
-- ideas (merge, unmerge) and to verify the incremental score in tests.
-- +goose StatementBegin
CREATE FUNCTION cw_trend_score(p_idea bigint) RETURNS double precision
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    WITH terms AS (
        SELECT cw_trend_term(1, i.created_at) AS t FROM ideas i WHERE i.id = p_idea
        UNION ALL
        SELECT cw_trend_term(1, v.created_at) FROM votes v JOIN ideas i ON i.id = v.idea_id
        WHERE v.idea_id = p_idea AND v.user_id <> i.author_id
        UNION ALL
        SELECT cw_trend_term(1, c.created_at) FROM comments c
        WHERE c.idea_id = p_idea AND c.deleted_at IS NULL AND c.moderation = 'visible' AND NOT c.staff_only),
    top AS (SELECT max(t) AS m FROM terms)
    SELECT coalesce((SELECT top.m + ln(sum(exp(terms.t - top.m))) FROM terms, top GROUP BY top.m), -1e9)
    $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION cw_trend_score(bigint);
