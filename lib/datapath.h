/* datapath.h: where a program finds its data files (rules, popular names, capabilities). */
#ifndef AURA_DATAPATH_H
#define AURA_DATAPATH_H

/*
 * The default path of data file FILE, found before sealing (afterwards nothing can be
 * opened): $AURA_DATA_DIR/FILE, else beside the executable: ../data/FILE in the source
 * tree (bin/), ../../share/aura/FILE in an install prefix (libexec/aura/).  Malloc'd.
 */
char *aura_data_path(const char *argv0, const char *file);

#endif
