-- mlidx schema, version 10: import_state remembers Maildir folders too
-- (kind 'maildir'). `listed_ns` is when the last import that read the
-- whole folder listed it; the next import reads only the files whose inode
-- changed since (their ctime: a delivery, a move from new/ to cur/, a flag
-- set by the reader all change it; a copy cannot set it back), less a
-- margin for coarse file system clocks, and skips the others: they were
-- there, and read, at that listing. A no-op import of a 50,000-mail Maildir
-- opened and hashed every file (1.35 s; docs/PERFORMANCE.md).
-- Written so that it can run twice (tests replay migrations): the table is
-- copied by column names both layouts have.
CREATE TABLE IF NOT EXISTS import_state_0010 (
  source        TEXT NOT NULL,
  list_id       TEXT NOT NULL DEFAULT '',     -- import --list-id, '' when none was given
  kind          TEXT NOT NULL CHECK (kind IN ('mbox', 'git', 'maildir')),
  size          INTEGER NOT NULL DEFAULT 0,   -- mbox: bytes read, up to the end of a whole message
  prefix_xxh128 BLOB,                         -- mbox: XXH3-128 of those bytes (src/util/xxh128.hh)
  last_commit   TEXT,                         -- git: the last commit read
  listed_ns     INTEGER NOT NULL DEFAULT 0,   -- maildir: when it was listed (ns since 1970, UTC)
  messages      INTEGER NOT NULL DEFAULT 0,   -- messages (commits for git, files for maildir) read so far
  updated       TEXT NOT NULL,                -- UTC, YYYY-MM-DDTHH:MM:SS
  PRIMARY KEY (source, list_id)
);
INSERT OR IGNORE INTO import_state_0010 (source, list_id, kind, size, prefix_xxh128, last_commit, messages,
                                         updated)
  SELECT source, list_id, kind, size, prefix_xxh128, last_commit, messages, updated FROM import_state;
DROP TABLE import_state;
ALTER TABLE import_state_0010 RENAME TO import_state;
