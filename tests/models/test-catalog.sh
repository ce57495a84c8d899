#!/bin/sh
# test-catalog.sh: models/catalog.ini and models/ml5-files.sha256 against
# their sources and the real files: every entry downloadable and pinned,
# the licences and noncommercial flags as the upstream READMEs state them,
# the ml5 checksums as ../shared/ml5/files.tsv lists them, and every
# pinned checksum of a file present in ../shared equal to that file's.
#
# Usage: test-catalog.sh SOURCE_ROOT SHARED_DIR (meson passes them; see
# tests/models/meson.build).  Prints TAP; exits nonzero if a test fails.

set -u

srcroot=${1:-}
shared=${2:-}
if [ -z "$shared" ]; then
  echo "Bail out! usage: $0 SOURCE_ROOT SHARED_DIR"
  exit 2
fi
catalog=$srcroot/models/catalog.ini
sums=$srcroot/models/ml5-files.sha256
tsv=$shared/ml5/files.tsv
if [ ! -f "$tsv" ] || [ ! -f "$shared/models/UPSTREAM.md" ]; then
  echo "1..0 # SKIP no ../shared facts in $shared"
  exit 0
fi

# shellcheck source=../tap-lib.sh
. "$(dirname "$0")/../tap-lib.sh"
LC_ALL=C
export LC_ALL

# The catalog as "id<TAB>key<TAB>value" lines.
awk '
  /^[ \t]*#/ || /^[ \t]*$/ { next }
  /^\[/ { group = substr($0, 2, length($0) - 2); print group "\t\t"; next }
  { print group "\t" substr($0, 1, index($0, "=") - 1) "\t" \
          substr($0, index($0, "=") + 1) }' "$catalog" > "$work/catalog.tsv"

ids ()
{
  awk -F '\t' '$2 == "" { print $1 }' "$work/catalog.tsv"
}

# get ID KEY
get ()
{
  awk -F '\t' -v id="$1" -v key="$2" '$1 == id && $2 == key { print $3 }' \
    "$work/catalog.tsv"
}

# ids_where KEY VALUE
ids_where ()
{
  awk -F '\t' -v key="$1" -v value="$2" '$2 == key && $3 == value { print $1 }' \
    "$work/catalog.tsv"
}

sha256_of ()
{
  sha256sum < "$1" | cut -d ' ' -f 1
}

size_of ()
{
  wc -c < "$1" | tr -d ' '
}

# A README as one line, to find sentences that wrap.
flat ()
{
  tr '\n' ' ' < "$1" | tr -s ' '
}

# Tests

# Every entry can be downloaded and checked: a URL and a pinned checksum
# (ml5: each of its files in ml5-files.sha256).  Johnson's .t7 files have
# a checksum only where upstream publishes one: the two SHA-1s of
# UPSTREAM.md, which must be the catalog's.
test_downloadable ()
{
  bad=0
  for id in $(ids); do
    format=$(get "$id" format)
    [ "$format" = vector ] && continue
    [ -n "$(get "$id" url)" ] || { diag "$id: no url"; bad=1; }
    case $format in
      onnx | tflite)
        [ -n "$(get "$id" sha256)" ] && [ -n "$(get "$id" size)" ] ||
          { diag "$id: no sha256 and size"; bad=1; } ;;
      ml5)
        n=$(grep -c "  $(get "$id" file)/" "$sums")
        [ "$n" -eq 49 ] ||
          { diag "$id: $n files in ml5-files.sha256, not 49"; bad=1; } ;;
      t7)
        url=$(get "$id" url)
        path=${url#*/models/}
        published=$(flat "$shared/models/UPSTREAM.md" |
                    grep -o "$path [0-9a-f]\{40\}" | cut -d ' ' -f 2)
        if [ "$(get "$id" sha1)" != "$published" ]; then
          diag "$id: sha1 '$(get "$id" sha1)', upstream publishes '$published'"
          bad=1
        fi ;;
      *) diag "$id: format '$format'"; bad=1 ;;
    esac
  done
  # Both published SHA-1s were found and are pinned.
  [ "$(ids_where format t7 | while read -r id; do get "$id" sha1; done |
       grep -c .)" -eq 2 ] || { diag "not two .t7 SHA-1s"; bad=1; }
  return $bad
}

# noncommercial=true on exactly Engstrom's six checkpoints (the ml5 README
# names them) and Johnson's .t7 models; Engstrom's terms quoted exactly.
test_noncommercial ()
{
  readme=$(flat "$shared/ml5/README.md")
  engstrom=$(printf '%s' "$readme" |
             grep -o 'licence: [a-z_, ]* are byte-identical' |
             sed 's/licence: //; s/ are byte-identical//; s/ and /, /' |
             tr -d ' ' | tr ',' '\n' | sort)
  terms=$(printf '%s' "$readme" | grep -o '"Copyright (c) 2016 Logan Engstrom[^"]*"')
  johnson=$(ids_where format t7)
  if [ "$(printf '%s\n' "$engstrom" | wc -l)" -ne 6 ] || [ -z "$terms" ]; then
    diag "cannot read the six Engstrom styles and his terms from the README"
    return 1
  fi
  wanted=$(printf '%s\n%s\n' "$engstrom" "$johnson" | sort)
  actual=$(ids_where noncommercial true | sort)
  if [ "$wanted" != "$actual" ]; then
    diag "noncommercial: $(echo $actual)" "expected:      $(echo $wanted)"
    return 1
  fi
  for id in $engstrom; do
    case $(get "$id" license) in
      *"$terms"*) ;;
      *) diag "$id: the licence does not quote Engstrom's terms"; return 1 ;;
    esac
    [ "$(get "$id" format)" = ml5 ] || { diag "$id: not ml5"; return 1; }
  done
  for id in $(ids_where format ml5); do
    case " $(echo $engstrom) " in
      *" $id "*) ;;
      *)
        [ "$(get "$id" license)" = "MIT (ml5 data-and-models)" ] ||
          { diag "$id: licence '$(get "$id" license)'"; return 1; } ;;
    esac
  done
  for id in $(ids_where format tflite); do
    [ "$(get "$id" license)" = Apache-2.0 ] ||
      { diag "$id: licence '$(get "$id" license)'"; return 1; }
  done
}

# ml5-files.sha256 holds exactly files.tsv's lines of the catalog's ml5
# styles, and every ml5 style of the catalog is pinned at the README's
# commit.
test_ml5_sums ()
{
  styles=$(for id in $(ids_where format ml5); do get "$id" file; done | sort)
  awk -F '\t' -v styles=" $(echo $styles) " \
    'NR > 1 && index(styles, " " $1 " ") { print $4 "  " $3 "  " $1 "/" $2 }' \
    "$tsv" | sort > "$work/wanted-sums"
  sort "$sums" > "$work/actual-sums"
  if ! cmp -s "$work/wanted-sums" "$work/actual-sums"; then
    diff "$work/wanted-sums" "$work/actual-sums" | head | sed 's/^/# /'
    return 1
  fi
  [ "$(wc -l < "$work/actual-sums")" -eq $(($(echo $styles | wc -w) * 49)) ] ||
    { diag "not 49 files a style"; return 1; }
  commit=$(flat "$shared/ml5/README.md" | grep -o 'commit [0-9a-f]\{40\}' |
           head -n 1 | cut -d ' ' -f 2)
  for id in $(ids_where format ml5); do
    want=https://raw.githubusercontent.com/ml5js/ml5-data-and-models/$commit/models/style-transfer/$(get "$id" file)/
    [ "$(get "$id" url)" = "$want" ] ||
      { diag "$id: url $(get "$id" url)" "expected $want"; return 1; }
  done
}

# The zoo styles: UPSTREAM.md's sizes and checksums; Hugging Face first,
# its legacy_models copy next, the old GitHub path last.  The Magenta
# networks: magenta/README.md's sizes, checksums and URLs.
test_upstream_facts ()
{
  zoo=$(grep -c '^| [a-z-]*-9\.onnx |' "$shared/models/UPSTREAM.md")
  [ "$zoo" -eq 5 ] || { diag "$zoo zoo rows in UPSTREAM.md"; return 1; }
  grep '^| [a-z-]*-9\.onnx |' "$shared/models/UPSTREAM.md" |
    tr -d ' ' | awk -F '|' '{ print $2, $3, $4 }' > "$work/zoo"
  while read -r file bytes sum; do
    id=${file%.onnx}
    gh=https://github.com/onnx/models/raw/main/validated/vision/style_transfer/fast_neural_style/model/$file
    want="https://huggingface.co/onnxmodelzoo/$id/resolve/main/$file;https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/vision/style_transfer/fast_neural_style/model/$file;$gh"
    if [ "$(get "$id" file)" != "$file" ] ||
       [ "$(get "$id" size)" != "$bytes" ] ||
       [ "$(get "$id" sha256)" != "$sum" ] ||
       [ "$(get "$id" url)" != "$want" ] ||
       [ "$(get "$id" license)" != BSD-3-Clause ]; then
      diag "$id does not match UPSTREAM.md"
      return 1
    fi
    # The GitHub path is the one UPSTREAM.md names.
    grep -qF "${gh%/*}/<file>" "$shared/models/UPSTREAM.md" ||
      { diag "UPSTREAM.md does not name $gh"; return 1; }
  done < "$work/zoo"
  grep '^| magenta_.*\.tflite |' "$shared/models/magenta/README.md" |
    tr -d ' ' | awk -F '|' '{ print $2, $3, $4, $5 }' > "$work/magenta"
  [ "$(wc -l < "$work/magenta")" -eq 3 ] || return 1
  while read -r file bytes sum url; do
    id=$(ids_where file "$file")
    if [ -z "$id" ] || [ "$(get "$id" size)" != "$bytes" ] ||
       [ "$(get "$id" sha256)" != "$sum" ] || [ "$(get "$id" url)" != "$url" ]
    then
      diag "$file: the catalog ($id) does not match magenta/README.md"
      return 1
    fi
  done < "$work/magenta"
}

# Every pinned checksum of a file that is in ../shared is that file's.
test_real_files ()
{
  checked=0
  for id in $(ids); do
    case $(get "$id" format) in
      ml5)
        file=$(get "$id" onnx) sum=$(get "$id" onnx-sha256)
        size=$(get "$id" onnx-size) dir=$shared/models ;;
      tflite)
        file=$(get "$id" file) sum=$(get "$id" sha256)
        size=$(get "$id" size) dir=$shared/models/magenta ;;
      *)
        file=$(get "$id" file) sum=$(get "$id" sha256)
        size=$(get "$id" size) dir=$shared/models ;;
    esac
    [ -n "$file" ] && [ -f "$dir/$file" ] || continue
    if [ "$(sha256_of "$dir/$file")" != "$sum" ] ||
       [ "$(size_of "$dir/$file")" != "$size" ]; then
      diag "$id: $dir/$file does not match the catalog"
      return 1
    fi
    diag "$id: $file matches"
    checked=$((checked + 1))
  done
  folders=0
  for dir in "$shared/ml5"/*/; do
    style=$(basename "$dir")
    grep -q "  $style/" "$sums" || continue
    (cd "$dir" && sha256sum -- *) | awk '{ print $2, $1 }' | sort > "$work/real"
    (cd "$dir" && wc -c -- * | grep -v ' total$') |
      awk '{ print $2, $1 }' | sort > "$work/real-size"
    grep "  $style/" "$sums" | awk -v s="$style/" '{ sub(s, "", $3); print $3, $1 }' |
      sort > "$work/pinned"
    grep "  $style/" "$sums" | awk -v s="$style/" '{ sub(s, "", $3); print $3, $2 }' |
      sort > "$work/pinned-size"
    if ! cmp -s "$work/real" "$work/pinned" ||
       ! cmp -s "$work/real-size" "$work/pinned-size"; then
      diag "ml5 $style: the files differ from ml5-files.sha256"
      diff "$work/real" "$work/pinned" | head -5 | sed 's/^/# /'
      return 1
    fi
    folders=$((folders + 1))
  done
  diag "$checked single files and $folders ml5 folders checked"
  # What ../shared holds: 6 ONNX conversions, 3 Magenta files, 6 folders.
  [ "$checked" -ge 9 ] && [ "$folders" -ge 6 ]
}

t "every entry has URLs and pinned checksums (.t7: as published)" \
  test_downloadable
t "noncommercial: exactly Engstrom's six and the .t7; licences exact" \
  test_noncommercial
t "ml5-files.sha256 is files.tsv's, URLs pinned at the README's commit" \
  test_ml5_sums
t "zoo and Magenta facts as UPSTREAM.md and magenta/README.md give them" \
  test_upstream_facts
t "pinned checksums equal the real files in ../shared" test_real_files

done_testing
