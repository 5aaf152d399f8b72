// Tests for issue 4 commands (filled in with the command).
#include <doctest/doctest.h>
