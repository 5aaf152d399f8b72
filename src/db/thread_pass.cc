// The thread pass's output: threads and ghosts, rebuilt from the permanent
// refs after each import so that a parent arriving later re-threads its
// children (Store::rederive).
#include "db/passes.hh"

namespace mlidx::db {

void write_threads(Connection& c, Rewrite mode, const Threading& t) {
  TableSync threads(c, mode, "threads",
                    {"id", "root_msgid", "subject", "message_count", "ghost_count", "first_date",
                     "last_date"});
  // Subjects are read back by id: not kept for every message.
  Statement subject(c, "SELECT subject FROM messages WHERE id = ?1");
  for (const auto& th : t.threads) {
    subject.bind(1, th.subject_of);
    std::string text = subject.step() ? std::string(subject.text(0)) : std::string();
    subject.reset();
    threads.put({Cell::of(th.id), Cell::of(th.root_msgid), Cell::of(std::move(text)),
                 Cell::of(th.message_count), Cell::of(th.ghost_count), Cell::opt(th.first_date),
                 Cell::opt(th.last_date)});
  }
  threads.finish();
  TableSync ghosts(c, mode, "ghosts", {"msgid", "thread_id", "parent_msgid"});
  for (const auto& g : t.ghosts)
    ghosts.put({Cell::of(g.msgid), Cell::of(g.thread_id), Cell::opt(g.parent_msgid)});
  ghosts.finish();
}

}  // namespace mlidx::db
