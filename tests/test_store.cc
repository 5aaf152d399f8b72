// The store: de-duplication, variants, problems, re-threading.
#include <doctest/doctest.h>

#include "db/store.hh"
#include "support.hh"

using namespace mlidx;
using namespace mlidx::test;

namespace {
std::string mail(const std::string& id, const std::string& from, const std::string& subject,
                 const std::string& extra = "", const std::string& body = "hello\n") {
  return "Message-ID: <" + id + ">\nFrom: " + from + "\nSubject: " + subject +
         "\nDate: Mon, 1 Jan 2018 10:00:00 +0000\n" + extra + "\n" + body;
}

struct Db {
  TempDir t;
  std::string path = (t / "s.db").string();
  std::unique_ptr<db::Store> store;
  Db() {
    auto s = db::Store::open(path, true);
    REQUIRE(s);
    store = std::move(*s);
  }
  std::string q(const std::string& sql) { return query(path, sql); }
};
}  // namespace

TEST_CASE("store: the same bytes twice are one message") {
  Db d;
  std::string m = mail("a@x", "A <a@x>", "hi");
  CHECK(d.store->add(m) == db::Added::New);
  CHECK(d.store->add(m) == db::Added::Duplicate);
  CHECK(d.q("SELECT count(*) FROM messages") == "1");
  CHECK(d.q("SELECT count(*) FROM variants") == "0");
}

TEST_CASE("store: same Message-ID, other bytes: a variant; other author: also a collision") {
  Db d;
  CHECK(d.store->add(mail("a@x", "A <a@x>", "hi")) == db::Added::New);
  CHECK(d.store->add(mail("a@x", "A <a@x>", "hi", "X-Resent: 1\n")) == db::Added::Variant);
  CHECK(d.q("SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "0");
  CHECK(d.store->add(mail("a@x", "B <b@x>", "other")) == db::Added::Variant);
  CHECK(d.q("SELECT count(*) FROM messages") == "1");
  CHECK(d.q("SELECT count(*) FROM variants") == "2");
  CHECK(d.q("SELECT count(*) FROM problems WHERE kind = 'msgid-collision'") == "1");
}

TEST_CASE("store: the original bytes are kept") {
  Db d;
  std::string m = mail("a@x", "A <a@x>", "=?utf-8?q?caf=C3=A9?=");
  d.store->add(m);
  CHECK(d.q("SELECT CAST(bytes AS TEXT) FROM raw") == m);
  CHECK(d.q("SELECT subject FROM messages") == "café");
}

TEST_CASE("store: a mail without Message-ID gets a stable fake id and a problem") {
  Db d;
  std::string m = "From: A <a@x>\nSubject: no id\n\nbody\n";
  d.store->add(m);
  CHECK(d.q("SELECT msgid FROM messages") == fake_msgid(m));
  CHECK(d.q("SELECT fake_msgid FROM messages") == "1");
  CHECK(d.q("SELECT group_concat(kind) FROM (SELECT kind FROM problems ORDER BY kind)") == "no-date,no-msgid");
  CHECK(d.store->add(m) == db::Added::Duplicate);
}

TEST_CASE("store: a parent imported later re-threads its children") {
  Db d;
  d.store->add(mail("child@x", "B <b@x>", "Re: topic", "In-Reply-To: <parent@x>\n"));
  d.store->rederive();
  CHECK(d.q("SELECT msgid FROM ghosts") == "parent@x");
  CHECK(d.q("SELECT root_msgid FROM threads") == "parent@x");
  d.store->add(mail("parent@x", "A <a@x>", "topic"));
  auto st = d.store->rederive().threads;
  CHECK(st.ghosts == 0);
  CHECK(d.q("SELECT count(*) FROM ghosts") == "0");
  CHECK(d.q("SELECT count(DISTINCT thread_id) FROM messages") == "1");
  CHECK(d.q("SELECT root_msgid || ' ' || message_count FROM threads") == "parent@x 2");
}

TEST_CASE("store: headers, recipients and refs are stored in order") {
  Db d;
  d.store->add(mail("m@x", "A <a@x>", "s",
                    "To: B <b@x>, c@x\nCc: \"D, E\" <d@x>\nReferences: <r1@x> <r2@x>\n"
                    "In-Reply-To: <r2@x>\n"));
  CHECK(d.q("SELECT kind || ':' || name || ':' || email FROM recipients ORDER BY position") ==
        "to:B:b@x\nto::c@x\ncc:D, E:d@x");
  CHECK(d.q("SELECT msgid FROM refs ORDER BY position") == "r1@x\nr2@x");
  CHECK(d.q("SELECT in_reply_to FROM messages") == "r2@x");
  CHECK(d.q("SELECT group_concat(name, ',') FROM (SELECT name FROM headers ORDER BY position)") ==
        "Message-ID,From,Subject,Date,To,Cc,References,In-Reply-To");
}

TEST_CASE("store: a database from a newer mlidx is refused") {
  TempDir t;
  auto path = (t / "new.db").string();
  {
    auto s = db::Store::open(path, true);
    REQUIRE(s);
    REQUIRE((*s)->conn().exec("PRAGMA user_version = 999"));
  }
  auto s = db::Store::open(path, false);
  REQUIRE_FALSE(s);
  CHECK(s.error().why.find("newer") != std::string::npos);
}

TEST_CASE("store: header values read back unfolded and decoded, whichever way they are kept") {
  Db d;
  d.store->add("Message-ID: <h@x>\r\nFrom: A <a@x>\r\nX-Plain: one line\r\n"
               "Received: from a\r\n\tby b\r\n  with c\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
               "X-Tab: a\tb\r\n\r\nbody\r\n");
  CHECK(d.q("SELECT name || '=' || value FROM headers ORDER BY position") ==
        "Message-ID=<h@x>\nFrom=A <a@x>\nX-Plain=one line\nReceived=from a by b  with c\n"
        "Subject=café\nX-Tab=a\tb");
  // Only the decoded value is stored as text; the others point into raw.
  CHECK(d.q("SELECT fields FROM message_headers").find("café") != std::string::npos);
  CHECK(d.q("SELECT fields FROM message_headers").find("one line") == std::string::npos);
}
