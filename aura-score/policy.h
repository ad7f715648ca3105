/* policy.h: the auditor's policy file applied to verdicts (policy.c, docs/policy.md). */
#ifndef AURA_SCORE_POLICY_H
#define AURA_SCORE_POLICY_H

#include "score.h"

/* Read and check FILE (before sealing); dies with the reason when it is unusable or unsafe. */
void policy_load(const char *path);
bool policy_loaded(void);
/* Tighten the gates with the policy's fail_level / fail_score (never loosen them). */
void policy_thresholds(long long *fail_score, int *fail_rank);
/* A verdict_fn: the policy applied (suppressions, capabilities, approval), then reported. */
void policy_emit(json_t *verdict, const struct artifact *a, struct score_ctx *ctx);
/* --list-policy: what the policy holds, for people (aura approvals). */
void policy_list(void);

#endif
