// The import pipeline: one thread splits and parses mail while the calling
// thread writes SQLite, joined by a bounded queue (two cores, two stages).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/store.hh"
#include "mbox/mbox.hh"
#include "util/mapped_file.hh"

namespace mlidx::db {

struct ImportInput {
  std::string path;
  MappedFile file;
  InputKind kind;
};

struct ImportCounts {
  std::int64_t read = 0, added = 0, duplicates = 0, variants = 0;
  double parse_seconds = 0;   // split + hash + parse, on the parser thread
  double write_seconds = 0;   // inserts and commits, on the writer thread
  double thread_seconds = 0;  // the thread pass
  ThreadStats threads;
  std::int64_t series = 0;
};

class Queue;
class Spent;

class Importer {
 public:
  using Progress = std::function<void(const ImportCounts&, const std::string& path)>;
  explicit Importer(Store& store) : store_(store) {}
  // Imports every input in order, commits in batches, then re-threads.
  // Throws DbError on a database failure (what was committed stays).
  ImportCounts run(std::vector<ImportInput>& inputs, const Progress& progress = {});

 private:
  void write_all(Queue& q, Spent& spent, std::vector<ImportInput>& inputs, ImportCounts& c,
                 const Progress& progress);

  Store& store_;
};

}  // namespace mlidx::db
