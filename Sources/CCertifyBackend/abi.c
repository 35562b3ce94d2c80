#include "certify_backend.h"

/* SwiftPM needs one source file per C target; the ABI itself is the header. Hidden, so that a
 * plugin linking this target still exports nothing but certify_backend_bootstrap. */
__attribute__((visibility("hidden"))) const unsigned certify_backend_abi_major = CERTIFY_ABI_VERSION_MAJOR;
