-- mlidx schema: import_state.prefix_sha1 becomes prefix_umac, UMAC-128 of
-- the mbox bytes read (src/util/umac.hh: with SHA-1 the resume check of a
-- 93 MB mbox took 0.07 s of a 0.26 s incremental import, with UMAC 0.02 s of
-- 0.23 s; a full import's running hash costs ~0.3 s less CPU on 50,000
-- messages, not measurable in its wall time). The SHA-1 digests recorded
-- before are dropped: each mbox is read once more in full (its mail found
-- already stored), then resumed again.
-- Written so that it can run twice (tests replay migrations): the table is
-- copied by column names both layouts have.
CREATE TABLE IF NOT EXISTS import_state_0006 (
  source      TEXT NOT NULL,
  list_id     TEXT NOT NULL DEFAULT '',     -- import --list-id, '' when none was given
  kind        TEXT NOT NULL CHECK (kind = 'mbox' OR kind = 'git'),
  size        INTEGER NOT NULL DEFAULT 0,   -- mbox: bytes read, up to the end of a whole message
  prefix_umac BLOB,                         -- mbox: UMAC-128 of those bytes (src/util/umac.hh)
  last_commit TEXT,                         -- git: the last commit read
  messages    INTEGER NOT NULL DEFAULT 0,   -- messages (commits for git) read so far
  updated     TEXT NOT NULL,                -- UTC, YYYY-MM-DDTHH:MM:SS
  PRIMARY KEY (source, list_id)
);
INSERT OR IGNORE INTO import_state_0006 (source, list_id, kind, size, last_commit, messages, updated)
  SELECT source, list_id, kind, size, last_commit, messages, updated FROM import_state;
DROP TABLE import_state;
ALTER TABLE import_state_0006 RENAME TO import_state;
