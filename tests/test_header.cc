#include <doctest/doctest.h>

#include "mail/header.hh"

using namespace mlidx;

TEST_CASE("header: fields, folding and body") {
  Problems p;
  auto h = split_header("Subject: a\n long\n\tsubject\nFrom: x@y\n\nbody\n", p);
  REQUIRE(h.fields.size() == 2);
  CHECK(h.fields[0].name == "Subject");
  CHECK(unfold(h.fields[0].value) == "a long subject");
  CHECK(h.body == "body\n");
  CHECK(p.empty());
}

TEST_CASE("header: CRLF and obsolete space before colon") {
  Problems p;
  auto h = split_header("Subject : hi\r\nX-A: 1\r\n\r\nbody", p);
  REQUIRE(h.fields.size() == 2);
  CHECK(h.fields[0].name == "Subject");
  CHECK(unfold(h.fields[0].value) == "hi");
  CHECK(h.body == "body");
}

TEST_CASE("header: a line without a colon is skipped and recorded, not the end of the header") {
  Problems p;
  auto h = split_header("Subject: hi\nthis is junk\nFrom: a@b\n\nbody\n", p);
  REQUIRE(h.fields.size() == 2);
  CHECK(h.fields[1].name == "From");
  CHECK(p.has("header-without-colon"));
  CHECK(h.body == "body\n");
}

TEST_CASE("header: body without a blank line") {
  Problems p;
  auto h = split_header("Subject: hi\nHello there,\nhow are you\n", p);
  REQUIRE(h.fields.size() == 1);
  CHECK(h.body == "Hello there,\nhow are you\n");
  CHECK(p.has("header-without-colon"));
}

TEST_CASE("header: only headers, no body") {
  Problems p;
  auto h = split_header("Subject: hi\nFrom: a@b\n", p);
  CHECK(h.fields.size() == 2);
  CHECK(h.body.empty());
  CHECK(find_field(h, "FROM") == &h.fields[1]);
  CHECK(find_field(h, "To") == nullptr);
}

TEST_CASE("header: the field count is bounded") {
  std::string m;
  for (std::size_t i = 0; i < kMaxHeaderFields + 10; ++i) m += "X-N: v\n";
  m += "\nbody";
  Problems p;
  auto h = split_header(m, p);
  CHECK(h.fields.size() == kMaxHeaderFields);
  CHECK(p.has("header-limit"));
  CHECK(h.body == "body");
}
