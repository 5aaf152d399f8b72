// The thread pass's output: threads and ghosts, rebuilt from the permanent
// refs after each import so that a parent arriving later re-threads its
// children (Store::rederive).
#include "db/passes.hh"

namespace mlidx::db {

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

}  // namespace mlidx::db
