// SPDX-License-Identifier: MIT
// tinymem, header build: #include <tinymem.hpp>. The module build (import tinymem;) compiles the
// same headers through tinymem.cppm. The core only: adapters live in adapters/.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_HPP
#define TINYMEM_HPP

#include "tinymem/config.hpp"
#include "tinymem/pool.hpp"
#include "tinymem/bump_pool.hpp"

#endif
