/* errors.h declares ssrd's one error enum, shared by the daemon, the client
 * library and the protocol. */
#ifndef SSRD_ERRORS_H
#define SSRD_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every ssrd error, once: the enum constant, the stable snake_case name that
 * the protocol and the logs carry, and a message for people. 0 is success;
 * the numeric values are part of the protocol, so new codes go at the end.
 */
#define SSRD_ERRORS(X)                                                         \
	X(SSRD_OK, 0, "ok", "success")                                         \
	X(SSRD_ENOMEM, 1, "no_memory", "out of memory")                        \
	X(SSRD_EINVAL, 2, "invalid", "invalid argument")                       \
	X(SSRD_ENOENT, 3, "not_found", "not found")                            \
	X(SSRD_EIO, 4, "io_error", "input/output error")                       \
	X(SSRD_ECONFIG, 5, "bad_config", "invalid configuration")              \
	X(SSRD_EJS, 6, "render_error", "the page's JavaScript threw")          \
	X(SSRD_ENOROUTE, 7, "no_route", "no route matches the path")           \
	X(SSRD_EBADPROPS, 8, "bad_props", "props are not a valid JSON object") \
	X(SSRD_ETIMEDOUT, 9, "timeout", "timed out")                           \
	X(SSRD_EOVERLOAD, 10, "overloaded", "too many requests queued")        \
	X(SSRD_ECLOSED, 11, "closed", "shutting down")                         \
	X(SSRD_EBUILD, 12, "build_error", "the bundle failed to build")        \
	X(SSRD_ESYS, 13, "system_error", "system call failed")                 \
	X(SSRD_ENNG, 14, "transport_error", "messaging (nng) failed")          \
	X(SSRD_EENGINE, 15, "engine_error", "the JavaScript engine failed")    \
	X(SSRD_EBADREQ, 16, "bad_request",                                     \
	    "the request is malformed or not understood")                      \
	X(SSRD_EOOM, 17, "out_of_memory",                                      \
	    "the render reached the isolate's heap limit")                     \
	X(SSRD_ETOOBIG, 18, "output_too_large",                                \
	    "the render's output passed max_output_kb")

typedef enum ssrd_err {
#define SSRD_ERR_ENUM(sym, num, name, msg) sym = num,
	SSRD_ERRORS(SSRD_ERR_ENUM)
#undef SSRD_ERR_ENUM
} ssrd_err;

/* Returns a static message for err; never NULL, even for unknown codes. */
const char *ssrd_strerror(int err);

/* Returns the stable snake_case name of err ("render_error"); "unknown" for
 * unknown codes. */
const char *ssrd_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
