/* fuzz_proto.c: libFuzzer target for the render protocol's decoder. Every
 * input must decode or be refused with a reason, never crash, read out of
 * bounds or leak (built with ASan and UBSan); a decoded message must be
 * consistent. Run by ctest for a bounded time (tests/CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ssrd/errors.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ssrd_msg m;
	char     why[256];
	/* an exact-size copy, so any read past the end is caught */
	char *buf = malloc(size ? size : 1);
	if (buf == NULL) {
		return 0;
	}
	memcpy(buf, data, size);
	int rv = ssrd__proto_decode(buf, size, 8, &m, why, sizeof(why));
	if (rv == SSRD_OK) {
		if (m.kind == SSRD_MSG_RENDER || m.kind == SSRD_MSG_STREAM
		    || m.kind == SSRD_MSG_BATCH) {
			if (m.nrenders == 0 || m.nrenders > 8) {
				abort();
			}
			for (size_t i = 0; i < m.nrenders; i++) {
				if (m.renders[i].url == NULL
				    || m.renders[i].url[0] != '/'
				    || m.renders[i].props == NULL
				    || strlen(m.renders[i].props)
				        != m.renders[i].props_len) {
					abort();
				}
			}
		}
	} else if (why[0] == '\0' && rv == SSRD_EINVAL) {
		abort(); /* every refusal says why */
	}
	ssrd__proto_msg_clear(&m);
	free(buf);
	return 0;
}
