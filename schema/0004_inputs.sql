-- mlidx schema: what earlier imports read of each input, and the messages
-- public-inbox removed. Both are permanent data (docs/SCHEMA.md): they
-- cannot be rebuilt from the stored mail, so `mlidx reindex` copies them.

-- One row per mbox file or public-inbox epoch imported, by canonical path,
-- and the `import --list-id` it was read with: the same file read as
-- another list is read again, so that its mail joins that list too.
-- An mbox is re-read from `size` on when its first `size` bytes still hash
-- to `prefix_sha1` (mail was appended); otherwise in full. An epoch is read
-- from the commit after `last_commit`.
CREATE TABLE IF NOT EXISTS import_state (
  source      TEXT NOT NULL,
  list_id     TEXT NOT NULL DEFAULT '',     -- import --list-id, '' when none was given
  kind        TEXT NOT NULL CHECK (kind = 'mbox' OR kind = 'git'),
  size        INTEGER NOT NULL DEFAULT 0,   -- mbox: bytes read, up to the end of a whole message
  prefix_sha1 BLOB,                         -- mbox: SHA-1 of those bytes
  last_commit TEXT,                         -- git: the last commit read
  messages    INTEGER NOT NULL DEFAULT 0,   -- messages (commits for git) read so far
  updated     TEXT NOT NULL,                -- UTC, YYYY-MM-DDTHH:MM:SS
  PRIMARY KEY (source, list_id)
);

-- A public-inbox removal: a commit that replaced the blob `m` by `d` (the
-- mail taken out, public-inbox-v2-format(5)), or that only deleted `m`. The mail stays stored, with a
-- `removed` problem; live_messages leaves it out.
CREATE TABLE IF NOT EXISTS removals (
  source    TEXT NOT NULL,                  -- the epoch, as in import_state
  commit_id TEXT NOT NULL,
  raw_sha1  BLOB NOT NULL,                  -- SHA-1 of the removed mail (messages.raw_sha1)
  PRIMARY KEY (source, commit_id)
);
CREATE INDEX IF NOT EXISTS removals_raw_sha1 ON removals(raw_sha1);

CREATE VIEW IF NOT EXISTS live_messages AS
  SELECT * FROM messages m
  WHERE NOT EXISTS (SELECT 1 FROM removals r WHERE r.raw_sha1 = m.raw_sha1);
