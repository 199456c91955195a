/* names.c: the set of strings of names.h. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "core/names.h"

int
ssrd__names_has(const ssrd_names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], name) == 0) {
			return 1;
		}
	}
	return 0;
}

int
ssrd__names_add(ssrd_names *s, const char *name)
{
	if (ssrd__names_has(s, name)) {
		return SSRD_OK;
	}
	if ((s->n & (s->n + 1)) == 0) {
		char **v = realloc(s->v, (s->n + 1) * 2 * sizeof(char *));
		if (v == NULL) {
			return SSRD_ENOMEM;
		}
		s->v = v;
	}
	if ((s->v[s->n] = strdup(name)) == NULL) {
		return SSRD_ENOMEM;
	}
	s->n++;
	return SSRD_OK;
}

void
ssrd__names_free(ssrd_names *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
