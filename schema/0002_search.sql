-- mlidx schema, version 2: the full-text index behind `mlidx search`
-- (derived). docs/SCHEMA.md, "search_fts", documents it.

-- Contentless: the index holds tokens and positions, not a second copy of
-- the text, which stays in messages, recipients, bodies and patch_data.
-- src/db/search_index.cc fills it: per message the subject, the sender's
-- name and address, the To and Cc names and addresses, and the body - a
-- patch's commit message and diffstat (not its diff), any other mail's
-- cleaned text without the lines it quotes.
-- Positions are kept for every column (detail=full): phrases need them,
-- and an address is a phrase too ("mpe@ellerman.id.au" is four tokens).
-- remove_diacritics 2: "Muller" finds "Müller".
CREATE VIRTUAL TABLE search_fts USING fts5(
  subject, from_addr, to_addr, cc_addr, body,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2');

-- bm25 with a subject word worth five body words and an author's three.
INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(5.0, 3.0, 1.0, 1.0, 1.0)');
-- Tokens wait in memory until 32 MB of them (1 MB by default) before they
-- are written as a segment: an import of 10,000 mails makes one segment
-- instead of a dozen to merge, 10 % off the index pass for 14 MB more
-- memory. (schema/0009 lowers it to 4 MiB, now that the index is written
-- as mail is stored.)
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 33554432);

-- Messages with id <= indexed_upto are in search_fts. Ids only grow and a
-- stored message's text never changes, so each import indexes only what it
-- added. 0 here: a database of version 1 is indexed by its next import,
-- reindex or search.
CREATE TABLE search_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_upto INTEGER NOT NULL
);
INSERT INTO search_state (id, indexed_upto) VALUES (1, 0);
