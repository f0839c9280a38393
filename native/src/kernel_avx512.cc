/** @file the packed GEMM compiled for avx512 (64-byte vectors); the flags come from binding.gyp */
#define HL_NS avx512
#define HL_VBYTES 64
#include "kernel.inc"
