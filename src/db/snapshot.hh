// The derive pass's view of the stored mail (StoredMail, db/passes.hh) kept
// in the database (table derive_snapshot, schema/0008): an import then reads
// the messages stored since, not all of them. At 350k messages reading them
// all took 1.4-2.3 s of a 2.1 s incremental import, most of it stepping
// SQLite rows and parsing subjects (docs/PERFORMANCE.md, Incremental import, "sixth session").
//
// It is a cache, kept only while nothing it holds can have changed: any
// write to messages, refs or patch_data drops it (triggers, schema/0008),
// and the derive pass writes it anew in the transaction of its own writes.
// An import's companion (db/importer.cc) reads it before the import's first
// commit; the pass then reads only the messages stored after
// StoredMail::upto. A copy that fails its checksum or its consistency
// checks, or was written by another build (whose subject rules may
// differ), is not used.
#pragma once
#include <cstdint>
#include <string>

#include "db/passes.hh"

namespace mlidx::db {

// Fills `m`, which must be empty, from the snapshot; false (and `m` empty)
// when there is none this build can use. `build`: the build id it must
// carry (util/build_id.hh; tests give others).
bool read_snapshot(Connection& c, StoredMail& m, const std::string& build);
bool read_snapshot(Connection& c, StoredMail& m);

// Replaces the snapshot with `m` (not its `derived` rows, which are read
// again each time), in the caller's transaction. Written in rows of 1 MiB:
// at 350k messages the snapshot is ~50 MB, which a copy in memory would add
// to the pass's peak.
void write_snapshot(Connection& c, const StoredMail& m, const std::string& build);
void write_snapshot(Connection& c, const StoredMail& m);

void drop_snapshot(Connection& c);

// The snapshot's data as stored (rows 1..., concatenated), and a snapshot
// of any `data` with a header that matches it: for tests that feed
// read_snapshot damaged data which passes the checksum.
std::string snapshot_data(Connection& c);
void write_snapshot_data(Connection& c, std::string_view data, const std::string& build);

}  // namespace mlidx::db
