// Hostile mail, end to end: each input is imported by the mlidx binary, the
// mail is stored (raw bytes intact) with its problems recorded, and the
// database passes SQLite's integrity check. How long each takes is measured
// by bench/hostile.sh, not here.
#include <doctest/doctest.h>

#include <random>

#include "support.hh"

using namespace mlidx::test;

namespace {

const std::string kFrom = "From hostile@example.org Thu Jan  1 00:00:00 1970\n";

std::string mail(const std::string& headers, const std::string& body) {
  return kFrom + "From: H <h@example.org>\nMessage-ID: <hostile@example.org>\n"
                 "Date: Mon, 1 Dec 2025 10:00:00 +0000\n" +
         headers + "\n" + body;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xFF);
  return s;
}

struct Imported {
  TempDir t;
  fs::path db = t / "h.db";
  Run run;
  explicit Imported(const std::string& mbox) {
    write_file(t / "in.mbox", mbox);
    run = run_mlidx({"import", "--quiet", "--db", db.string(), (t / "in.mbox").string()});
  }
  std::string q(const std::string& sql) const { return query1(db, sql); }
  // Stored once, with its exact bytes, and a sound database.
  void check_stored(std::size_t raw_size) const {
    CHECK(run.code == 0);
    CHECK(q("SELECT count(*) FROM messages") == "1");
    CHECK(q("SELECT length(bytes) FROM raw") == std::to_string(raw_size));
    CHECK(q("PRAGMA integrity_check") == "ok");
  }
  std::string problems() const {
    return query(db, "SELECT kind FROM problems ORDER BY kind");
  }
};

}  // namespace

TEST_CASE("hostile: 1 MB and 8 MB single header fields") {
  for (std::size_t size : {std::size_t{1} << 20, std::size_t{8} << 20}) {
    CAPTURE(size);
    std::string m = mail("X-Huge: " + std::string(size, 'a') + "\nSubject: big header\n", "body\n");
    Imported i(m);
    i.check_stored(m.size() - kFrom.size());
    CHECK(i.q("SELECT subject FROM messages") == "big header");
    CHECK(i.problems().find("header-field-limit") != std::string::npos);
    // The first 256 KiB, white space trimmed.
    int kept = std::stoi(i.q("SELECT length(value) FROM headers WHERE name = 'X-Huge'"));
    CHECK(kept <= 256 << 10);
    CHECK(kept >= (256 << 10) - 1);
  }
}

TEST_CASE("hostile: 10,000-deep message/rfc822 nesting") {
  std::string body;
  for (int d = 0; d < 10000; ++d) body += "Content-Type: message/rfc822\n\n";
  body += "innermost\n";
  std::string m = mail("Subject: deep\nMIME-Version: 1.0\nContent-Type: message/rfc822\n", body);
  Imported i(m);
  i.check_stored(m.size() - kFrom.size());
  // An embedded message is a leaf: mlidx never descends into it.
  CHECK(i.q("SELECT content_type FROM attachments") == "message/rfc822");

  std::string multi;
  for (int d = 0; d < 10000; ++d)
    multi += "--b" + std::to_string(d) + "\nContent-Type: multipart/mixed; boundary=b" + std::to_string(d + 1) + "\n\n";
  m = mail("Subject: deep parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n",
           multi + "innermost\n");
  Imported j(m);
  j.check_stored(m.size() - kFrom.size());
  CHECK(j.problems().find("mime-limit") != std::string::npos);
}

TEST_CASE("hostile: a 100,000-entry References header and a References cycle") {
  std::string refs = "References:";
  for (int k = 0; k < 100000; ++k) refs += " <r" + std::to_string(k) + "@x>";
  std::string m = mail("Subject: many refs\n" + refs + "\n", "body\n");
  Imported i(m);
  i.check_stored(m.size() - kFrom.size());
  CHECK(i.problems().find("references-limit") != std::string::npos);
  CHECK(i.q("SELECT count(*) FROM refs") == "512");
  CHECK(i.q("SELECT in_reply_to FROM messages") == "r99999@x");

  // a answers b, b answers a: one thread, no hang, no ghost.
  std::string cycle = kFrom + "From: A <a@x>\nMessage-ID: <a@x>\nIn-Reply-To: <b@x>\nSubject: a\n\na\n" +
                      kFrom + "From: B <b@x>\nMessage-ID: <b@x>\nIn-Reply-To: <a@x>\nSubject: b\n\nb\n";
  Imported c(cycle);
  CHECK(c.run.code == 0);
  CHECK(c.q("SELECT count(*) FROM messages") == "2");
  CHECK(c.q("SELECT count(DISTINCT thread_id) FROM messages") == "1");
  CHECK(c.q("SELECT count(*) FROM ghosts") == "0");
  CHECK(c.q("PRAGMA integrity_check") == "ok");
}

TEST_CASE("hostile: 50 MB of random bytes after a From line and headers") {
  // Ends in a line end: a cut-short last line is test_stop.cc's case.
  std::string m = mail("Subject: noise\n", random_bytes(50u << 20, 7) + "\n");
  Imported i(m);
  // The noise may hold lines that look like "From " separators; every byte
  // is kept either way.
  CHECK(i.run.code == 0);
  CHECK(i.q("SELECT sum(length(bytes)) FROM raw") != "0");
  CHECK(i.q("SELECT count(*) FROM messages WHERE subject = 'noise'") == "1");
  CHECK(i.q("PRAGMA integrity_check") == "ok");
}

TEST_CASE("hostile: a mail with only headers") {
  std::string m = kFrom + "From: H <h@example.org>\nMessage-ID: <only@x>\nSubject: no body\n";
  Imported i(m);
  i.check_stored(m.size() - kFrom.size());
  CHECK(i.q("SELECT subject FROM messages") == "no body");
}

TEST_CASE("hostile: invalid UTF-8 and unknown charsets in every header and in the body") {
  std::string bad = "\xff\xfe\xc3(";
  std::string m = kFrom + "From: =?x-unknown?Q?caf=E9?= " + bad + " <h@example.org>\n" +
                  "To: " + bad + " <t@x>\nCc: =?utf-8?B?/w==?= <c@x>\nMessage-ID: <bad-utf8@x>\n" +
                  "Subject: =?x-klingon?Q?qapla?= " + bad + "\nDate: Mon, 1 Dec 2025 10:00:00 +0000\n" +
                  "X-Any: " + bad + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-unknown\n\n" +
                  bad + " body\n";
  Imported i(m);
  i.check_stored(m.size() - kFrom.size());
  std::string p = i.problems();
  CHECK(p.find("unknown-charset") != std::string::npos);
  // Every stored text is valid UTF-8: SQLite's own check would fail otherwise.
  for (const char* col : {"subject", "from_name"})
    CHECK(i.q(std::string("SELECT count(*) FROM messages WHERE ") + col +
              " <> CAST(CAST(" + col + " AS BLOB) AS TEXT)") == "0");
  CHECK(i.q("SELECT count(*) FROM headers WHERE value LIKE '%' || char(65533) || '%'") != "0");
}

TEST_CASE("hostile: NUL bytes and random bytes without a From or header line are not a mailbox") {
  TempDir t;
  write_file(t / "nul", std::string(1u << 20, '\0'));
  write_file(t / "noise", "\x01" + random_bytes(1u << 20, 11));
  for (const char* name : {"nul", "noise"}) {
    auto db = (t / "x.db").string();
    Run r = run_mlidx({"import", "--db", db, (t / name).string()});
    CHECK(r.code == 1);
    CHECK(r.err.find("not a mailbox") != std::string::npos);
    CHECK_FALSE(fs::exists(db));
  }
}
