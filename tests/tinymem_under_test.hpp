// SPDX-License-Identifier: MIT
// Brings tinymem into a test the way the build chose: `import tinymem;` in module mode,
// the headers otherwise. Include it after every other header (imports follow #includes).
#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif
