// SPDX-License-Identifier: MIT
// Brings tinymem into the firmware the way the build chose: `import tinymem;` in the module
// build (clang), the headers otherwise (g++). Include it after every other header.
#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif
