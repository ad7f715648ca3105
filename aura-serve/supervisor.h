/* supervisor.h: the scan supervisor aura-serve forks before sealing (supervisor.c). */
#ifndef AURA_SERVE_SUPERVISOR_H
#define AURA_SERVE_SUPERVISOR_H

#include <stdbool.h>

#include "proxy.h"

/* Fork the supervisor, which seals itself to run only the stages in `stage_dir`. */
bool supervisor_start(const char *stage_dir);

/* Wait for the supervisor to end (its --sandbox-selftest): its exit status, 128+signal. */
int supervisor_wait(void);

/* Scan a cached file: the driver's exit status (0, 1, 2; -1 when the supervisor is gone)
 * and aura-score's JSON verdicts added to `out`. */
int supervisor_scan(const char *path, struct buf *out);

#endif
