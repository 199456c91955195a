/* names.h: a small set of strings. */
#ifndef SSRD_NAMES_H
#define SSRD_NAMES_H

#include <stddef.h>

/* A set of names (npm package specifiers, file keys), in the order first
 * added: a list searched linearly, for the tens a site has. */
typedef struct ssrd_names {
	char **v;
	size_t n;
} ssrd_names;

/* Adds name unless it is there. Returns SSRD_OK or SSRD_ENOMEM. */
int  ssrd__names_add(ssrd_names *s, const char *name);
int  ssrd__names_has(const ssrd_names *s, const char *name);
void ssrd__names_free(ssrd_names *s);

#endif
