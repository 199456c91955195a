/* config_impl.h: the option table's row, shared by config.c (which reads
 * the table) and options.c (which holds it). Private to src/config/. */
#ifndef SSRD_CONFIG_IMPL_H
#define SSRD_CONFIG_IMPL_H

#include <stddef.h>

#include "config/config.h"

/* What an option holds, and so how its value is checked. */
enum opt_type {
	OPT_LONG, /* a whole number within [min, max] */
	OPT_STR,  /* text; check, when set, says whether it is valid */
	OPT_WORD, /* text that parse accepts: one of the words in one_of */
};

/*
 * One option: where it lives, what it may hold, and what to tell people.
 * Every row has a section, a name, a type, an offset and a default; the
 * default is parsed like any other value, so it must pass the row's own
 * rule. The table is read-only and lives for the whole process.
 */
struct opt {
	const char   *section; /* the INI section it belongs in */
	const char   *name;    /* as in the file; flags write _ as - */
	enum opt_type type;
	size_t        offset;   /* of its field in ssrd_config */
	const char   *def;      /* default, as text */
	long          min, max; /* OPT_LONG: the bounds, both allowed */
	/* OPT_WORD: the parser of the subsystem that reads the value (it
	 * returns < 0 for a word it does not know), and the words it knows,
	 * for the message */
	int (*parse)(const char *value);
	const char *one_of;
	/* OPT_STR: a rule that bounds cannot say (NULL: any text), which
	 * writes the reason into errbuf; returns SSRD_OK or SSRD_ECONFIG */
	int (*check)(const char *value, char *errbuf, size_t errlen);
	const char *help;
	int secret; /* never printed (ssrd config shows "(set)"), never logged
	             */
	int live;   /* a reload applies it at once; others need a restart */
};

/* The option table (options.c), in the order ssrd config prints it. */
extern const struct opt ssrd__config_options[];
extern const size_t     ssrd__config_noptions;

/* Checks a `site` value ("PATH" or "HOST=PATH, ..."), as
 * ssrd__config_sites() splits it (config.c). Returns SSRD_OK or
 * SSRD_ECONFIG with the reason in errbuf. */
int ssrd__config_check_sites(const char *value, char *errbuf, size_t errlen);

#endif
