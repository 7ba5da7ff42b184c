// SPDX-License-Identifier: MIT
// Brings tinymem and its adapters into a test the way the build chose. Include it LAST
// (in module mode every #include must come before the first import).
#ifdef TINYMEM_USE_MODULE
import tinymem;
import tinymem.adapters;
#else
#include <tinymem.hpp>
#include <tinymem_adapters.hpp>
#endif
