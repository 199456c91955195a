/* check_sites.c: the table of sites by Host (src/site/sites.c): which site
 * each spelling of a Host header picks, and what the table owns. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "site/sites.h"

#include "check_run.h"

/* The reloaders are only picked, never looked into. */
static char           mem[3];
static ssrd_reloader *sites[] = { (ssrd_reloader *) &mem[0],
	(ssrd_reloader *) &mem[1], (ssrd_reloader *) &mem[2] };

START_TEST(test_pick)
{
	const char *hosts[] = { NULL, "shop.example.com", "Blog.Example.com" };
	ssrd_sites *t;
	ck_assert_int_eq(ssrd__sites_new(hosts, sites, 3, &t), SSRD_OK);
	static const struct {
		const char *host;
		int         want;
	} cases[] = {
		{ "shop.example.com", 1 },
		{ "SHOP.example.COM", 1 },      /* case aside */
		{ "shop.example.com:8080", 1 }, /* any port */
		{ "blog.example.com", 2 },
		{ "blog.example.com:", 2 },
		{ NULL, 0 }, /* no Host: the default */
		{ "", 0 },
		{ "example.com", 0 },
		{ "shop.example.com.", 0 }, /* not the same name */
		{ "xshop.example.com", 0 },
		{ "shop.example", 0 },
		{ ":shop.example.com", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(
		    ssrd__sites_pick(t, cases[i].host) == sites[cases[i].want],
		    "Host %s: not site %d",
		    cases[i].host ? cases[i].host : "(none)", cases[i].want);
	}
	ssrd__sites_free(t);
}
END_TEST

START_TEST(test_copies_hosts)
{
	char        host[]  = "a.example";
	const char *hosts[] = { NULL, host };
	ssrd_sites *t;
	ck_assert_int_eq(ssrd__sites_new(hosts, sites, 2, &t), SSRD_OK);
	memcpy(host, "b.example", sizeof(host)); /* the caller's copy changes */
	ck_assert_ptr_eq(ssrd__sites_pick(t, "a.example"), sites[1]);
	ck_assert_ptr_eq(ssrd__sites_pick(t, "b.example"), sites[0]);
	ssrd__sites_free(t);
}
END_TEST

START_TEST(test_one_site_and_none)
{
	ssrd_sites *t;
	/* one site answers everything, whatever it names */
	const char *hosts[] = { "only.example" };
	ck_assert_int_eq(ssrd__sites_new(hosts, sites, 1, &t), SSRD_OK);
	ck_assert_ptr_eq(ssrd__sites_pick(t, "other.example"), sites[0]);
	ssrd__sites_free(t);
	/* NULL hosts: every entry the default's */
	ck_assert_int_eq(ssrd__sites_new(NULL, sites, 2, &t), SSRD_OK);
	ck_assert_ptr_eq(ssrd__sites_pick(t, "x"), sites[0]);
	ssrd__sites_free(t);
	t = NULL;
	ck_assert_int_eq(ssrd__sites_new(hosts, sites, 0, &t), SSRD_EINVAL);
	ck_assert_ptr_null(t);
	ssrd__sites_free(NULL); /* a harmless no-op */
}
END_TEST

int
main(void)
{
	Suite *s  = suite_create("sites");
	TCase *tc = tcase_create("by_host");
	tcase_add_test(tc, test_pick);
	tcase_add_test(tc, test_copies_hosts);
	tcase_add_test(tc, test_one_site_and_none);
	suite_add_tcase(s, tc);
	return ssrd_check_run(s, CK_FORK);
}
