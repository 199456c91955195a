/* metafile.h: what esbuild's metafile says about a bundle: the files it was
 * built from and the imports it left external. */
#ifndef SSRD_METAFILE_H
#define SSRD_METAFILE_H

#include <stddef.h>

/* An import esbuild left to run time: who imports what, as written (a
 * package name) or as resolved (a relative path). */
typedef struct ssrd_meta_import {
	char *importer; /* an input, as the metafile names it */
	char *path;
} ssrd_meta_import;

typedef struct ssrd_metafile {
	char            **inputs; /* relative to the directory esbuild ran in */
	size_t            ninputs;
	ssrd_meta_import *externals;
	size_t            nexternals;
} ssrd_metafile;

/*
 * Reads the metafile at path. "<stdin>" is left out of the inputs (it is
 * not a file). Returns SSRD_OK, SSRD_ENOENT/SSRD_EIO, SSRD_EINVAL (not a
 * metafile), SSRD_ENOMEM.
 */
int ssrd__metafile_read(const char *path, ssrd_metafile *out);

void ssrd__metafile_free(ssrd_metafile *m);

#endif
