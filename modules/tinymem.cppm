// SPDX-License-Identifier: MIT
// The module interface unit of tinymem's core: `import tinymem;`.
// Standard headers go in the global module fragment; the library's own headers are then
// compiled in the module purview with TINYMEM_EXPORT meaning `export` (see tinymem/export.hpp).
module;

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>  // the default report of a failed TINYMEM_ASSERT (tinymem/detail/assert.hpp)
#include <cstdlib>
// Here, outside the purview, so that its report function belongs to no module and the adapters'
// module unit (which includes it the same way: macros do not cross `import`) declares the same.
#include "tinymem/detail/assert.hpp"
#include <cstring>
#include <span>
#include <type_traits>

#ifdef TINYMEM_POISON_HEADER
#include TINYMEM_POISON_HEADER
#endif

export module tinymem;

#define TINYMEM_MODULE 1
#include "tinymem/config.hpp"
#include "tinymem/pool.hpp"
#include "tinymem/bump_pool.hpp"
