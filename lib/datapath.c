/* datapath.c: where a program finds its data files (rules, popular names, capabilities). */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "err.h"

static char *path_join(const char *dir, const char *rest)
{
	char *out = xmalloc(strlen(dir) + strlen(rest) + 2);
	sprintf(out, "%s/%s", dir, rest);
	return out;
}

/*
 * The default data files (rules, popular names), found before sealing (afterwards nothing
 * can be opened): $AURA_DATA_DIR/FILE, else beside this executable: ../data/FILE in the
 * source tree (bin/), ../../share/aura/FILE in an install prefix (libexec/aura/).
 */
char *aura_data_path(const char *argv0, const char *file)
{
	const char *env = getenv("AURA_DATA_DIR");
	if (env && env[0])
		return path_join(env, file);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = '\0';
	else if (strchr(argv0, '/') && strlen(argv0) < sizeof exe)
		strcpy(exe, argv0);
	else
		return path_join("data", file);
	static const char *const layouts[] = { "../data", "../../share/aura" };
	const char *exe_dir = dirname(exe);	/* once: dirname() edits exe in place */
	char rel[PATH_MAX];
	char *path = NULL;
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		free(path);
		snprintf(rel, sizeof rel, "%s/%s", layouts[i], file);
		path = path_join(exe_dir, rel);
		if (access(path, F_OK) == 0)
			break;
	}
	return path;	/* the last layout when none has it: the error names a real place */
}
