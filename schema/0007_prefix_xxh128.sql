-- mlidx schema: import_state.prefix_umac becomes prefix_xxh128, XXH3-128 of
-- the mbox bytes read (src/util/xxh128.hh: the 93 MB prefix of the 10k
-- corpus hashes in ~10 ms instead of ~23 ms, the 3.4 GB of the 350k input
-- in ~0.5 s instead of ~1.06 s; docs/PERFORMANCE.md, "fifth session"). The
-- UMAC digests recorded before are dropped: each mbox is read once more in
-- full (its mail found already stored), then resumed again.
-- Written so that it can run twice (tests replay migrations): the table is
-- copied by column names both layouts have.
CREATE TABLE IF NOT EXISTS import_state_0007 (
  source        TEXT NOT NULL,
  list_id       TEXT NOT NULL DEFAULT '',     -- import --list-id, '' when none was given
  kind          TEXT NOT NULL CHECK (kind = 'mbox' OR kind = 'git'),
  size          INTEGER NOT NULL DEFAULT 0,   -- mbox: bytes read, up to the end of a whole message
  prefix_xxh128 BLOB,                         -- mbox: XXH3-128 of those bytes (src/util/xxh128.hh)
  last_commit   TEXT,                         -- git: the last commit read
  messages      INTEGER NOT NULL DEFAULT 0,   -- messages (commits for git) read so far
  updated       TEXT NOT NULL,                -- UTC, YYYY-MM-DDTHH:MM:SS
  PRIMARY KEY (source, list_id)
);
INSERT OR IGNORE INTO import_state_0007 (source, list_id, kind, size, last_commit, messages, updated)
  SELECT source, list_id, kind, size, last_commit, messages, updated FROM import_state;
DROP TABLE import_state;
ALTER TABLE import_state_0007 RENAME TO import_state;
