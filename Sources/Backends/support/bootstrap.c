/* The version check every plugin's certify_backend_bootstrap makes. */
#include "cb_support.h"

int cbs_bootstrap_accepts(const cb_bootstrap_request *request) {
    /* A request too small to hold harness_abi_major cannot be read safely.
     * Any minor is served: a newer harness reads only as far as our
     * cb_api.struct_size, and ABI 1.0 is the oldest minor there is. */
    return request != NULL && request->struct_size >= sizeof(cb_bootstrap_request) &&
           request->harness_abi_major == CERTIFY_ABI_VERSION_MAJOR;
}
