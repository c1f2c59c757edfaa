-- +goose Up
-- The sync log: one row per CSV import or CRM sync run, with its progress,
-- counts and the first errors. A CSV upload waits here in 'preview' with its
-- file until someone confirms it; the file is dropped once the import ends.
CREATE TABLE crm_syncs (
    id            bigserial   PRIMARY KEY,
    source        text        NOT NULL CHECK (source IN ('csv', 'salesforce', 'hubspot')),
    state         text        NOT NULL DEFAULT 'queued' CHECK (state IN ('preview', 'queued', 'running', 'done', 'failed')),
    total         integer     NOT NULL DEFAULT 0 CHECK (total >= 0),
    done          integer     NOT NULL DEFAULT 0 CHECK (done >= 0),
    created       integer     NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated       integer     NOT NULL DEFAULT 0 CHECK (updated >= 0),
    skipped       integer     NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    -- [{line, column, message}], at most the first 1,000; error_count counts all.
    errors        jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array'),
    error_count   integer     NOT NULL DEFAULT 0 CHECK (error_count >= 0),
    -- Why a run stopped (e.g. "credentials rejected"), or what it is waiting for.
    message       text        NOT NULL DEFAULT '' CHECK (char_length(message) <= 1000),
    file          bytea       CHECK (octet_length(file) <= 10485760),
    file_name     text        NOT NULL DEFAULT '' CHECK (char_length(file_name) <= 255),
    import_valid  boolean     NOT NULL DEFAULT false,
    snoozes       integer     NOT NULL DEFAULT 0,
    requested_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
-- One sync per source at a time, whichever process asks: a second request
-- meets this index and gets the run already queued or running.
CREATE UNIQUE INDEX crm_syncs_one_active_idx ON crm_syncs (source) WHERE state IN ('queued', 'running');
-- The sync log, newest first (previews are not runs).
CREATE INDEX crm_syncs_log_idx ON crm_syncs (id DESC) WHERE state <> 'preview';
CREATE INDEX crm_syncs_source_idx ON crm_syncs (source, id DESC) WHERE state <> 'preview';
CREATE INDEX crm_syncs_preview_idx ON crm_syncs (created_at) WHERE state = 'preview';

-- +goose Down
DROP TABLE crm_syncs;
