/* stream_thief.c: tries to read or stop other callers' streams over the
 * render protocol, the ways a client on the same socket path or a REQ socket
 * dialed to several daemons could: a second connection pulling a stream it
 * saw the id of, guessed ids, one REQ socket dialed to two daemons whose
 * pulls land on either. Prints "ok - ..." or "FAIL - ..." per check (the
 * security suite counts them); exits 0 only if every check passed.
 *
 *   stream_thief ADDR_A ADDR_B
 *
 * Both daemons serve tests/fixtures/hostilesite, whose /slowecho streams its
 * ?token= 300 ms after its shell.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include <ssrd/client.h>

static int passed, failed;

static void
check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok  " : "FAIL", what);
	if (ok) {
		passed++;
	} else {
		failed++;
	}
}

/* A REQ socket dialed to each of addrs (one or two), waiting for the
 * connections. */
static nng_socket
req_socket(const char *a, const char *b)
{
	nng_socket s;
	if (nng_req0_open(&s) != 0 || nng_dial(s, a, NULL, 0) != 0
	    || (b != NULL && nng_dial(s, b, NULL, 0) != 0)) {
		fprintf(stderr, "stream_thief: cannot dial %s\n", a);
		exit(2);
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	return s;
}

/* Sends req and returns the whole reply (malloc'd, NUL-terminated), or NULL
 * when none came. */
static char *
ask(nng_socket s, const char *req)
{
	char  *buf = NULL;
	size_t len;
	if (nng_send(s, (void *) req, strlen(req), 0) != 0
	    || nng_recv(s, &buf, &len, NNG_FLAG_ALLOC) != 0) {
		return NULL;
	}
	char *out = malloc(len + 1);
	memcpy(out, buf, len);
	out[len] = '\0';
	nng_free(buf, len);
	return out;
}

/* The "stream" id in a reply header, or "" (static). */
static const char *
stream_of(const char *reply)
{
	static char id[64];
	const char *p = reply ? strstr(reply, "\"stream\":\"") : NULL;
	id[0]         = '\0';
	if (p != NULL) {
		p += 10;
		size_t n = strcspn(p, "\"");
		if (n < sizeof(id)) {
			memcpy(id, p, n);
			id[n] = '\0';
		}
	}
	return id;
}

static char *
start(nng_socket s, const char *token, int ms)
{
	char req[256];
	snprintf(req, sizeof(req),
	    "{\"v\":1,\"kind\":\"stream\",\"url\":\"/"
	    "slowecho?token=%s&ms=%d\"}",
	    token, ms);
	return ask(s, req);
}

static char *
pull(nng_socket s, const char *kind, const char *id)
{
	char req[256];
	snprintf(req, sizeof(req),
	    "{\"v\":1,\"kind\":\"%s\",\"stream\":\"%s\"}", kind, id);
	return ask(s, req);
}

/* Pulls id on s to its end; returns the concatenated replies. */
static char *
pull_all(nng_socket s, const char *id)
{
	size_t cap = 1 << 16, len = 0;
	char  *all = calloc(1, cap);
	for (int i = 0; i < 20; i++) {
		char *r = pull(s, "pull", id);
		if (r == NULL) {
			break;
		}
		size_t n = strlen(r);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			all = realloc(all, cap);
		}
		memcpy(all + len, r, n + 1);
		len += n;
		int end = strstr(r, "\"end\":true") != NULL
		    || strstr(r, "\"ok\":false") != NULL;
		free(r);
		if (end) {
			break;
		}
	}
	return all;
}

static int
is_not_found(const char *r)
{
	return r != NULL && strstr(r, "\"code\":\"not_found\"") != NULL;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: stream_thief ADDR_A ADDR_B\n");
		return 2;
	}
	const char *A = argv[1], *B = argv[2];
	char        what[256];

	/* The victim opens a stream; a second connection knows its id. */
	nng_socket victim = req_socket(A, NULL);
	nng_socket thief  = req_socket(A, NULL);
	char      *first  = start(victim, "VICTIM1", 300);
	char       id[64];
	snprintf(id, sizeof(id), "%s", stream_of(first));
	check(first != NULL && strstr(first, "shell for a stream") != NULL,
	    "the victim's stream starts with its shell");
	regex_t re;
	regcomp(&re, "^s-[0-9a-f]{32}$", REG_EXTENDED | REG_NOSUB);
	snprintf(what, sizeof(what), "its id is 128 random bits: %s", id);
	check(regexec(&re, id, 0, NULL, 0) == 0, what);
	char *t = pull(thief, "pull", id);
	check(is_not_found(t) && strstr(t, "SECRET") == NULL,
	    "a pull of it from another connection: not_found, no data");
	free(t);
	t = pull(thief, "cancel", id);
	check(is_not_found(t),
	    "a cancel of it from another connection: not_found");
	free(t);
	char *rest = pull_all(victim, id);
	check(strstr(rest, "SECRET-VICTIM1") != NULL
	        && strstr(rest, "\"end\":true") != NULL,
	    "the victim still gets the rest of its stream, to its end");
	free(rest);
	free(first);

	/* Guessed ids, in the old sequential shape and at random. */
	int refused = 0;
	for (int i = 0; i < 64; i++) {
		char guess[64];
		if (i < 32) {
			snprintf(guess, sizeof(guess), "s-%d", i);
		} else {
			snprintf(
			    guess, sizeof(guess), "s-%032x", i * 2654435761u);
		}
		char *r = pull(thief, i % 2 ? "cancel" : "pull", guess);
		refused += is_not_found(r);
		free(r);
	}
	snprintf(what, sizeof(what),
	    "64 guessed ids (s-0.., random): all not_found (%d)", refused);
	check(refused == 64, what);

	/* Every id is new. */
	char ids[20][64];
	int  distinct = 1;
	for (int i = 0; i < 20; i++) {
		char *r = start(victim, "MANY", 1);
		snprintf(ids[i], sizeof(ids[i]), "%s", stream_of(r));
		free(r);
		if (ids[i][0] != '\0') {
			free(pull_all(victim, ids[i]));
		}
		for (int k = 0; k < i; k++) {
			distinct &= strcmp(ids[i], ids[k]) != 0;
		}
		distinct &= regexec(&re, ids[i], 0, NULL, 0) == 0;
	}
	check(distinct, "20 streams, 20 distinct random ids");

	/* One REQ socket dialed to both daemons: pulls land on either. The
	 * other daemon answers not_found; no pull ever returns another
	 * caller's stream (the other's victim streams on both daemons). */
	nng_socket both    = req_socket(A, B);
	nng_socket other   = req_socket(A, B);
	int        foreign = 0, got_end = 0, nf = 0;
	for (int round = 0; round < 6; round++) {
		char *o = start(other, "OTHER-CALLER", 200);
		char  oid[64];
		snprintf(oid, sizeof(oid), "%s", stream_of(o));
		char *mine = start(both, "MINE", 200);
		char  mid[64];
		snprintf(mid, sizeof(mid), "%s", stream_of(mine));
		foreign += mine != NULL && strstr(mine, "OTHER-CALLER") != NULL;
		for (int i = 0; i < 12; i++) {
			char *r = pull(both, "pull", mid);
			if (r == NULL) {
				break;
			}
			foreign += strstr(r, "OTHER-CALLER") != NULL;
			nf += is_not_found(r);
			int end = strstr(r, "\"end\":true") != NULL;
			got_end += end;
			free(r);
			if (end) {
				break;
			}
		}
		free(pull_all(other, oid));
		free(mine);
		free(o);
	}
	snprintf(what, sizeof(what),
	    "a REQ socket on two daemons: no pull got another caller's "
	    "stream (%d not_found from the daemon without it)",
	    nf);
	check(foreign == 0, what);
	check(got_end > 0, "and the pulls that reached its daemon ended it");

	/* The C client pulls on the connection that opened the stream. */
	char addrs[512];
	snprintf(addrs, sizeof(addrs), "%s, %s", A, B);
	ssrd_client *c;
	int          whole = 0;
	if (ssrd_client_open(addrs, NULL, &c) == SSRD_OK) {
		for (int i = 0; i < 10; i++) {
			ssrd_render_args a
			    = { .url = "/slowecho?token=CLIENT&ms=20" };
			ssrd_stream *s;
			ssrd_reply   r;
			size_t       bytes  = 0;
			int          secret = 0, ok = 1;
			if (ssrd_client_stream(c, &a, &s, &r) != SSRD_OK
			    || !r.ok) {
				ssrd_reply_clear(&r);
				continue;
			}
			bytes += r.body_len;
			int end = r.end;
			ssrd_reply_clear(&r);
			while (!end && ok) {
				ok = ssrd_stream_next(s, &r) == SSRD_OK && r.ok;
				secret |= r.body != NULL
				    && strstr(r.body, "SECRET-CLIENT") != NULL;
				end = r.end;
				ssrd_reply_clear(&r);
			}
			ssrd_stream_close(s);
			whole += ok && secret;
		}
		ssrd_client_close(c);
	}
	snprintf(what, sizeof(what),
	    "the C client on two daemons streams 10 of 10 to their end (%d)",
	    whole);
	check(whole == 10, what);

	regfree(&re);
	nng_close(victim);
	nng_close(thief);
	nng_close(both);
	nng_close(other);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
