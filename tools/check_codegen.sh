#!/usr/bin/env bash
# Guards the codegen: if a generic helper stops inlining into its #[target_feature] entry
# point, its intrinsics become out-of-line calls without the feature and the vector code
# silently degrades (seen once: a closure in the row driver). Disassembles the kernels
# library the test profile built (opt-level 2; building it again in release for its
# assembly cost CI two and a half minutes):
#  - no out-of-line core::arch function (intrinsics must all be inlined);
#  - each x86-64 entry point uses its vectors (ymm for AVX2, zmm for AVX-512).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -m)" = x86_64 ] || { echo "check_codegen: x86-64 only, skipped"; exit 0; }
rlib=$(cargo build --profile test -p simdpool-kernels --message-format=json 2>/dev/null |
  grep -o '"[^"]*libsimdpool_kernels[^"]*\.rlib"' | tr -d '"' | head -1 || true)
[ -f "$rlib" ] || { echo "check_codegen: FAILED: no kernels library built"; exit 1; }
dis=target/codegen.dis
objdump -d --no-show-raw-insn -M intel "$rlib" >"$dis"
fail=0
if grep -E '^[0-9a-f]+ <_?_ZN4core9core_arch[^>]*>:' "$dis" | grep -q .; then
  echo "check_codegen: FAILED: out-of-line core::arch functions:"
  grep -E '^[0-9a-f]+ <_?_ZN4core9core_arch[^>]*>:' "$dis" | head
  fail=1
fi
body() { # the instructions of every function whose mangled name contains all of $@
  awk -v pat="$*" 'BEGIN{n=split(pat,p," ")} /^[0-9a-f]+ <_ZN.*>:$/{on=1; for(i=1;i<=n;i++) if(index($0,p[i])==0) on=0; next} /^$/{on=0} on{print}' "$dis"
}
for isa_reg in "avx2 ymm" "avx512 zmm"; do
  set -- $isa_reg
  pixels=$(for t in f32 f16 bf16 i8 u8; do echo pixels_max_$t pixels_argmax_$t pixels_avg_$t; done)
  for k in max argmax avg $pixels bytes_max_i8 bytes_max_u8 widen_f16 narrow_f16 widen_bf16 narrow_bf16 widen_i8 narrow_i8 widen_u8 narrow_u8 to_block from_block merge_max max_of; do
    reg=$2 least=3
    case $k in bytes_*) reg=ymm ;; esac # byte max runs 256-bit vectors in both tables
    # A conversion loop at opt-level 2 is not unrolled: one conversion, plus its tail's.
    case $k in widen_* | narrow_*) least=2 ;; esac
    n=$(body "$1" "${#k}$k" | grep -cE "v(max|add|div|blendv|cmp|permt2|perm|cvt|pmov|pack|psll|psrl|pmax|unpck|shuf)[a-z0-9]*[[:space:]].*$reg" || true)
    if [ "$n" -lt "$least" ]; then echo "check_codegen: FAILED: $1::$k has $n $reg vector instructions"; fail=1
    else echo "check_codegen: $1::$k: $n $reg instructions, inlined"; fi
  done
done
exit $fail
