// Placeholder: the full-text index (issue 4).
#include "db/store.hh"
