#!/bin/sh
# test-cli.sh: the neural-style command end to end, on real models and
# photos from ../shared.
#
# Usage: test-cli.sh NEURAL_STYLE IMAGE_TOOL SHARED_DIR CLASSIFIER_ONNX
# (meson passes them; see tests/cli/meson.build).  Prints TAP; exits
# nonzero if a test fails.

set -u

cli=${1:-}
tool=${2:-}
shared=${3:-}
classifier=${4:-}
if [ -z "$classifier" ]; then
  echo "Bail out! usage: $0 NEURAL_STYLE IMAGE_TOOL SHARED_DIR CLASSIFIER_ONNX"
  exit 2
fi
models=$shared/models
photos=$shared/test-images

if [ ! -f "$models/wave.onnx" ]; then
  echo "1..0 # SKIP no real models in $models"
  exit 0
fi

# shellcheck source=../tap-lib.sh
. "$(dirname "$0")/../tap-lib.sh"
# The real models, through the path.
NEURAL_STYLE_MODEL_PATH=$models
export NEURAL_STYLE_MODEL_PATH

# Helpers

run ()
{
  capture "$cli" "$@"
}

expect_absent ()
{
  [ ! -e "$1" ] && return 0
  diag "$1 was written"
  return 1
}

# expect_info FILE "WIDTHxHEIGHT CHANNELSch DEPTHbit"
expect_info ()
{
  info=$("$tool" info "$1" 2>&1)
  [ "$info" = "$2" ] && return 0
  diag "$1 is '$info', expected '$2'"
  return 1
}

# The colours of OUT differ from IN's (mean absolute difference > 0.05).
expect_stylized ()
{
  change=$("$tool" changed "$1" "$2" 0.05) && return 0
  diag "$2 barely differs from $1 (mean change '$change')"
  return 1
}

# expect_close A B MAX: A and B have the same size and colours that differ
# by at most MAX (mean absolute difference, 0..1; 0: the same colours).
expect_close ()
{
  change=$("$tool" changed "$1" "$2" "$3")
  [ $? -eq 1 ] && return 0
  diag "$2 differs from $1 by '$change' on average, at most $3 expected"
  return 1
}

# A fresh folder holding a precious OUT, to check failures leave it alone.
fresh_out_dir ()
{
  rm -rf "$work/o"
  mkdir -p "$work/o"
  echo "precious" > "$work/o/out.png"
}

expect_out_untouched ()
{
  [ "$(cat "$work/o/out.png" 2> /dev/null)" = "precious" ] && expect_files "$work/o" out.png
}

# expect_failure TEXT: exit 1, TEXT on stderr, the existing OUT untouched
# and nothing else written beside it.
expect_failure ()
{
  expect_rc 1 && expect_in err "$1" && expect_out_untouched
}

# Test images, from the shared photos

make_images ()
{
  "$tool" make "$photos/chelsea.png" "$work/small.png" 160x106 &&
  "$tool" make "$photos/chelsea.png" "$work/small.jpg" 160x106 &&
  "$tool" make "$photos/chelsea.png" "$work/small.tif" 160x106 &&
  "$tool" make "$photos/chelsea.png" "$work/small16.png" 160x106 16bit &&
  "$tool" make "$photos/chelsea.png" "$work/rgba.png" 160x106 alpha &&
  "$tool" make "$photos/coffee.png" "$work/large.png" 1200x800 &&
  "$tool" make "$photos/rocket.jpg" "$work/huge.png" 2000x1500 &&
  head -c 2000000 "$models/wave.onnx" > "$work/truncated.onnx" &&
  echo "not a picture" > "$work/not-a-picture.png"
}

# Tests: the happy paths

test_png ()
{
  run -q "$work/small.png" "$work/out.png"
  expect_rc 0 &&
  expect_info "$work/out.png" "160x106 3ch 8bit" &&
  expect_stylized "$work/small.png" "$work/out.png"
}

test_jpeg ()
{
  run -q --style la_muse "$work/small.jpg" "$work/out.jpg"
  expect_rc 0 &&
  expect_info "$work/out.jpg" "160x106 3ch 8bit" &&
  expect_stylized "$work/small.jpg" "$work/out.jpg"
}

test_tiff ()
{
  run -q "$work/small.tif" "$work/out.tiff"
  expect_rc 0 &&
  expect_info "$work/out.tiff" "160x106 3ch 8bit" &&
  expect_stylized "$work/small.tif" "$work/out.tiff"
}

# small16.png is small.png in 16 bits: the network sees the same pixels,
# so the results differ only by 8-bit rounding (0.25 / 255 on average).
test_16bit ()
{
  run -q "$work/small16.png" "$work/out16.png"
  expect_rc 0 &&
  expect_info "$work/out16.png" "160x106 3ch 16bit" &&
  expect_stylized "$work/small16.png" "$work/out16.png" || return 1
  run -q "$work/small.png" "$work/out8.png"
  expect_rc 0 && expect_close "$work/out8.png" "$work/out16.png" 0.0015
}

test_alpha ()
{
  run -q "$work/rgba.png" "$work/out-rgba.png"
  expect_rc 0 &&
  expect_info "$work/out-rgba.png" "160x106 4ch 8bit" &&
  expect_stylized "$work/rgba.png" "$work/out-rgba.png" || return 1
  "$tool" same-alpha "$work/rgba.png" "$work/out-rgba.png" && return 0
  diag "the alpha channel changed"
  return 1
}

# --full-precision and NEURAL_STYLE_FULL_PRECISION=1 give the same pixels;
# the default differs from them where the CPU has AVX512-FP16 (its large
# products in half precision), and is the same elsewhere.  (The test
# suite's environment asks for float32: unset here.)
test_full_precision ()
{
  env -u NEURAL_STYLE_FULL_PRECISION "$cli" -q --full-precision "$work/small16.png" "$work/full.png" &&
    env NEURAL_STYLE_FULL_PRECISION=1 "$cli" -q "$work/small16.png" "$work/full-env.png" &&
    env -u NEURAL_STYLE_FULL_PRECISION "$cli" -q "$work/small16.png" "$work/default.png" || {
      diag "a run failed"
      return 1
    }
  cmp -s "$work/full.png" "$work/full-env.png" || {
    diag "--full-precision and NEURAL_STYLE_FULL_PRECISION=1 differ"
    return 1
  }
  if grep -qw avx512_fp16 /proc/cpuinfo; then
    cmp -s "$work/full.png" "$work/default.png" && {
      diag "the default is float32 on a CPU with AVX512-FP16"
      return 1
    }
    expect_close "$work/full.png" "$work/default.png" 0.002
  else
    cmp -s "$work/full.png" "$work/default.png" || {
      diag "the default differs from float32 on a CPU without AVX512-FP16"
      return 1
    }
  fi
}

# --strength 0 gives the input back exactly: 16 bits, alpha and all.
test_strength_zero ()
{
  run -q --strength 0 "$work/small16.png" "$work/same16.png"
  expect_rc 0 &&
  expect_info "$work/same16.png" "160x106 3ch 16bit" &&
  expect_close "$work/small16.png" "$work/same16.png" 0 || return 1
  run -q --strength 0 "$work/rgba.png" "$work/same-rgba.png"
  expect_rc 0 &&
  expect_info "$work/same-rgba.png" "160x106 4ch 8bit" &&
  expect_close "$work/rgba.png" "$work/same-rgba.png" 0 || return 1
  "$tool" same-alpha "$work/rgba.png" "$work/same-rgba.png" && return 0
  diag "the alpha channel changed"
  return 1
}

# Bad usage: exit 2, saying what is wrong, nothing written

# expect_usage TEXT ARG...
expect_usage ()
{
  text=$1
  shift
  rm -f "$work/usage.png"
  run "$@"
  expect_rc 2 && expect_in err "$text" && expect_absent "$work/usage.png"
}

test_usage ()
{
  expect_usage "Strength 1.5 is out of range (0 to 1)" \
    --strength 1.5 "$work/small.png" "$work/usage.png" &&
  expect_usage "Stroke scale 9 is out of range (0.25 to 4)" \
    --scale 9 "$work/small.png" "$work/usage.png" &&
  expect_usage "Thread count -1 is negative" \
    --threads -1 "$work/small.png" "$work/usage.png" &&
  expect_usage "--memory cannot be negative" \
    --memory -1 "$work/small.png" "$work/usage.png" &&
  expect_usage "give one input and one output image" &&
  expect_usage "give one input and one output image" "$work/small.png" &&
  expect_usage "the output must end in .png" "$work/small.png" "$work/usage.bmp" &&
  expect_absent "$work/usage.bmp" &&
  expect_usage "--frobnicate" --frobnicate "$work/small.png" "$work/usage.png"
}

# Errors: exit 1, a message, OUT untouched (or absent)

test_missing_input ()
{
  fresh_out_dir
  run "$work/no-such-photo.png" "$work/o/out.png"
  expect_failure "cannot read image '$work/no-such-photo.png'" || return 1
  run "$work/no-such-photo.png" "$work/o/new.png"
  expect_absent "$work/o/new.png"
}

test_unreadable_input ()
{
  fresh_out_dir
  run "$work/not-a-picture.png" "$work/o/out.png"
  expect_failure "cannot read image '$work/not-a-picture.png'"
}

test_unknown_style ()
{
  fresh_out_dir
  run --style no_such_style "$work/small.png" "$work/o/out.png"
  expect_failure "Unknown style 'no_such_style'"
}

test_missing_model ()
{
  fresh_out_dir
  run --style "$work/none.onnx" "$work/small.png" "$work/o/out.png"
  expect_failure "'$work/none.onnx' does not exist"
}

test_corrupt_model ()
{
  fresh_out_dir
  run --style "$work/truncated.onnx" "$work/small.png" "$work/o/out.png"
  expect_failure "'$work/truncated.onnx' is truncated or corrupt"
}

test_not_image_model ()
{
  fresh_out_dir
  run --style "$classifier" "$work/small.png" "$work/o/out.png"
  expect_failure "'classifier.onnx' is not an image style network"
}

# The folder of OUT does not exist: the error says so, not "could not be
# encoded".
test_missing_out_folder ()
{
  fresh_out_dir
  run -q "$work/small.png" "$work/o/missing/out.png"
  expect_failure "Cannot write '$work/o/missing/out.png'" &&
  expect_in err "No such file or directory"
}

test_bad_catalog ()
{
  fresh_out_dir
  NEURAL_STYLE_CATALOG=$work/small.png run "$work/small.png" "$work/o/out.png"
  expect_failure "Style catalog '$work/small.png' cannot be read"
}

# SIGINT while tiles are being stylized: exit 1, nothing written, no
# temporary file left behind.  --memory 1 makes the smallest tiles: the
# 1-megapixel image then takes several seconds.
interrupt_after ()
{
  "$cli" -q --memory 1 "$work/large.png" "$1" > "$work/out" 2> "$work/err" < /dev/null &
  pid=$!
  sleep 2
  if ! kill -INT "$pid" 2> /dev/null; then
    diag "finished before the interrupt"
  fi
  wait "$pid"
  rc=$?
}

test_interrupt ()
{
  fresh_out_dir
  interrupt_after "$work/o/out.png"
  expect_failure "cancelled" || return 1
  interrupt_after "$work/o/new.png"
  expect_rc 1 && expect_absent "$work/o/new.png" && expect_files "$work/o" out.png
}

# Out of memory: a 3-megapixel image in one pass (--memory 100000 MiB)
# needs about 2.4 GB; with 1 GB of address space OpenCV's allocation fails.
# Two threads and two malloc arenas keep the address space the threads
# reserve small whatever the number of cores.
# A CLI built with AddressSanitizer (scripts/run-tests' second build)
# cannot start with 1 GB of address space (its shadow memory reserves
# terabytes): there ASan's allocator makes the same failure, refusing any
# one block over 256 MB (the one-pass run asks for 431 MB blocks, the small
# image for none over 8 MB) and returning NULL as malloc does.
if ldd "$cli" 2> /dev/null | grep -q libasan; then
  limit_memory ()
  {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=256
    export ASAN_OPTIONS
  }
else
  limit_memory ()
  {
    ulimit -v 1000000
  }
fi

run_limited ()
{
  (limit_memory && MALLOC_ARENA_MAX=2 exec "$cli" -q --threads 2 "$@") \
    > "$work/out" 2> "$work/err" < /dev/null
  rc=$?
}

test_out_of_memory ()
{
  fresh_out_dir
  run_limited --memory 100000 "$work/huge.png" "$work/o/out.png"
  if [ "$rc" -gt 128 ]; then
    diag "killed by signal $((rc - 128))"
    diag_output
    return 1
  fi
  expect_failure "Not enough memory" || return 1
  # the same limit is enough for a small image: it is the size that failed
  run_limited "$work/small.png" "$work/o/small.png"
  expect_rc 0
}

# Styles

test_list_styles ()
{
  run --list-styles
  expect_rc 0 || return 1
  if ! grep -q '^wave  *installed  *The Great Wave off Kanagawa (Katsushika Hokusai) · non-commercial use only$' "$work/out" ||
     ! grep -q '^scream  *installed ' "$work/out" ||
     ! grep -q '^mathura  *installed  *Mathura$' "$work/out" ||
     ! grep -q '^udnie-9  *-  *Udnie (Francis Picabia)$' "$work/out" ||
     ! grep -q '^instance_norm_candy  *-  *Candy · non-commercial use only$' "$work/out"; then
    diag "wrong list"
    diag_output
    return 1
  fi
}

test_model_path ()
{
  mkdir -p "$work/extra"
  ln -sf "$models/scream.onnx" "$work/extra/my_style.onnx"
  NEURAL_STYLE_MODEL_PATH='' run --list-styles
  expect_rc 0 && expect_in err "No style model is installed" || return 1
  if grep -q 'installed' "$work/out"; then
    diag "a style is installed without a model path"
    diag_output
    return 1
  fi
  NEURAL_STYLE_MODEL_PATH='' run --list-styles --model-path "$work/extra"
  expect_rc 0 || return 1
  if ! grep -q '^my_style  *installed  *my_style$' "$work/out"; then
    diag "my_style is not listed as installed"
    diag_output
    return 1
  fi
  NEURAL_STYLE_MODEL_PATH='' run -q --model-path "$work/extra" --style my_style \
    "$work/small.png" "$work/mine.png"
  expect_rc 0 && expect_stylized "$work/small.png" "$work/mine.png"
}

test_default_style ()
{
  # Without Magenta's networks the first installed style is mathura (the
  # first freely licensed network); with them, The Starry Night preset.
  run -q "$work/small.png" "$work/default.png"
  expect_rc 0 || return 1
  run -q --style mathura "$work/small.png" "$work/mathura.png"
  expect_rc 0 || return 1
  run -q --style wave "$work/small.png" "$work/wave.png"
  expect_rc 0 || return 1
  cmp -s "$work/default.png" "$work/mathura.png" || { diag "default is not mathura"; return 1; }
  ! cmp -s "$work/default.png" "$work/wave.png" || { diag "wave looks like mathura"; return 1; }
  NEURAL_STYLE_MODEL_PATH=$models:$models/magenta run -q "$work/small.png" "$work/default-magenta.png"
  expect_rc 0 || return 1
  NEURAL_STYLE_MODEL_PATH=$models:$models/magenta run -q --style starry-night \
    "$work/small.png" "$work/starry-night.png"
  expect_rc 0 || return 1
  cmp -s "$work/default-magenta.png" "$work/starry-night.png" ||
    { diag "with Magenta's networks the default is not starry-night"; return 1; }
}


# Arbitrary styles: pictures, presets and saved styles (Magenta's networks
# in $models/magenta)

styles=$shared/test-images/styles

# magenta ARG...: the CLI with Magenta's networks on the model path.
magenta ()
{
  NEURAL_STYLE_MODEL_PATH=$models:$models/magenta run "$@"
}

test_picture_style ()
{
  magenta -q --style "$styles/starry_night.jpg" "$work/small.png" "$work/starry.png"
  expect_rc 0 &&
  expect_info "$work/starry.png" "160x106 3ch 8bit" &&
  expect_stylized "$work/small.png" "$work/starry.png"
}

test_style_amount ()
{
  magenta -q --style "$styles/the_scream.jpg" --style-amount 0 "$work/small.png" "$work/amount0.png"
  expect_rc 0 || return 1
  magenta -q --style "$styles/the_scream.jpg" "$work/small.png" "$work/amount1.png"
  expect_rc 0 || return 1
  ! expect_close "$work/amount0.png" "$work/amount1.png" 0.02 2> /dev/null > /dev/null ||
    { diag "--style-amount 0 looks like 1"; return 1; }
  expect_usage "Style amount 1.5 is out of range (0 to 1)" \
    --style-amount 1.5 "$work/small.png" "$work/usage.png"
}

test_save_style ()
{
  magenta --style "$styles/starry_night.jpg" --save-style my-night --title "My night"
  expect_rc 0 && expect_in out "my-night" &&
  expect_files "$XDG_DATA_HOME/neural-style/models" my-night.style || return 1
  magenta --list-styles
  expect_rc 0 || return 1
  grep -q '^my-night  *installed  *My night (starry_night.jpg)$' "$work/out" ||
    { diag "my-night is not listed"; diag_output; return 1; }
  magenta -q --style my-night "$work/small.png" "$work/my-night.png"
  expect_rc 0 || return 1
  cmp -s "$work/my-night.png" "$work/starry.png" ||
    { diag "the saved style paints unlike its picture"; return 1; }
  magenta --style "$styles/wave.jpg" --save-style my-night
  expect_rc 1 && expect_in err "A style named 'my-night' already exists" || return 1
  magenta --style "$styles/wave.jpg" --save-style starry-night
  expect_rc 1 && expect_in err "A style named 'starry-night' already exists" || return 1
  magenta --style "$styles/wave.jpg" --save-style "../up"
  expect_rc 1 && expect_in err "cannot be a style id" || return 1
  expect_usage "--save-style takes no input or output image" \
    --style "$styles/wave.jpg" --save-style other "$work/small.png" "$work/usage.png" &&
  expect_files "$XDG_DATA_HOME/neural-style/models" my-night.style
}

test_presets ()
{
  magenta --list-styles
  expect_rc 0 || return 1
  for line in 'starry-night  *installed  *The Starry Night (Vincent van Gogh)$' \
              'the-scream  *installed  *The Scream (Edvard Munch)$' \
              'great-wave  *installed  *The Great Wave off Kanagawa (Katsushika Hokusai)$' \
              'composition-vii  *installed  *Composition VII (Wassily Kandinsky)$'; do
    grep -q "^$line" "$work/out" || { diag "not listed: $line"; diag_output; return 1; }
  done
  run --list-styles
  grep -q '^starry-night  *-  ' "$work/out" ||
    { diag "starry-night installed without Magenta's networks"; diag_output; return 1; }
  fresh_out_dir
  run --style starry-night "$work/small.png" "$work/o/out.png"
  expect_failure "Install it with 'neural-style-fetch starry-night'"
}

# Only the int8 transfer network installed: the presets use it.
test_int8_transfer ()
{
  mkdir -p "$work/int8"
  ln -sf "$models/magenta/magenta_arbitrary-image-stylization-v1-256_int8_transfer_1.tflite" "$work/int8/"
  NEURAL_STYLE_MODEL_PATH=$work/int8 run -q --style great-wave "$work/small.png" "$work/int8.png"
  expect_rc 0 && expect_stylized "$work/small.png" "$work/int8.png"
}

test_picture_errors ()
{
  fresh_out_dir
  : > "$work/empty.png"
  magenta --style "$work/not-a-picture.png" "$work/small.png" "$work/o/out.png"
  expect_failure "Picture '$work/not-a-picture.png' is not an image" || return 1
  magenta --style "$work/empty.png" "$work/small.png" "$work/o/out.png"
  expect_failure "Picture '$work/empty.png' is empty" || return 1
  magenta --style "$work/no-such.jpg" "$work/small.png" "$work/o/out.png"
  expect_failure "Picture '$work/no-such.jpg' does not exist" || return 1
  magenta --style "$work/not-a-picture.png" --save-style bad
  expect_rc 1 && expect_in err "is not an image" &&
  expect_files "$XDG_DATA_HOME/neural-style/models" my-night.style
}

# A 1x1 picture is a flat colour: a style like any other.
test_one_pixel_picture ()
{
  "$tool" make "$photos/chelsea.png" "$work/one.png" 1x1 || return 1
  magenta -q --style "$work/one.png" "$work/small.png" "$work/one-out.png"
  expect_rc 0 && expect_stylized "$work/small.png" "$work/one-out.png"
}

test_corrupt_saved_style ()
{
  echo "[Neural Style]" > "$XDG_DATA_HOME/neural-style/models/broken.style"
  echo "vector=1;2;x" >> "$XDG_DATA_HOME/neural-style/models/broken.style"
  magenta --list-styles
  expect_rc 0 || return 1
  grep -q '^broken  *corrupt ' "$work/out" && grep -q '^my-night  *installed ' "$work/out" ||
    { diag "wrong list"; diag_output; return 1; }
  fresh_out_dir
  magenta --style broken "$work/small.png" "$work/o/out.png"
  expect_failure "Saved style 'broken' is corrupt" && expect_in err "'x', which is not a number"
}

# mix_vectors A B M: (1 - M) A + M B of two ';'-separated style vectors,
# in awk's double precision: the blend computed apart from the engine.
mix_vectors ()
{
  awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {
    n = split (a, x, ";"); split (b, y, ";")
    for (i = 1; i <= n; i++)
      printf "%s%.17g", (i > 1 ? ";" : ""), (1 - m) * x[i] + m * y[i]
  }'
}

# vector_of FILE [GROUP]: the vector= line of a saved style (or of GROUP
# in a catalog).
vector_of ()
{
  awk -v group="${2:-Neural Style}" '
    /^\[/ { here = ($0 == "[" group "]") }
    here && /^vector=/ { print substr ($0, 8); exit }' "$1"
}

# max_difference A B: the largest difference between two vectors.
max_difference ()
{
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split (a, x, ";"); split (b, y, ";"); worst = (n == 100 ? 0 : 1e9)
    for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > worst) worst = d }
    print worst
  }'
}

# --mix-with: a preset and a picture mixed as their vectors' blend (the
# vector saved by --save-style against awk's blend; the painting against
# a saved style holding awk's blend), the ends equal to each style alone,
# and the mistakes refused.
test_mix ()
{
  (
    XDG_DATA_HOME=$work/mix-data
    export XDG_DATA_HOME
    saved=$XDG_DATA_HOME/neural-style/models
    scream=$styles/the_scream.jpg
    magenta --style "$scream" --save-style my-scream
    expect_rc 0 || exit 1
    magenta --style starry-night --mix-with "$scream" --mix 0.3 --save-style mixed
    expect_rc 0 || exit 1
    want=$(mix_vectors "$(vector_of "$NEURAL_STYLE_CATALOG" starry-night)" \
                       "$(vector_of "$saved/my-scream.style")" 0.3)
    worst=$(max_difference "$want" "$(vector_of "$saved/mixed.style")")
    awk -v w="$worst" 'BEGIN { exit !(w < 1e-6) }' ||
      { diag "the saved mix is not 0.7 x starry-night + 0.3 x the scream (off by $worst)"; exit 1; }
    grep -qx 'title=The Starry Night 70 % + the_scream.jpg 30 %' "$saved/mixed.style" ||
      { diag "the mix's title:"; sed 's/^/# /' "$saved/mixed.style" | head -3; exit 1; }
    printf '[Neural Style]\ntitle=By awk\nvector=%s\n' "$want" > "$saved/by-awk.style"
    magenta -q --style starry-night --mix-with "$scream" --mix 0.3 "$work/small.png" "$work/mix.png"
    expect_rc 0 || exit 1
    magenta -q --style by-awk "$work/small.png" "$work/by-awk.png"
    expect_rc 0 && expect_close "$work/by-awk.png" "$work/mix.png" 0.0005 || exit 1
    # 0.3 is not 0.7: the blend goes the documented way round.
    magenta -q --style starry-night --mix-with "$scream" --mix 0.7 "$work/small.png" "$work/mix7.png"
    expect_rc 0 || exit 1
    ! expect_close "$work/mix7.png" "$work/mix.png" 0.01 > /dev/null 2>&1 ||
      { diag "--mix 0.7 paints as 0.3 does"; exit 1; }
    for end in 0 1; do
      magenta -q --style starry-night --mix-with my-scream --mix $end "$work/small.png" "$work/mix-end.png"
      expect_rc 0 || exit 1
      [ $end = 0 ] && alone=starry-night || alone=my-scream
      magenta -q --style $alone "$work/small.png" "$work/alone.png"
      cmp -s "$work/mix-end.png" "$work/alone.png" ||
        { diag "--mix $end does not paint as $alone alone"; exit 1; }
    done
    fresh_out_dir
    magenta --style starry-night --mix-with wave "$work/small.png" "$work/o/out.png"
    expect_failure "Style 'wave' is a trained network: it has no style vector to mix" || exit 1
    magenta --style "$models/wave.onnx" --mix-with my-scream "$work/small.png" "$work/o/out.png"
    expect_failure "is a trained network: only pictures and Magenta's styles can be mixed" || exit 1
    expect_usage "--mix needs --mix-with" --style starry-night --mix 0.3 "$work/small.png" "$work/usage.png" &&
    expect_usage "--mix must be a number from 0 to 1" \
      --style starry-night --mix-with my-scream --mix 1.5 "$work/small.png" "$work/usage.png" &&
    expect_usage "--mix must be a number from 0 to 1" \
      --style starry-night --mix-with my-scream --mix nan "$work/small.png" "$work/usage.png"
  )
}

if ! make_images; then
  echo "Bail out! cannot make the test images"
  exit 1
fi

t "PNG in, PNG out, same size, stylized" test_png
t "JPEG in, JPEG out (la_muse)" test_jpeg
t "TIFF in, TIFF out" test_tiff
t "a 16-bit PNG stays 16-bit, the 8-bit result to 8-bit rounding" test_16bit
t "an RGBA PNG keeps its alpha channel exactly" test_alpha
t "--strength 0 gives 16-bit and RGBA inputs back exactly" test_strength_zero
t "--full-precision and NEURAL_STYLE_FULL_PRECISION=1: float32; the default: half precision on AVX512-FP16" test_full_precision
t "bad usage exits 2, says why, writes nothing" test_usage
t "a missing input fails, OUT untouched or absent" test_missing_input
t "an unreadable input fails, OUT untouched" test_unreadable_input
t "an unknown style fails, naming it" test_unknown_style
t "a missing model file fails, naming it" test_missing_model
t "a corrupt model file fails, naming it" test_corrupt_model
t "a network that is not a style network fails" test_not_image_model
t "OUT in a missing folder fails with the system's reason" \
  test_missing_out_folder
t "a catalog that is not one fails, naming it" test_bad_catalog
t "SIGINT halfway: exit 1, OUT untouched or absent, no temporaries" test_interrupt
t "out of memory: exit 1 with a message, no crash, nothing written" \
  test_out_of_memory
t "--list-styles lists the catalog and marks installed and non-commercial styles" \
  test_list_styles
t "--model-path adds a folder; dropped-in files are styles" test_model_path
t "the default style is the first installed one (mathura, or starry-night with Magenta)" test_default_style
t "a picture is a style" test_picture_style
t "--style-amount mixes in the photo's own style" test_style_amount
t "--save-style saves a picture's style, used then by id" test_save_style
t "the four paintings are presets, installed with Magenta's networks" test_presets
t "the int8 transfer network alone paints the presets" test_int8_transfer
t "pictures that are not images, empty or missing fail, naming them" \
  test_picture_errors
t "a 1x1 picture is a style" test_one_pixel_picture
t "a corrupt saved style is listed as corrupt and fails, naming the problem" \
  test_corrupt_saved_style
t "--mix-with mixes two styles' vectors; --save-style keeps the mix" test_mix

# Hostile inputs: each a clear error (or a clear warning), never a hang,
# a crash or a lost file.

# A FIFO is never opened for reading as if it were a file: as IN (which
# used to hang, deaf to Ctrl+C and SIGTERM) or as a saved style.
test_fifo ()
{
  fresh_out_dir
  mkfifo "$work/fifo.png" || return 1
  capture timeout -k 5 20 "$cli" -q "$work/fifo.png" "$work/o/out.png"
  expect_failure "cannot read image '$work/fifo.png': it is not a regular file" || return 1
  mkdir -p "$work/fifo-models"
  mkfifo "$work/fifo-models/pipe.style" || return 1
  NEURAL_STYLE_MODEL_PATH=$work/fifo-models:$models:$models/magenta capture timeout -k 5 20 "$cli" --list-styles
  expect_rc 0 || return 1
  grep -q '^pipe  *corrupt ' "$work/out" || { diag "pipe is not listed as corrupt"; diag_output; return 1; }
  NEURAL_STYLE_MODEL_PATH=$work/fifo-models:$models:$models/magenta \
    capture timeout -k 5 20 "$cli" --style pipe "$work/small.png" "$work/o/out.png"
  expect_failure "Saved style 'pipe' is corrupt" && expect_in err "it is not a regular file"
}

# An OUT of mode 0600 stays 0600 when replaced.
test_keep_mode ()
{
  cp "$work/small.png" "$work/private.png" && chmod 600 "$work/private.png" || return 1
  run -q "$work/small.png" "$work/private.png"
  expect_rc 0 || return 1
  mode=$(stat -c %a "$work/private.png")
  [ "$mode" = 600 ] || { diag "OUT is now mode $mode"; return 1; }
}

# Four saves of one id at once: one is saved, three told the id is taken.
test_save_style_race ()
{
  for k in 1 2 3 4; do
    NEURAL_STYLE_MODEL_PATH=$models:$models/magenta \
      "$cli" --style "$styles/wave.jpg" --save-style raced > "$work/race$k.out" 2> "$work/race$k.err" &
  done
  wait
  saved=$(cat "$work"/race?.out | grep -c "Saved style 'raced'")
  taken=$(cat "$work"/race?.err | grep -c "A style named 'raced' already exists")
  [ "$saved" -eq 1 ] && [ "$taken" -eq 3 ] ||
    { diag "$saved saved, $taken refused"; cat "$work"/race?.out "$work"/race?.err | sed 's/^/#   /'; return 1; }
  magenta --list-styles
  grep -q '^raced  *installed ' "$work/out" || { diag "raced is not listed"; diag_output; return 1; }
  expect_files "$XDG_DATA_HOME/neural-style/models" broken.style my-night.style raced.style
}

# Ids that read as file names, or as another id but for case, are refused;
# a picture file is the picture even where an older saved style has its name.
test_style_ids ()
{
  magenta --style "$styles/wave.jpg" --save-style chelsea.png
  expect_rc 1 && expect_in err "'chelsea.png' cannot be a style id: it looks like a file name" || return 1
  magenta --style "$styles/wave.jpg" --save-style wave.ONNX
  expect_rc 1 && expect_in err "it looks like a file name" || return 1
  magenta --style "$styles/wave.jpg" --save-style MATHURA
  expect_rc 1 && expect_in err "A style named 'mathura' already exists, and 'MATHURA' differs from it only in case" || return 1
  magenta --style "$styles/wave.jpg" --save-style My-Night
  expect_rc 1 && expect_in err "A style named 'my-night' already exists" || return 1
  sed 's/^title=.*/title=Old/' "$XDG_DATA_HOME/neural-style/models/my-night.style" \
    > "$XDG_DATA_HOME/neural-style/models/small.png.style"
  # the picture by a relative name, from its folder
  here=$(pwd)
  cli_path=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")
  cd "$work" && NEURAL_STYLE_MODEL_PATH=$models:$models/magenta capture "$cli_path" -q \
    --style small.png small.png "$work/as-picture.png"
  cd "$here" && expect_rc 0 || return 1
  magenta -q --style "$work/small.png" "$work/small.png" "$work/picture.png"
  rm -f "$XDG_DATA_HOME/neural-style/models/small.png.style"
  expect_rc 0 || return 1
  cmp -s "$work/as-picture.png" "$work/picture.png" ||
    { diag "--style small.png did not paint with the picture"; return 1; }
}

# Names and titles holding terminal escapes are listed escaped.
test_list_escapes ()
{
  mkdir -p "$work/escapes"
  ln -sf "$models/scream.onnx" "$work/escapes/$(printf 'red\033[31m').onnx"
  NEURAL_STYLE_MODEL_PATH=$work/escapes run --list-styles
  expect_rc 0 || return 1
  if grep -q "$(printf '\033')" "$work/out" || ! grep -qF 'red\x1b[31m  ' "$work/out"; then
    diag "the escape is not escaped"
    diag_output
    return 1
  fi
}

test_memory_values ()
{
  expect_usage "--memory must be a finite number of MiB" \
    --memory inf "$work/small.png" "$work/usage.png" &&
  expect_usage "--memory must be a finite number of MiB" \
    --memory nan "$work/small.png" "$work/usage.png" &&
  expect_usage "--memory 1e+300 is too large (at most 16777216 MiB)" \
    --memory 1e300 "$work/small.png" "$work/usage.png" || return 1
  run -q --memory 1 "$work/small.png" "$work/tiny-budget.png"
  expect_rc 0 && expect_in err "the memory budget (1.0" && expect_in err "is less than a network pass needs" || return 1
  run -q --memory 50 "$work/small.png" "$work/tiny-budget.png"
  expect_rc 0 || return 1
  [ ! -s "$work/err" ] || { diag "a warning for 50 MiB"; diag_output; return 1; }
}

# A catalog's file name is a plain name, never a path out of the folder.
test_catalog_path ()
{
  cp "$NEURAL_STYLE_CATALOG" "$work/hostile.ini" || return 1
  printf '\n[passwd]\ntitle=Passwords\nfile=../../../../../../../../../etc/passwd\nformat=onnx\n' >> "$work/hostile.ini"
  NEURAL_STYLE_CATALOG=$work/hostile.ini run --list-styles
  expect_rc 0 || return 1
  grep -q '^passwd  *-  *Passwords$' "$work/out" || { diag "passwd is installed"; diag_output; return 1; }
  fresh_out_dir
  NEURAL_STYLE_CATALOG=$work/hostile.ini run --style passwd "$work/small.png" "$work/o/out.png"
  expect_failure "the style catalog gives it the file name '../../../../../../../../../etc/passwd', which is not a plain file name"
}

# A user's own udnie.onnx (here: the scream network) is style udnie, and
# says it is not the catalog's file.
test_own_file_for_catalog_id ()
{
  mkdir -p "$work/own"
  ln -sf "$models/scream.onnx" "$work/own/udnie.onnx"
  NEURAL_STYLE_MODEL_PATH=$work/own:$models run --list-styles
  expect_rc 0 || return 1
  grep -q "^udnie  *installed  *Udnie: your own file udnie.onnx, not the catalog's (Francis Picabia)" "$work/out" ||
    { diag "udnie.onnx is not listed as udnie"; diag_output; return 1; }
  NEURAL_STYLE_MODEL_PATH=$work/own:$models run -q --style udnie "$work/small.png" "$work/own-udnie.png"
  expect_rc 0 || return 1
  run -q --style "$models/scream.onnx" "$work/small.png" "$work/own-scream.png"
  expect_rc 0 || return 1
  cmp -s "$work/own-udnie.png" "$work/own-scream.png" || { diag "udnie is not the user's file"; return 1; }
}

# A 45-byte PNG declaring 20000 x 20000 pixels (1.2 GB decoded) is refused
# before decoding, within 1 GB of address space.
test_huge_declared_size ()
{
  fresh_out_dir
  printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000N \000\000N \010\002\000\000\000l\022\321n' > "$work/huge-header.png"
  printf '\000\000\000\000IEND\256B`\202' >> "$work/huge-header.png"
  run_limited "$work/huge-header.png" "$work/o/out.png"
  expect_failure "Image '$work/huge-header.png' is 20000 x 20000 pixels: it takes 3.0" &&
  expect_in err "in memory, more than the memory budget (1.2"
}

test_damaged_images ()
{
  fresh_out_dir
  head -c 2000 "$work/small.jpg" > "$work/truncated.jpg"
  run -q "$work/truncated.jpg" "$work/o/out.png"
  expect_failure "Image '$work/truncated.jpg' is damaged: its JPEG data end before the picture does" || return 1
  head -c 2000 "$work/small.png" > "$work/truncated.png"
  run -q "$work/truncated.png" "$work/o/out.png"
  expect_failure "Image '$work/truncated.png' is damaged: it is a PNG file"
}

# A saved style of 100 numbers of 1e38 (that painted black) is refused.
test_vector_range ()
{
  {
    echo "[Neural Style]"
    printf 'vector=1e38'
    for k in $(seq 99); do printf ';1e38'; done
    echo
  } > "$XDG_DATA_HOME/neural-style/models/huge.style"
  magenta --list-styles
  grep -q '^huge  *corrupt ' "$work/out" || { diag "huge is not corrupt"; diag_output; return 1; }
  fresh_out_dir
  magenta --style huge "$work/small.png" "$work/o/out.png"
  rm -f "$XDG_DATA_HOME/neural-style/models/huge.style"
  expect_failure "Saved style 'huge' is corrupt" &&
  expect_in err "its style vector holds 1e+38, far outside the range of real style vectors (-20 to 20)"
}

t "a FIFO as IN or as a saved style fails at once, saying it is not a file" test_fifo
t "OUT replaced keeps its mode (0600)" test_keep_mode
t "four saves of one id at once: one saved, three refused, the file whole" test_save_style_race
t "ids like file names or other ids but for case are refused; a picture file wins" test_style_ids
t "--list-styles escapes control characters" test_list_escapes
t "--memory: inf, nan and 1e300 refused; below a pass's least, a warning" test_memory_values
t "a catalog file name with '../' is not installed, and says why" test_catalog_path
t "a dropped-in udnie.onnx is style udnie, marked as the user's own file" \
  test_own_file_for_catalog_id
t "a PNG declaring 20000x20000 pixels is refused before decoding" test_huge_declared_size
t "a truncated JPEG or PNG fails, saying it is damaged" test_damaged_images
t "a saved style of 1e38s is corrupt, far outside real style vectors" test_vector_range

# A crafted Torch file: a FloatTensor whose storage claims 2^40 floats, in
# 173 bytes.  OpenCV's importer would fread them into a null buffer
# (SIGSEGV); the engine's .t7 walker refuses the file first, given with
# --style or dropped into a model folder.

# make_huge_storage_t7 FILE
make_huge_storage_t7 ()
{
  {
    # torch object 1, "V 1", torch.FloatTensor: 1 dimension of 16, stride 1, offset 1
    printf '\004\000\000\000\001\000\000\000\003\000\000\000V 1\021\000\000\000torch.FloatTensor'
    printf '\001\000\000\000\020\000\000\000\000\000\000\000'
    printf '\001\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000'
    # its storage, torch object 2: a torch.FloatStorage of 2^40 floats...
    printf '\004\000\000\000\002\000\000\000\003\000\000\000V 1\022\000\000\000torch.FloatStorage'
    printf '\000\000\000\000\000\001\000\000'
    # ...of which the file holds 16
    head -c 64 /dev/zero
  } > "$1"
}

test_hostile_t7 ()
{
  fresh_out_dir
  make_huge_storage_t7 "$work/huge-storage.t7"
  size=$(wc -c < "$work/huge-storage.t7")
  [ "$size" -eq 173 ] || { diag "the crafted file has $size bytes"; return 1; }
  run --style "$work/huge-storage.t7" "$work/small.png" "$work/o/out.png"
  expect_failure "Model file '$work/huge-storage.t7' is damaged: a storage claims 1099511627776 values but the file has 64 bytes left"
}

test_hostile_t7_in_folder ()
{
  mkdir -p "$work/hostile-t7"
  make_huge_storage_t7 "$work/hostile-t7/huge-storage.t7"
  NEURAL_STYLE_MODEL_PATH=$work/hostile-t7:$models run --list-styles
  expect_rc 0 || return 1
  if ! grep -q '^huge-storage ' "$work/out" || ! grep -q '^wave  *installed ' "$work/out"; then
    diag "huge-storage or wave not listed"
    diag_output
    return 1
  fi
  fresh_out_dir
  NEURAL_STYLE_MODEL_PATH=$work/hostile-t7:$models run --style huge-storage \
    "$work/small.png" "$work/o/out.png"
  expect_failure "is damaged: a storage claims 1099511627776 values"
}

t "a .t7 whose storage claims 2^40 floats fails cleanly, naming the damage" test_hostile_t7
t "that .t7 in a model folder: the styles are listed, using it fails cleanly" \
  test_hostile_t7_in_folder


# Statistics of an image painted in tiles (--memory 1: tiles of the
# smallest size, the snapshots between layers beyond memory, in TMPDIR).
# The default is the whole-image painting; with too little room in TMPDIR
# it says so and falls back to a shrunk copy's statistics; asked for whole
# statistics it refuses before painting.
statistics_photo ()
{
  [ -f "$work/mid.png" ] || "$tool" make "$photos/chelsea.png" "$work/mid.png" 480x320
}

test_statistics_default_is_whole ()
{
  statistics_photo || return 1
  run -q --memory 1 "$work/mid.png" "$work/auto.png" && expect_rc 0 || return 1
  if grep -q "shrunk copy" "$work/err"; then
    diag "the default fell back to shrunk statistics"
    diag_output
    return 1
  fi
  run -q --memory 1 --statistics whole "$work/mid.png" "$work/whole.png" && expect_rc 0 || return 1
  run -q --memory 1 --statistics shrunk "$work/mid.png" "$work/shrunk.png" && expect_rc 0 || return 1
  expect_close "$work/whole.png" "$work/auto.png" 0 || return 1
  # The measure tells the two apart.
  "$tool" changed "$work/whole.png" "$work/shrunk.png" 0.002 > /dev/null && return 0
  diag "shrunk and whole statistics gave the same painting"
  return 1
}

# run_small_tmp ARG...: the CLI with TMPDIR on a 1 MiB tmpfs of its own, in
# a mount namespace of its own (needs root: CI runs as root).
run_small_tmp ()
{
  mkdir -p "$work/small-tmp"
  capture unshare --mount --propagation private sh -c '
    mount -t tmpfs -o size=1m none "$1" || exit 99
    dir=$1
    shift
    TMPDIR=$dir exec "$@"' sh "$work/small-tmp" "$cli" "$@"
}

test_statistics_small_tmp ()
{
  statistics_photo || return 1
  [ -f "$work/shrunk.png" ] ||
    capture "$cli" -q --memory 1 --statistics shrunk "$work/mid.png" "$work/shrunk.png"
  run_small_tmp -q --memory 1 "$work/mid.png" "$work/fallback.png"
  expect_rc 0 &&
    expect_in err "free in the temporary folder $work/small-tmp" &&
    expect_in err "painting with statistics from a shrunk copy" &&
    expect_close "$work/shrunk.png" "$work/fallback.png" 0 || return 1
  fresh_out_dir
  run_small_tmp -q --memory 1 --statistics whole "$work/mid.png" "$work/o/out.png"
  expect_failure "Whole-image statistics for this image need" &&
    expect_in err "free in the temporary folder $work/small-tmp"
}

test_statistics_usage ()
{
  expect_usage "--statistics must be whole, shrunk or auto" \
    --statistics exact "$work/small.png" "$work/usage.png"
}

t "tiled, the default painting is the whole-image one (--statistics whole)" \
  test_statistics_default_is_whole
if [ "$(id -u)" = 0 ] && unshare --mount true 2> /dev/null; then
  t "too little room in TMPDIR: auto says so and uses a shrunk copy; whole refuses" \
    test_statistics_small_tmp
else
  skip "too little room in TMPDIR: auto falls back, whole refuses" "needs root for a small tmpfs"
fi
t "--statistics takes whole, shrunk or auto" test_statistics_usage


# Colour profiles: a photo converted to Adobe RGB (1998) by Pillow, the
# profile embedded, is painted as the sRGB photo is (the CLI converts it to
# sRGB and writes sRGB).  Measured by color.py (Pillow's ImageCms): mean
# CIE76 dE of 8 x 8 block means, with the colours kept (--preserve-colors:
# 4.1 before, 0.16 now) and at strength 0.5.
color=$(dirname "$0")/color.py

profiled_case ()
{
  ext=$1
  limit=$2
  shift 2
  "$cli" -q "$@" "$work/mid.png" "$work/plain-out.png" 2> /dev/null || return 1
  run -q "$@" "$work/adobe.$ext" "$work/adobe-out.png"
  expect_rc 0 && expect_in err "has the colour profile 'Compatible with Adobe RGB (1998)'" ||
    return 1
  delta=$(/usr/bin/python3 "$color" delta "$work/plain-out.png" "$work/adobe-out.png")
  mean=${delta% *}
  if awk -v m="$mean" -v l="$limit" 'BEGIN { exit !(m <= l) }'; then
    diag "$ext $*: dE mean and largest $delta"
    return 0
  fi
  diag "$ext $*: dE mean and largest $delta, mean at most $limit expected"
  return 1
}

test_color_profiles ()
{
  statistics_photo || return 1
  for ext in png jpg tif; do
    /usr/bin/python3 "$color" adobe "$work/mid.png" "$work/adobe.$ext" || return 1
  done
  profiled_case png 0.5 --preserve-colors && profiled_case png 0.5 --strength 0.5 &&
    profiled_case tif 0.5 --preserve-colors && profiled_case jpg 1.0 --preserve-colors
}

# A damaged profile is named and ignored, never fatal.
test_damaged_profile ()
{
  statistics_photo || return 1
  [ -f "$work/adobe.png" ] || /usr/bin/python3 "$color" adobe "$work/mid.png" "$work/adobe.png"
  # libpng drops a damaged iCCP chunk itself; a JPEG's APP2 is ours to check.
  /usr/bin/python3 - "$work/adobe.png" "$work/bad-profile.jpg" << 'PY' || return 1
import io, sys
from PIL import Image
image = Image.open(sys.argv[1])
image.save(sys.argv[2], quality=95, icc_profile=b'not a profile' * 20)
PY
  run -q "$work/bad-profile.jpg" "$work/bad-profile-out.png"
  expect_rc 0 && expect_in err "its colour profile is ignored (the profile is damaged)"
}

if /usr/bin/python3 -c 'import PIL.ImageCms, numpy' 2> /dev/null &&
   [ -f /usr/share/color/icc/compatibleWithAdobeRGB1998.icc ]; then
  t "an Adobe RGB photo (PNG, TIFF, JPEG) is painted as its sRGB original" test_color_profiles
  t "a damaged colour profile is named and ignored" test_damaged_profile
else
  skip "an Adobe RGB photo is painted as its sRGB original" "no Pillow or icc-profiles-free"
  skip "a damaged colour profile is named and ignored" "no Pillow or icc-profiles-free"
fi

done_testing
