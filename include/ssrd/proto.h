/* proto.h gives the constants of ssrd's render protocol, for callers that
 * speak it through the client library (ssrd/client.h) or on their own.
 *
 * The protocol runs over nng REQ/REP (ipc:// and tcp:// addresses). A
 * request is one JSON object (UTF-8) with "v": SSRD_PROTO_VERSION and a
 * "kind"; a reply is one line of JSON (its head), a newline, then the head's
 * "body_len" bytes of body (the HTML, raw), so that any language can split
 * it at the first newline and read the head with its JSON parser. The
 * README documents every kind with an example. */
#ifndef SSRD_PROTO_H
#define SSRD_PROTO_H

/* The version this ssrd speaks: the "v" of every request and reply. A
 * request with another is refused (bad_request). */
#define SSRD_PROTO_VERSION 1

#endif
