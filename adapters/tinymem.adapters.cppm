// SPDX-License-Identifier: MIT
// The module interface unit of tinymem's hosted adapters: `import tinymem.adapters;` (after
// `import tinymem;`). Same headers as the header build (tinymem_adapters.hpp); TINYMEM_EXPORT
// turns into `export` here.
module;

#include <algorithm>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory_resource>
#include <new>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

// TINYMEM_ASSERT: macros do not cross `import tinymem;`, so the adapters include the macro's
// header here, outside the module purview (its report function then belongs to no module).
#include "tinymem/detail/assert.hpp"

export module tinymem.adapters;

import tinymem;

#define TINYMEM_MODULE 1
#include "tinymem/adapters/common.hpp"
#include "tinymem/adapters/memory_resource.hpp"
#include "tinymem/adapters/vector.hpp"
#include "tinymem/adapters/string.hpp"
#include "tinymem/adapters/box.hpp"
#include "tinymem/adapters/flat_map.hpp"
#include "tinymem/adapters/unordered_map.hpp"
