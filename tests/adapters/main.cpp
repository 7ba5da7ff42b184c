// SPDX-License-Identifier: MIT
// The adapters' own Boost.Test runner (independent of the core suite's tests/main.cpp).
#define BOOST_TEST_MODULE tinymem_adapters
#ifdef TINYMEM_BOOST_TEST_HEADER_ONLY // cross builds without the library (cross/aarch64-*.ini)
#include <boost/test/included/unit_test.hpp>
#else
#include <boost/test/unit_test.hpp>
#endif
