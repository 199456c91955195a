/* errors.c names every ssrd_err, from the one table in include/ssrd/errors.h.
 */
#include <stddef.h>

#include <ssrd/errors.h>
#include <ssrd/version.h>

struct err_entry {
	int         num;
	int         http_status;
	const char *name;
	const char *msg;
};

static const struct err_entry err_table[] = {
#define SSRD_ERR_ROW(sym, num, status, name, msg) { num, status, name, msg },
	SSRD_ERRORS(SSRD_ERR_ROW)
#undef SSRD_ERR_ROW
};

static const struct err_entry *
err_find(int err)
{
	for (unsigned i = 0; i < sizeof(err_table) / sizeof(err_table[0]);
	     i++) {
		if (err_table[i].num == err) {
			return &err_table[i];
		}
	}
	return NULL;
}

const char *
ssrd_strerror(int err)
{
	const struct err_entry *e = err_find(err);
	return e != NULL ? e->msg : "unknown error";
}

const char *
ssrd_err_name(int err)
{
	const struct err_entry *e = err_find(err);
	return e != NULL ? e->name : "unknown";
}

int
ssrd_err_http_status(int err)
{
	const struct err_entry *e = err_find(err);
	return e != NULL ? e->http_status : 500;
}

const char *
ssrd_version(void)
{
	return SSRD_VERSION_STRING;
}
