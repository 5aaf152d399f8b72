// The thread pass's output: threads and ghosts, rebuilt from the permanent
// refs after each import so that a parent arriving later re-threads its
// children (Store::rederive).
#include "db/passes.hh"

namespace mlidx::db {

void write_threads(Connection& c, Rewrite mode, const MailGraph& g, const Threading& t, Snapshots& pre) {
  auto msgid = [&g](std::uint32_t n) {
    return n == MailGraph::kNone ? Cell{} : Cell::of(std::string(g.ids.at(n)));
  };
  auto date = [&g](std::uint32_t i) { return i == MailGraph::kNone ? Cell{} : Cell::opt(g.date_text(i)); };
  TableSync threads(c, mode, kThreads, pre);
  // Subjects are read back by id: not kept for every message.
  Statement subject(c, "SELECT subject FROM messages WHERE id = ?1");
  for (const auto& th : t.threads) {
    subject.bind(1, th.subject_of);
    std::string text = subject.step() ? std::string(subject.text(0)) : std::string();
    subject.reset();
    threads.put({Cell::of(th.id), Cell::of(std::string(g.ids.at(th.root))), Cell::of(std::move(text)),
                 Cell::of(th.message_count), Cell::of(th.ghost_count), date(th.first), date(th.last)});
  }
  threads.finish();
  TableSync ghosts(c, mode, kGhosts, pre);
  for (const auto& gh : t.ghosts) {
    Cell parent = msgid(gh.parent);
    // An empty id reads as none, as the row always had it.
    if (parent.kind == Cell::Text && parent.t.empty()) parent = Cell{};
    ghosts.put({msgid(gh.msgid), Cell::of(gh.thread_id), std::move(parent)});
  }
  ghosts.finish();
}

}  // namespace mlidx::db
