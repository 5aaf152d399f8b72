// Placeholder: the search query language (issue 4).
#include "search/query.hh"
