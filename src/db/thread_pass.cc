// The thread pass: derived data, rebuilt from the permanent refs after each
// import so that a parent arriving later re-threads its children.
#include <unordered_map>

#include "db/store.hh"
#include "thread/threader.hh"

namespace mlidx::db {
namespace {

std::vector<ThreadMessage> load_messages(Connection& c) {
  std::vector<ThreadMessage> ms;
  std::unordered_map<std::int64_t, std::size_t> index;
  Statement all(c, "SELECT id, msgid, coalesce(date, ''), subject, coalesce(in_reply_to, '') "
                   "FROM messages ORDER BY id");
  while (all.step()) {
    index.emplace(all.int64(0), ms.size());
    ms.push_back({all.int64(0), std::string(all.text(1)), std::string(all.text(2)),
                  std::string(all.text(3)), std::string(all.text(4)), {}});
  }
  Statement refs(c, "SELECT message_id, msgid FROM refs ORDER BY message_id, position");
  while (refs.step()) ms[index.at(refs.int64(0))].refs.emplace_back(refs.text(1));
  return ms;
}

void write_threads(Connection& c, const Threading& t) {
  Statement thread(c, "INSERT INTO threads (id, root_msgid, subject, message_count, ghost_count, "
                      "first_date, last_date) VALUES (?,?,?,?,?,?,?)");
  for (const auto& th : t.threads)
    thread.bind(1, th.id).bind(2, th.root_msgid).bind(3, th.subject).bind(4, th.message_count)
        .bind(5, th.ghost_count).bind_opt(6, th.first_date).bind_opt(7, th.last_date).run();
  Statement ghost(c, "INSERT INTO ghosts (msgid, thread_id, parent_msgid) VALUES (?,?,?)");
  for (const auto& g : t.ghosts)
    ghost.bind(1, g.msgid).bind(2, g.thread_id).bind_opt(3, g.parent_msgid).run();
}

}  // namespace

ThreadStats Store::rethread() {
  std::vector<ThreadMessage> ms = load_messages(conn_);
  Threading t = compute_threads(ms);
  Transaction tx(conn_);
  // Rows are rewritten with identical content when nothing changed, so a
  // repeated import leaves every row as it was.
  if (auto s = conn_.exec("DELETE FROM threads; DELETE FROM ghosts;"); !s)
    throw DbError(s.error().why);
  write_threads(conn_, t);
  Statement set(conn_, "UPDATE messages SET thread_id = ?1 WHERE id = ?2 AND thread_id IS NOT ?1");
  for (std::size_t i = 0; i < ms.size(); ++i) set.bind(1, t.thread_of[i]).bind(2, ms[i].id).run();
  tx.commit();
  return {static_cast<std::int64_t>(t.threads.size()), static_cast<std::int64_t>(t.ghosts.size())};
}

}  // namespace mlidx::db
