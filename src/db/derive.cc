// Re-deriving threads, classification and series from the stored mail: one
// read of messages and refs feeds both computations, which run on two
// threads, and one write pass sets messages.thread_id and kind together
// (each row rewrite is the dominant cost; docs/PERFORMANCE.md).
#include <thread>
#include <unordered_map>

#include "db/passes.hh"
#include "db/store.hh"

namespace mlidx::db {

StoredMail load_stored_mail(Connection& c) {
  StoredMail m;
  std::unordered_map<std::int64_t, std::size_t> index;
  Statement all(c,
      "SELECT id, msgid, coalesce(date, ''), subject, coalesce(in_reply_to, ''), "
      "from_name, lower(from_email), list_id, id IN (SELECT message_id FROM patch_data), "
      "pw_ignore, has_text FROM messages ORDER BY id");
  while (all.step()) {
    index.emplace(all.int64(0), m.threading.size());
    m.threading.push_back({all.int64(0), std::string(all.text(1)), std::string(all.text(2)),
                           std::string(all.text(3)), std::string(all.text(4)), {}});
    m.series.push_back({std::string(all.text(5)), std::string(all.text(6)), std::string(all.text(7)),
                        all.int64(8) != 0, all.int64(9) != 0, all.int64(10) != 0});
  }
  Statement refs(c, "SELECT message_id, msgid FROM refs ORDER BY message_id, position");
  while (refs.step()) m.threading[index.at(refs.int64(0))].refs.emplace_back(refs.text(1));
  return m;
}

void write_message_columns(Connection& c, const StoredMail& m, const Threading& t,
                           const SeriesResult& r) {
  Statement set(c, "UPDATE messages SET thread_id = ?1, kind = ?2 WHERE id = ?3 "
                   "AND (thread_id IS NOT ?1 OR kind IS NOT ?2)");
  for (std::size_t i = 0; i < m.threading.size(); ++i)
    set.bind(1, t.thread_of[i]).bind(2, std::string_view(kind_name(r.mails[i].kind)))
        .bind(3, m.threading[i].id).run();
}

Store::Derived Store::rederive() {
  StoredMail stored = load_stored_mail(conn_);
  SeriesInput in;
  SeriesResult series;
  std::exception_ptr failed;
  std::thread classify([&] {
    try {
      in = series_input(stored);
      series = compute_series(in.mails);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  Threading threads = compute_threads(stored.threading);
  classify.join();
  if (failed) std::rethrow_exception(failed);
  Transaction tx(conn_);
  // Rows are rewritten with identical content when nothing changed, so a
  // repeated import leaves every row as it was.
  if (auto s = conn_.exec("DELETE FROM threads; DELETE FROM ghosts;"); !s) throw DbError(s.error().why);
  write_threads(conn_, threads);
  write_series(conn_, stored, in, series);
  write_message_columns(conn_, stored, threads, series);
  tx.commit();
  return {{static_cast<std::int64_t>(threads.threads.size()),
           static_cast<std::int64_t>(threads.ghosts.size())},
          static_cast<std::int64_t>(series.series.size())};
}

}  // namespace mlidx::db
