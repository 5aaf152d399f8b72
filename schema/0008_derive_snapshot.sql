-- mlidx schema: a cache of what the derive pass reads of the stored mail
-- (src/db/snapshot.hh): its Message-ID graph, each message's parsed subject
-- facts, thread and kind, as the last pass left them. A later import reads
-- it and then only the messages stored after the last one it holds,
-- instead of every message (at 350k messages that read took 1.4-2.3 s of a
-- 2.1 s incremental import). It can always be rebuilt: without it the pass
-- reads everything, as before.
CREATE TABLE IF NOT EXISTS derive_snapshot (
  part INTEGER PRIMARY KEY,  -- 0: the header (format, build, size, checksum); 1...: the data, 1 MiB each
  data BLOB NOT NULL
);
-- Any write to what it holds drops it, in the writer's transaction: from
-- the sqlite3 shell, `mlidx sql --write`, or an import (which reads it
-- before its first commit, and whose derive pass writes it anew). Where
-- there is none, as in a first import, the triggers cost one look-up a row
-- (166k rows at 50k messages: not measurable in the import's time).
CREATE TRIGGER IF NOT EXISTS derive_snapshot_messages_insert AFTER INSERT ON messages
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_messages_update AFTER UPDATE ON messages
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_messages_delete AFTER DELETE ON messages
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_refs_insert AFTER INSERT ON refs
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_refs_update AFTER UPDATE ON refs
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_refs_delete AFTER DELETE ON refs
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_patch_data_insert AFTER INSERT ON patch_data
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_patch_data_update AFTER UPDATE ON patch_data
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
CREATE TRIGGER IF NOT EXISTS derive_snapshot_patch_data_delete AFTER DELETE ON patch_data
  WHEN EXISTS (SELECT 1 FROM derive_snapshot) BEGIN DELETE FROM derive_snapshot; END;
