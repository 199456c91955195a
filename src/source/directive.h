/* directive.h: React's module directives ("use client" at the top of a
 * file), read from a site's sources. */
#ifndef SSRD_DIRECTIVE_H
#define SSRD_DIRECTIVE_H

#include <stddef.h>

#include "core/names.h"

/*
 * Whether the n bytes of JavaScript or TypeScript at text start with the
 * directive "use client": before any statement, after comments, blank
 * lines, a #! line and other directives ("use strict"), in single or
 * double quotes, as React and bundlers read it.
 */
int ssrd__directive_use_client(const char *text, size_t n);

/*
 * Adds to files the path, relative to site_root, of every .jsx, .tsx, .js,
 * .ts, .mjs and .cjs file of the site (node_modules, public/ and
 * dot-directories left out) that starts with "use client", in name order.
 * Returns SSRD_OK or SSRD_ENOMEM.
 */
int ssrd__directive_client_files(const char *site_root, ssrd_names *files);

#endif
