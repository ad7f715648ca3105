/* aura.h: project-wide constants (version, exit codes, protocol version). */
#ifndef AURA_H
#define AURA_H

/* AURA_VERSION: from the VERSION file, which bin/aura reads too (the Makefile writes version.h). */
#include "version.h"
#define AURA_PROTOCOL_VERSION 1

/* Exit codes, shared by every program (documented in docs/protocol.md). */
enum aura_exit {
	AURA_EXIT_OK = 0,	/* success, nothing above a gate */
	AURA_EXIT_FINDINGS = 1,	/* a package reached --fail-score / --fail-level */
	AURA_EXIT_FATAL = 2,	/* usage error, fatal error, or incomplete scan */
};

#endif
