#include <doctest/doctest.h>

#include "mail/message.hh"

using namespace mlidx;

TEST_CASE("message: the fields the database stores") {
  Mail m = parse_mail(
      "Message-Id: <20170831211738.17922-1-jglisse@redhat.com>\n"
      "From: =?UTF-8?q?J=C3=A9r=C3=B4me=20Glisse?= <jglisse@redhat.com>\n"
      "To: linux-mm@kvack.org\nCc: A <a@x>, b@y\n"
      "Subject: [PATCH 00/13] mmu_notifier kill\n invalidate_page callback v2\n"
      "Date: Thu, 31 Aug 2017 17:17:25 -0400\n"
      "List-Id: Linux on PowerPC Developers Mail List\n\t<linuxppc-dev.lists.ozlabs.org>\n"
      "\nbody text\n");
  CHECK(m.msgid == "20170831211738.17922-1-jglisse@redhat.com");
  CHECK(m.from_name == "Jérôme Glisse");
  CHECK(m.from_email == "jglisse@redhat.com");
  CHECK(m.subject == "[PATCH 00/13] mmu_notifier kill invalidate_page callback v2");
  CHECK(m.date == "2017-08-31T21:17:25");
  CHECK(m.list_id == "linuxppc-dev.lists.ozlabs.org");
  REQUIRE(m.recipients.size() == 3);
  CHECK(m.recipients[1].kind == "cc");
  CHECK(m.recipients[1].addr.name == "A");
  CHECK(m.body == "body text\n");
  CHECK(m.problems.empty());
}

TEST_CASE("message: parent is In-Reply-To, else the last References entry") {
  Mail a = parse_mail("Message-ID: <m@x>\nReferences: <r1@x> <r2@x>\nIn-Reply-To: <r1@x>\n\n");
  CHECK(a.in_reply_to == "r1@x");
  Mail b = parse_mail("Message-ID: <m@x>\nReferences: <r1@x>\n <r2@x>\n\n");
  CHECK(b.in_reply_to == "r2@x");
  CHECK(b.references == std::vector<std::string>{"r1@x", "r2@x"});
}

TEST_CASE("message: junk and self references are dropped") {
  // Old git-send-email asked for In-Reply-To and people answered "y" or
  // typed an address.
  Mail a = parse_mail("Message-ID: <m@x>\nFrom: a@x\nTo: list@x\nIn-Reply-To: y\n\n");
  CHECK(a.in_reply_to.empty());
  Mail b = parse_mail("Message-ID: <m@x>\nFrom: a@x\nTo: list@x\nIn-Reply-To: list@x\n\n");
  CHECK(b.in_reply_to.empty());
  CHECK(b.references.empty());
  Mail c = parse_mail("Message-ID: <m@x>\nReferences: <p@x> <m@x>\n\n");
  CHECK(c.references == std::vector<std::string>{"p@x"});
  CHECK(c.in_reply_to == "p@x");
  Mail d = parse_mail("Message-ID: <m@x>\nIn-Reply-To: 2019.1-1-v@nxp.com\n\n");
  CHECK(d.in_reply_to == "2019.1-1-v@nxp.com");
}

TEST_CASE("message: an unparseable date is a problem; Received gives the fallback") {
  Mail a = parse_mail(
      "Message-ID: <m@x>\nReceived: from x by y; Fri, 1 Sep 2017 07:19:31 +1000\n"
      "Date: yesterday-ish\n\n");
  CHECK(a.date == "2017-08-31T21:19:31");
  CHECK(a.problems.has("bad-date"));
  Mail b = parse_mail("Message-ID: <m@x>\n\n");
  CHECK(b.date.empty());
  CHECK(b.problems.has("no-date"));
  CHECK(b.problems.has("no-from"));
}

TEST_CASE("message: X-Mailing-List when there is no List-Id") {
  Mail m = parse_mail("Message-ID: <m@x>\nX-Mailing-List: <linux-kernel@vger.kernel.org>\n\n");
  CHECK(m.list_id == "linux-kernel@vger.kernel.org");
}

TEST_CASE("message: missing and over-long Message-IDs") {
  std::string raw = "From: a@x\n\nbody\n";
  Mail a = parse_mail(raw);
  CHECK(a.msgid == fake_msgid(raw));
  CHECK(a.problems.has("no-msgid"));
  Mail b = parse_mail("Message-ID: <" + std::string(2000, 'a') + "@x>\n\n");
  CHECK(b.msgid.size() <= 250);
  CHECK(b.problems.has("long-msgid"));
}

TEST_CASE("message: all text is valid UTF-8 even from broken bytes") {
  Mail m = parse_mail("Message-ID: <m@x>\nSubject: caf\xe9 \xff\n\nbody\n");
  CHECK(m.subject == "caf\xef\xbf\xbd \xef\xbf\xbd");
  CHECK(m.problems.has("8bit-header"));
}
