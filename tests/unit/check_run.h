/* check_run.h: runs a Check suite the way every ssrd unit test does. */
#ifndef SSRD_CHECK_RUN_H
#define SSRD_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/*
 * Runs s, printing Check's closing line ("100%: Checks: N, Failures: 0,
 * Errors: 0"), and returns the process's exit status. Suites that share
 * process-wide state (V8, the page cache) pass CK_NOFORK; the others pass
 * CK_FORK, which still honours the CK_FORK environment variable.
 */
static inline int
ssrd_check_run(Suite *s, enum fork_status fork)
{
	SRunner *sr = srunner_create(s);
	if (fork == CK_NOFORK) {
		srunner_set_fork_status(sr, CK_NOFORK);
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
