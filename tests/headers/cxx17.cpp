// SPDX-License-Identifier: MIT
// Every public header under a standard older than C++20: tests/headers/check.sh expects exactly
// one error, tinymem/version.hpp's #error naming C++20, and nothing else.
#include <tinymem.hpp>
#include <tinymem/synchronized.hpp>
#ifndef TINYMEM_CORE_ONLY
#include <tinymem_adapters.hpp>
#endif

int main() { return 0; }
