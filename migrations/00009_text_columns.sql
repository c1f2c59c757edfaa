-- +goose Up

-- The text of sanitised HTML (a body_html column), for excerpts and search
-- snippets: Markdown source shows its syntax (*everything*, [a link](…)),
-- the rendered HTML does not. Block elements become spaces, inline ones
-- vanish, and the only entities the sanitiser writes in text (&amp; &lt;
-- &gt; &#34; &#39; &#13;, plus &quot; and &nbsp; for safety) are decoded,
-- &amp; last so "&amp;lt;" stays the literal text "&lt;". Whitespace is
-- collapsed. Pages escape the result again where they show it.
-- +goose StatementBegin
CREATE FUNCTION cw_html_text(html text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT btrim(regexp_replace(
        replace(replace(replace(replace(replace(replace(replace(replace(
            regexp_replace(
                regexp_replace(html,
                    '<(/?)(p|br|hr|h[1-6]|blockquote|ul|ol|li|pre|table|thead|tbody|tr|th|td)(\s[^>]*)?/?>', ' ', 'gi'),
                '<[^>]*>', '', 'g'),
            '&lt;', '<'), '&gt;', '>'), '&#34;', '"'), '&quot;', '"'), '&#39;', ''''), '&#13;', ' '),
            '&nbsp;', ' '), '&amp;', '&'),
        '\s+', ' ', 'g'))
    $$;
-- +goose StatementEnd

-- Stored beside the source and the HTML, and kept in step by the database
-- on every write (whoever writes body_html).
ALTER TABLE ideas ADD COLUMN body_text text GENERATED ALWAYS AS (cw_html_text(body_html)) STORED;
ALTER TABLE comments ADD COLUMN body_text text GENERATED ALWAYS AS (cw_html_text(body_html)) STORED;

-- Notifications copied the Markdown source of comments and status notes;
-- give the existing ones the text, as new ones get (clipped to 300 and 2000
-- characters as when they were written).
UPDATE notifications n
SET body = CASE WHEN char_length(c.body_text) <= 300 THEN c.body_text ELSE rtrim(left(c.body_text, 299)) || '…' END
FROM comments c
WHERE n.comment_id = c.id AND n.kind IN ('reply', 'comment');

UPDATE notifications n
SET body = CASE WHEN char_length(t.text) <= 2000 THEN t.text ELSE rtrim(left(t.text, 1999)) || '…' END
FROM (SELECT DISTINCT idea_id, note, cw_html_text(note_html) AS text FROM idea_status_changes WHERE note <> '') t
WHERE n.kind = 'status_change' AND n.idea_id = t.idea_id AND n.body = t.note;

-- The lexemes of each title, for "similar ideas" that work both ways: an
-- idea's page finds titles sharing a word (&&) and titles whose words are
-- all among its own (<@) through this index, where the trigram index only
-- finds titles containing the page's title, not titles it contains.
ALTER TABLE ideas ADD COLUMN title_words text[] GENERATED ALWAYS AS (tsvector_to_array(to_tsvector('english', cw_unaccent(title)))) STORED;
CREATE INDEX ideas_title_words_idx ON ideas USING gin (title_words);

-- +goose Down
DROP INDEX ideas_title_words_idx;
ALTER TABLE ideas DROP COLUMN title_words;
ALTER TABLE comments DROP COLUMN body_text;
ALTER TABLE ideas DROP COLUMN body_text;
DROP FUNCTION cw_html_text(text);
