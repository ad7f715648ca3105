/* pyparse_cookie.h: forwards to lib/pyparse/pyparse_cookie.h for aura-analyze/files.c's bare include (drop it once that says "pyparse/pyparse_cookie.h"). */
#include "pyparse/pyparse_cookie.h"
