/** @file the packed GEMM compiled for generic (16-byte vectors); the flags come from binding.gyp */
#define HL_NS generic
#define HL_VBYTES 16
#include "kernel.inc"
