/* ipc.h: the render protocol served over nng (a REP socket on ipc:// and
 * tcp:// addresses), for app servers. The messages are proto.h's. */
#ifndef SSRD_IPC_H
#define SSRD_IPC_H

#include <stddef.h>

#include "render/pool.h"
#include "site/reload.h"
#include "site/sites.h"

typedef struct ssrd_ipc ssrd_ipc;

typedef struct ssrd_ipc_opts {
	const char *addrs;    /* "ipc:///run/ssrd.sock, tcp://127.0.0.1:9000" */
	long        contexts; /* requests in flight at once */
	size_t      max_message;    /* bigger requests are refused, bytes */
	size_t      max_batch;      /* renders per batch, at most */
	double      stream_idle_ms; /* an unpulled stream is cancelled after */
	/* what a diagnose request reports (served on ipc:// addresses only:
	 * the socket file's permissions say who may ask); NULL: refused */
	const struct ssrd_diagnose_src *diagnose;
	/* when not NULL or "": a caller on tcp:// giving this "token" is
	 * answered diagnose too */
	const char *admin_token;
} ssrd_ipc_opts;

/*
 * Listens on every address and serves requests with renders from pool; a
 * request's "host" picks the site of sites as HTTP's Host header does
 * (ssrd__sites_pick()). pool and sites (and their reloaders) must outlive
 * the server. Returns SSRD_OK, or SSRD_ENNG / SSRD_ECONFIG with the
 * reason in errbuf (an address in use, a socket path that cannot be made).
 */
int ssrd__ipc_start(const ssrd_ipc_opts *opts, ssrd_pool *pool,
    const ssrd_sites *sites, ssrd_ipc **out, char *errbuf, size_t errlen);

/*
 * Returns how many requests are still being answered: contexts that took a
 * request and have not sent its reply, and streams not yet pulled to their
 * end. A drain waits for it to reach 0 before closing the socket (closing a
 * listener would close its connections, replies in flight with them, so
 * during a drain they stay open and new requests get the `closed` error
 * from the pool's refusal). 0 for NULL. Any thread.
 */
size_t ssrd__ipc_busy(ssrd_ipc *ipc);

/* Stops taking requests (closes the socket). Renders in flight still
 * complete; their replies go nowhere. Call before stopping the pool. */
void ssrd__ipc_close(ssrd_ipc *ipc);

/* Frees the server. Call after the pool has stopped (no job of it is left
 * to complete). NULL is a no-op. */
void ssrd__ipc_free(ssrd_ipc *ipc);

#endif
