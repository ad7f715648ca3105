/* analyze.h: a record stream through aura-analyze's detections (main.c and the fuzz harness). */
#ifndef AURA_ANALYZE_H
#define AURA_ANALYZE_H

struct ruleset;
struct popular;

/* Read records from fd (named `name` in messages) to its end; write records and hits to stdout. */
void analyze_stream(int fd, const char *name, const struct ruleset *rules, const struct popular *popular);

#endif
