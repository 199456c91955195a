/* version.h gives ssrd's version, at compile time and at run time. */
#ifndef SSRD_VERSION_H
#define SSRD_VERSION_H

#define SSRD_VERSION_MAJOR 0
#define SSRD_VERSION_MINOR 1
#define SSRD_VERSION_PATCH 0
#define SSRD_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* Returns the version the library was built as, e.g. "0.1.0". */
const char *ssrd_version(void);

#ifdef __cplusplus
}
#endif
#endif
