/* errors.h declares ssrd's one error enum, shared by the daemon, the client
 * library and the protocol. */
#ifndef SSRD_ERRORS_H
#define SSRD_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every ssrd error, once: the enum constant, its number, the HTTP status an
 * HTTP reply (and the protocol's "status") carries for it, the stable
 * snake_case name that the protocol and the logs carry, and a message for
 * people. 0 is success; the numeric values are part of the protocol, so new
 * codes go at the end.
 */
#define SSRD_ERRORS(X)                                                         \
	X(SSRD_OK, 0, 200, "ok", "success")                                    \
	X(SSRD_ENOMEM, 1, 500, "no_memory", "out of memory")                   \
	X(SSRD_EINVAL, 2, 400, "invalid", "invalid argument")                  \
	X(SSRD_ENOENT, 3, 404, "not_found", "not found")                       \
	X(SSRD_EIO, 4, 500, "io_error", "input/output error")                  \
	X(SSRD_ECONFIG, 5, 500, "bad_config", "invalid configuration")         \
	X(SSRD_EJS, 6, 500, "render_error", "the page's JavaScript threw")     \
	X(SSRD_ENOROUTE, 7, 404, "no_route", "no route matches the path")      \
	X(SSRD_EBADPROPS, 8, 400, "bad_props",                                 \
	    "props are not a valid JSON object")                               \
	X(SSRD_ETIMEDOUT, 9, 504, "timeout", "timed out")                      \
	X(SSRD_EOVERLOAD, 10, 503, "overloaded", "too many requests queued")   \
	X(SSRD_ECLOSED, 11, 503, "closed", "shutting down")                    \
	X(SSRD_EBUILD, 12, 500, "build_error", "the bundle failed to build")   \
	X(SSRD_ESYS, 13, 500, "system_error", "system call failed")            \
	X(SSRD_ENNG, 14, 500, "transport_error", "messaging (nng) failed")     \
	X(SSRD_EENGINE, 15, 500, "engine_error",                               \
	    "the JavaScript engine failed")                                    \
	X(SSRD_EBADREQ, 16, 400, "bad_request",                                \
	    "the request is malformed or not understood")                      \
	X(SSRD_EOOM, 17, 500, "out_of_memory",                                 \
	    "the render reached the isolate's heap limit")                     \
	X(SSRD_ETOOBIG, 18, 500, "output_too_large",                           \
	    "the render's output passed max_output_kb")

typedef enum ssrd_err {
#define SSRD_ERR_ENUM(sym, num, status, name, msg) sym = num,
	SSRD_ERRORS(SSRD_ERR_ENUM)
#undef SSRD_ERR_ENUM
} ssrd_err;

/* Returns a static message for err; never NULL, even for unknown codes. */
const char *ssrd_strerror(int err);

/* Returns the HTTP status for err: 200 for SSRD_OK, 400 for a request the
 * caller must fix, 404 for no route, 503 when ssrd is overloaded or closing,
 * 504 for a timeout, 500 for the rest (and for unknown codes). */
int ssrd_err_http_status(int err);

/* Returns the stable snake_case name of err ("render_error"); "unknown" for
 * unknown codes. */
const char *ssrd_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
