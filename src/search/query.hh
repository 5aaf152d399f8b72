// Placeholder: the search query language (issue 4).
#pragma once
