/* risk.h: the verdict's scale: the lowest score of each risk level (docs/scoring.md). */
#ifndef AURA_RISK_H
#define AURA_RISK_H

/*
 * Risk levels share the severity names; these are the lower bounds of each level's score.
 * aura-score turns a package's total into its risk with them, and aura-analyze says a hit's
 * severity in context on the same scale (a score of 100 is "high" wherever it is written).
 */
#define RISK_LOW_AT		20
#define RISK_MEDIUM_AT		50
#define RISK_HIGH_AT		100
#define RISK_CRITICAL_AT	200

#endif
