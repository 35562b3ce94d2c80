#include "certify_backend.h"

/* SwiftPM needs one source file per C target; the ABI itself is the header. */
const unsigned certify_backend_abi_major = CERTIFY_ABI_VERSION_MAJOR;
