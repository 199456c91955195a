/* metafile.c reads esbuild's metafile (--metafile): its "inputs", each with
 * the imports it makes. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "build/metafile.h"
#include "core/fsutil.h"
#include "core/json.h"

/* The import being read, and the input that makes it. */
struct import_read {
	ssrd_metafile *m;
	const char    *importer;
	char          *path;
	int            external;
};

static int
import_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct import_read *ir = ctx;
	if (keylen == 4 && memcmp(key, "path", 4) == 0 && ir->path == NULL) {
		return ssrd__json_string_dup(j, &ir->path, NULL);
	}
	if (keylen == 8 && memcmp(key, "external", 8) == 0) {
		return ssrd__json_bool(j, &ir->external);
	}
	return ssrd__json_skip(j);
}

static int
push_external(ssrd_metafile *m, const char *importer, char *path)
{
	if ((m->nexternals & (m->nexternals + 1)) == 0) {
		size_t            cap = (m->nexternals + 1) * 2;
		ssrd_meta_import *v
		    = realloc(m->externals, cap * sizeof(ssrd_meta_import));
		if (v == NULL) {
			return SSRD_ENOMEM;
		}
		m->externals = v;
	}
	char *imp = strdup(importer);
	if (imp == NULL) {
		return SSRD_ENOMEM;
	}
	m->externals[m->nexternals++] = (ssrd_meta_import) { imp, path };
	return SSRD_OK;
}

static int
import_elem(ssrd_json *j, size_t index, void *ctx)
{
	(void) index;
	struct import_read ir = { ((struct import_read *) ctx)->m,
		((struct import_read *) ctx)->importer, NULL, 0 };
	int                rv = ssrd__json_object(j, import_member, &ir);
	if (rv == SSRD_OK && ir.external && ir.path != NULL) {
		rv = push_external(ir.m, ir.importer, ir.path);
		if (rv == SSRD_OK) {
			return SSRD_OK;
		}
	}
	free(ir.path);
	return rv;
}

static int
input_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	if (keylen == 7 && memcmp(key, "imports", 7) == 0) {
		return ssrd__json_array(j, import_elem, ctx);
	}
	return ssrd__json_skip(j);
}

static int
input(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ssrd_metafile *m = ctx;
	if (strlen(key) != keylen) {
		return SSRD_EINVAL;
	}
	if (strcmp(key, "<stdin>") != 0) {
		if ((m->ninputs & (m->ninputs + 1)) == 0) {
			char **v = realloc(
			    m->inputs, (m->ninputs + 1) * 2 * sizeof(char *));
			if (v == NULL) {
				return SSRD_ENOMEM;
			}
			m->inputs = v;
		}
		if ((m->inputs[m->ninputs] = strdup(key)) == NULL) {
			return SSRD_ENOMEM;
		}
		m->ninputs++;
	}
	struct import_read ir = { m, key, NULL, 0 };
	return ssrd__json_object(j, input_member, &ir);
}

static int
top(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	if (keylen == 6 && memcmp(key, "inputs", 6) == 0) {
		return ssrd__json_object(j, input, ctx);
	}
	return ssrd__json_skip(j);
}

int
ssrd__metafile_read(const char *path, ssrd_metafile *out)
{
	char  *text;
	size_t len;
	memset(out, 0, sizeof(*out));
	int rv = ssrd__file_read(path, &text, &len);
	if (rv != SSRD_OK) {
		return rv;
	}
	ssrd_json j;
	ssrd__json_init(&j, text, len);
	rv = ssrd__json_object(&j, top, out);
	if (rv == SSRD_OK) {
		rv = ssrd__json_end(&j);
	}
	free(text);
	if (rv != SSRD_OK) {
		ssrd__metafile_free(out);
	}
	return rv;
}

void
ssrd__metafile_free(ssrd_metafile *m)
{
	for (size_t i = 0; i < m->ninputs; i++) {
		free(m->inputs[i]);
	}
	for (size_t i = 0; i < m->nexternals; i++) {
		free(m->externals[i].importer);
		free(m->externals[i].path);
	}
	free(m->inputs);
	free(m->externals);
	memset(m, 0, sizeof(*m));
}
