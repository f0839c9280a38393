/** @file the interface between the dispatcher (gemm.cc) and the per-ISA kernels (kernel_*.cc) */
#pragma once

namespace hl {

/** C ← α·op(A)·op(B) + β·C on row-major matrices (op(A) m×k, op(B) k×n), as the TS GemmCall. */
template <typename T>
struct GemmArgs {
  bool transA, transB;
  long m, n, k;
  T alpha;
  const T* a;
  long lda;
  const T* b;
  long ldb;
  T beta;
  T* c;
  long ldc;
};

/** A packed KC × NC panel of op(B) (rows p0…p0+kc, columns j0…j0+nc) and the β its k-block applies. */
template <typename T>
struct Panel {
  const T* packed;
  long p0, kc, j0, nc;
  T beta;
};

// Blocking shared by every ISA (kernel.inc explains the choice), so the dispatcher can size the
// scratch: A block MC × KC, B panel KC × NC (NC rounded up to the widest NR, 64 floats).
constexpr int kMR = 6;
constexpr long kKC = 384;
constexpr long kMC = 72;
constexpr long kNC = 4096;
constexpr long kPackABytes = kKC * kMC * 8 + 4096;
constexpr long kPackBBytes = kKC * (kNC + 64) * 8 + 4096;

/** Activations the addon evaluates, by their codes in src/kernels/activations.ts (native.ts hands the rest to TypeScript). */
enum ActivationKind { kLinear = 0, kRelu = 1, kLeakyRelu = 2, kSigmoid = 3 };

/** c ← f(c + bias) per row, d1 ← f'(·), and d2 ← f''(·) where d2 is not null; rows × width, row-major. */
template <typename T>
struct ActivateArgs {
  int kind;
  T* c;
  const T* bias;
  T* d1;
  T* d2;
  long rows, width;
};

/**
 * The elementwise step of a backward pass over columns j0…j1 of rows × width matrices:
 * with rg: rg ← rg⊙d1 + g⊙d2 (d2 may be null), g ← g⊙d1, bias ← Σ_rows rg;
 * without: g ← g⊙d1, bias ← Σ_rows g. Column sums accumulate in double.
 */
template <typename T>
struct BackwardArgs {
  T* g;
  const T* d1;
  T* rg;
  const T* d2;
  T* bias;
  long rows, width, j0, j1;
};

/** The R-forward step per row: r = rz + vb; p2 ← d2⊙r (when d2 is not null); rz ← d1⊙r. */
template <typename T>
struct RForwardArgs {
  T* rz;
  const T* vb;
  const T* d1;
  const T* d2;
  T* p2;
  long rows, width;
};

/** Σ softplus(y) − t·y over n logits, and grad ← σ(y) − t, hdiag ← σ(y)σ(−y) (when not null). */
template <typename T>
struct SigmoidCeArgs {
  const T* y;
  const T* t;
  T* grad;
  T* hdiag;
  long begin, end;
};

// One namespace per instruction set; each is compiled in its own translation unit with its own
// -m flags, and holds no inline functions or std:: code the linker could merge across them (a
// merged AVX-512 copy of a helper would crash the generic path on older CPUs).
#define HL_DECLARE_KERNELS(ns)                                    \
  namespace ns {                                                  \
  void spackB(const GemmArgs<float>& g, long p0, long kc, long j0, long nc, float* dst);      \
  void dpackB(const GemmArgs<double>& g, long p0, long kc, long j0, long nc, double* dst);    \
  void sblock(const GemmArgs<float>& g, const Panel<float>& panel, long i0, long mc, float* packA);    \
  void dblock(const GemmArgs<double>& g, const Panel<double>& panel, long i0, long mc, double* packA); \
  void sactivate(const ActivateArgs<float>& args);                                            \
  void dactivate(const ActivateArgs<double>& args);                                           \
  void sbackward(const BackwardArgs<float>& args);                                            \
  void srforward(const RForwardArgs<float>& args);                                            \
  void drforward(const RForwardArgs<double>& args);                                           \
  void dbackward(const BackwardArgs<double>& args);                                           \
  double ssigmoidce(const SigmoidCeArgs<float>& args);                                        \
  double dsigmoidce(const SigmoidCeArgs<double>& args);                                       \
  }
HL_DECLARE_KERNELS(avx512)
HL_DECLARE_KERNELS(avx2)
HL_DECLARE_KERNELS(generic)
#undef HL_DECLARE_KERNELS

}  // namespace hl
