#!/bin/sh
# test-fetch.sh: neural-style-fetch (models/fetch) against the real models in ../shared/models.
#
# Usage: test-fetch.sh SOURCE_ROOT SHARED_DIR FETCH CLI (meson passes them; see
# tests/models/meson.build).  Prints TAP; exits nonzero if a test fails.

set -u

srcroot=${1:-}
shared_dir=${2:-}
fetch=${3:-}
cli=${4:-}
if [ -z "$fetch" ]; then
  echo "Bail out! usage: $0 SOURCE_ROOT SHARED_DIR FETCH"
  exit 2
fi
catalog=$srcroot/models/catalog.ini
shared=$shared_dir/models

if [ ! -f "$shared/wave.onnx" ]; then
  echo "1..0 # SKIP no real models in $shared"
  exit 0
fi

# shellcheck source=../tap-lib.sh
. "$(dirname "$0")/../tap-lib.sh"
LC_ALL=C
export LC_ALL
wave_sha256=$(sha256sum < "$shared/wave.onnx" | cut -d ' ' -f 1)

# Helpers

run ()
{
  capture "$fetch" "$@"
}

expect_same ()
{
  cmp -s "$1" "$2" && return 0
  diag "$1 differs from $2"
  return 1
}

# A catalog of made-up styles, all pointing at copies of wave.onnx.
write_test_catalog ()
{
  cat > "$work/test.ini" <<EOF
[offline]
title=Offline
file=offline.onnx
format=onnx
convention=rgb255
url=http://127.0.0.1:9/models/offline.onnx
sha256=$wave_sha256

[nosum]
title=No checksum
file=nosum.onnx
format=onnx
convention=rgb255
url=http://127.0.0.1:9/models/nosum.onnx

[renamed]
title=Renamed
file=renamed.onnx
format=onnx
convention=rgb255
url=http://127.0.0.1:9/models/upstream-name.onnx
sha256=$wave_sha256
size=6714776

[restricted]
title=Restricted
file=restricted.onnx
format=onnx
convention=rgb255
url=http://127.0.0.1:9/models/restricted.onnx
sha256=$wave_sha256
noncommercial=true
EOF
  mkdir -p "$work/test-from"
  ln -s "$(cd "$shared" && pwd)/wave.onnx" "$work/test-from/nosum.onnx"
  ln -s "$(cd "$shared" && pwd)/wave.onnx" "$work/test-from/upstream-name.onnx"
  ln -s "$(cd "$shared" && pwd)/wave.onnx" "$work/test-from/restricted.onnx"
}

# Tests

test_catalog_well_formed ()
{
  awk '
    function fail(msg) { print "# " group ": " msg; bad = 1 }
    function check(   n, i, url) {
      if (group == "")
        return
      f = v["format"]
      if (!("title" in v)) fail("no title")
      if (f !~ /^(onnx|t7|ml5|tflite|vector)$/) fail("bad format")
      if ((f == "onnx" || f == "t7" || f == "tflite") &&
          v["file"] !~ ("^[A-Za-z0-9_.-]+\\." f "$"))
        fail("file does not end in ." f)
      if (f == "ml5" && v["file"] !~ /^[A-Za-z0-9_-]+$/)
        fail("bad ml5 folder name")
      if (f == "ml5" && v["onnx"] != "" && v["onnx"] != v["file"] ".onnx")
        fail("onnx is not the folder name + .onnx")
      if (f == "vector" && "file" in v) fail("a vector has no file")
      if (f == "onnx" || f == "ml5") want = "rgb255"
      else if (f == "t7") want = "johnson"
      else want = ""
      if (v["convention"] != want) fail("convention does not suit the format")
      if ("sha256" in v && v["sha256"] !~ /^[0-9a-f]+$/) fail("bad sha256")
      if ("sha256" in v && length(v["sha256"]) != 64) fail("bad sha256")
      if ("onnx-sha256" in v && v["onnx-sha256"] !~ /^[0-9a-f]+$/)
        fail("bad onnx-sha256")
      if ("onnx-sha256" in v && length(v["onnx-sha256"]) != 64)
        fail("bad onnx-sha256")
      if ("sha1" in v && v["sha1"] !~ /^[0-9a-f]+$/) fail("bad sha1")
      if ("sha1" in v && length(v["sha1"]) != 40) fail("bad sha1")
      if ("size" in v && v["size"] !~ /^[1-9][0-9]*$/) fail("bad size")
      if ("onnx-size" in v && v["onnx-size"] !~ /^[1-9][0-9]*$/)
        fail("bad onnx-size")
      n = split(v["url"], url, ";")
      for (i = 1; i <= n; i++) {
        if (url[i] !~ /^https?:\/\/[^ \t"\\]+$/) fail("bad url " url[i])
        if (f == "ml5" && url[i] !~ /\/$/) fail("an ml5 url must end in /")
      }
      if (!("license" in v)) fail("no license")
      # Free styles first: the first installed style is the default one.
      if (f != "tflite") {
        if (v["noncommercial"] == "true")
          restricted = group
        else if (restricted != "")
          fail("a free style after the noncommercial " restricted)
      }
      delete v
    }
    /^#/ || /^$/ { next }
    /^\[/ {
      check()
      group = substr($0, 2, length($0) - 2)
      if (group in seen) fail("duplicate id")
      seen[group] = 1
      next
    }
    {
      key = substr($0, 1, index($0, "=") - 1)
      if (key in v) fail("duplicate key " key)
      v[key] = substr($0, index($0, "=") + 1)
    }
    END {
      check()
      exit bad
    }' "$catalog"
}

test_from_installs_wave ()
{
  run --from "$shared" --dest "$work/dest" wave
  expect_rc 0 &&
  expect_in out "sha256 verified" &&
  expect_files "$work/dest" wave.onnx &&
  expect_same "$work/dest/wave.onnx" "$shared/wave.onnx" &&
  grep -qx "onnx-sha256=$wave_sha256" "$catalog"
}

test_second_run_keeps_file ()
{
  before=$(stat -c '%i %y' "$work/dest/wave.onnx" 2> /dev/null)
  run --from "$shared" --dest "$work/dest" wave
  after=$(stat -c '%i %y' "$work/dest/wave.onnx" 2> /dev/null)
  expect_rc 0 && expect_in out "already installed" || return 1
  [ "$before" = "$after" ] || { diag "rewritten: $before -> $after"; return 1; }
}

test_truncated_refused ()
{
  mkdir -p "$work/truncated"
  head -c 1000000 "$shared/wave.onnx" > "$work/truncated/wave.onnx"
  run --from "$work/truncated" --dest "$work/dest-truncated" wave
  expect_rc 1 &&
  expect_in err "1000000 bytes" &&
  expect_in err "6714776" &&
  expect_files "$work/dest-truncated"
}

test_corrupt_refused ()
{
  mkdir -p "$work/corrupt"
  cp "$shared/wave.onnx" "$work/corrupt/wave.onnx"
  chmod u+w "$work/corrupt/wave.onnx"
  printf '\377\377\377\377' |
    dd of="$work/corrupt/wave.onnx" bs=1 seek=3000000 conv=notrunc 2> /dev/null
  if cmp -s "$work/corrupt/wave.onnx" "$shared/wave.onnx"; then
    diag "could not corrupt the copy"
    return 1
  fi
  corrupt_sha256=$(sha256sum < "$work/corrupt/wave.onnx" | cut -d ' ' -f 1)
  run --from "$work/corrupt" --dest "$work/dest-corrupt" wave
  expect_rc 1 &&
  expect_in err "checksum mismatch" &&
  expect_in err "expected $wave_sha256" &&
  expect_in err "actual   $corrupt_sha256" &&
  expect_files "$work/dest-corrupt"
}

test_wrong_file_replaced ()
{
  mkdir -p "$work/dest-wrong"
  echo "not a model" > "$work/dest-wrong/wave.onnx"
  run --from "$shared" --dest "$work/dest-wrong" wave
  expect_rc 0 &&
  expect_in out "replacing" &&
  expect_files "$work/dest-wrong" wave.onnx &&
  expect_same "$work/dest-wrong/wave.onnx" "$shared/wave.onnx"
}

test_no_checksum_refused ()
{
  run --catalog "$work/test.ini" --from "$work/test-from" \
      --dest "$work/dest-nosum" nosum
  expect_rc 1 &&
  expect_in err "no checksum" &&
  expect_in err "--no-verify" &&
  expect_files "$work/dest-nosum"
}

test_no_checksum_no_verify ()
{
  run --catalog "$work/test.ini" --from "$work/test-from" \
      --dest "$work/dest-nosum" --no-verify nosum
  expect_rc 0 &&
  expect_in out "not verified" &&
  expect_files "$work/dest-nosum" nosum.onnx &&
  expect_same "$work/dest-nosum/nosum.onnx" "$shared/wave.onnx"
}

test_no_verify_still_checks_pinned ()
{
  run --from "$work/truncated" --dest "$work/dest-nv" --no-verify wave
  expect_rc 1 &&
  expect_in err "1000000 bytes" &&
  expect_files "$work/dest-nv"
}

test_default_set_skips_noncommercial ()
{
  run --catalog "$work/test.ini" --dest "$work/dest-default"
  expect_rc 1 &&
  expect_in err "127.0.0.1:9/models/offline.onnx: cannot connect" || return 1
  if grep -q "restricted" "$work/out" "$work/err"; then
    diag "the default set tried the noncommercial style"
    diag_output
    return 1
  fi
}

# With --from and no id, the noncommercial style is left out too, though
# its file is there; named, it installs.
test_from_default_set_skips_noncommercial ()
{
  run --catalog "$work/test.ini" --from "$work/test-from" \
      --dest "$work/dest-from-default"
  expect_rc 0 &&
  expect_files "$work/dest-from-default" renamed.onnx || return 1
  if grep -q "restricted" "$work/out" "$work/err"; then
    diag "the default set tried the noncommercial style"
    diag_output
    return 1
  fi
  run --catalog "$work/test.ini" --from "$work/test-from" \
      --dest "$work/dest-from-default" restricted
  expect_rc 0 &&
  expect_files "$work/dest-from-default" renamed.onnx restricted.onnx &&
  expect_same "$work/dest-from-default/restricted.onnx" "$shared/wave.onnx"
}

test_upstream_name ()
{
  run --catalog "$work/test.ini" --from "$work/test-from" \
      --dest "$work/dest-renamed" renamed
  expect_rc 0 &&
  expect_files "$work/dest-renamed" renamed.onnx &&
  expect_same "$work/dest-renamed/renamed.onnx" "$shared/wave.onnx"
}

test_unknown_id ()
{
  run --from "$shared" --dest "$work/dest" no_such_style
  expect_rc 1 &&
  expect_in err "no_such_style"
}

test_bad_usage ()
{
  run --frobnicate
  expect_rc 2 && expect_in err "--frobnicate" || return 1
  run --dest
  expect_rc 2 && expect_in err "needs an argument" || return 1
  run --from "$work/no-such-folder" wave
  expect_rc 2 && expect_in err "no-such-folder"
}

test_offline ()
{
  run --catalog "$work/test.ini" --dest "$work/dest-offline" offline
  expect_rc 1 &&
  expect_in err "offline" &&
  expect_in err "--from DIR offline" &&
  expect_files "$work/dest-offline"
}

# The real catalog's list, with a dest holding wave as an ml5 folder and
# mathura as its ONNX conversion.
test_list ()
{
  dest=$work/dest-list
  run --from "$shared_dir/ml5" --dest "$dest" wave &&
  run --from "$shared" --dest "$dest" mathura &&
  expect_files "$dest" mathura.onnx wave &&
  run --list --dest "$dest" &&
  expect_rc 0 || return 1
  engstrom=$(tr '\n' ' ' < "$shared_dir/ml5/README.md" |
             grep -o '"Copyright (c) 2016 Logan Engstrom[^"]*"')
  if [ -z "$engstrom" ] ||
     ! grep -q '^ID  *INSTALLED  *SIZE  *TERMS  *TITLE  *LICENCE$' \
       "$work/out" ||
     ! grep '^wave  *yes  *6\.7 MB  *noncommercial  *The Great Wave off Kanagawa (Katsushika Hokusai)  ' \
       "$work/out" | grep -qF "$engstrom" ||
     ! grep -q '^mathura  *yes (ONNX)  *6\.7 MB  *free  *Mathura  *MIT (ml5 data-and-models)$' \
       "$work/out" ||
     ! grep -q '^la_muse  *no  *6\.7 MB  *noncommercial  *La Muse (Pablo Picasso)  ' \
       "$work/out" ||
     ! grep -q '^udnie-9  *no  *6\.7 MB  *free  *Udnie (Francis Picabia)  *BSD-3-Clause$' \
       "$work/out" ||
     ! grep -q '^eccv16_la_muse  *no  *?  *noncommercial  *La Muse (Pablo Picasso)  *Free for personal and research use only (Justin Johnson)$' \
       "$work/out" ||
     ! grep -q '^magenta-prediction  *no  *2\.8 MB  *free  .*  Apache-2\.0$' \
       "$work/out" ||
     [ "$(wc -l < "$work/out")" -ne $(($(grep -c '^\[' "$catalog") + 1)) ]
  then
    diag "wrong list"
    diag_output
    return 1
  fi
}

# With no id, only the free ones (mathura and matta); the four Engstrom
# styles only when named.
test_from_default_set ()
{
  run --from "$shared" --dest "$work/dest-all"
  expect_rc 0 &&
  expect_files "$work/dest-all" mathura.onnx matta.onnx &&
  [ "$(grep -c 'sha256 verified' "$work/out")" -eq 2 ] || return 1
  run --from "$shared" --dest "$work/dest-all" la_muse rain_princess scream \
      wave
  expect_rc 0 &&
  expect_files "$work/dest-all" la_muse.onnx mathura.onnx matta.onnx \
               rain_princess.onnx scream.onnx wave.onnx || return 1
  for name in la_muse mathura matta rain_princess scream wave; do
    expect_same "$work/dest-all/$name.onnx" "$shared/$name.onnx" || return 1
  done
}

# An ml5 folder: installed as a folder, the same files; again: untouched.
test_from_ml5_folder ()
{
  dest=$work/dest-ml5
  run --from "$shared_dir/ml5" --dest "$dest" matta
  expect_rc 0 &&
  expect_in out "49 files, sha256 verified" &&
  expect_files "$dest" matta &&
  diff -r "$dest/matta" "$shared_dir/ml5/matta" > /dev/null || return 1
  before=$(ls -li --full-time "$dest/matta")
  run --from "$shared_dir/ml5" --dest "$dest" matta
  expect_rc 0 &&
  expect_in out "matta: already installed" &&
  [ "$(ls -li --full-time "$dest/matta")" = "$before" ]
}

# A source folder lacking a file, or with a corrupt one: nothing installed.
test_from_ml5_broken ()
{
  mkdir -p "$work/ml5-broken"
  cp -r "$shared_dir/ml5/scream" "$work/ml5-broken/"
  chmod -R u+w "$work/ml5-broken"
  rm "$work/ml5-broken/scream/Variable_30"
  run --from "$work/ml5-broken" --dest "$work/dest-ml5-broken" scream
  expect_rc 1 &&
  expect_in err "lacks Variable_30" &&
  expect_files "$work/dest-ml5-broken" || return 1
  cp "$shared_dir/ml5/scream/Variable_30" "$work/ml5-broken/scream/"
  printf 'x' >> "$work/ml5-broken/scream/Variable_7"
  run --from "$work/ml5-broken" --dest "$work/dest-ml5-broken" scream
  expect_rc 1 &&
  expect_in err "Variable_7 is $(($(wc -c < "$shared_dir/ml5/scream/Variable_7") + 1)) bytes" &&
  expect_files "$work/dest-ml5-broken"
}

test_xdg_default_dest ()
{
  run --from "$shared" wave
  expect_rc 0 &&
  expect_files "$XDG_DATA_HOME/neural-style/models" wave.onnx
}

test_installed_layout ()
{
  mkdir -p "$work/prefix/bin" "$work/prefix/share/neural-style"
  cp "$fetch" "$work/prefix/bin/neural-style-fetch"
  cp "$catalog" "$srcroot/models/ml5-files.sha256" \
     "$work/prefix/share/neural-style/"
  capture "$work/prefix/bin/neural-style-fetch" --list
  expect_rc 0 &&
  expect_in out "instance_norm_udnie" || return 1
  capture "$work/prefix/bin/neural-style-fetch" --from "$shared_dir/ml5" \
    --dest "$work/dest-prefix" la_muse
  expect_rc 0 &&
  diff -r "$work/dest-prefix/la_muse" "$shared_dir/ml5/la_muse" > /dev/null
}

# A malformed line in ml5-files.sha256 (a size that is no number, a path
# out of the folder): refused, naming the line, nothing installed.
test_ml5_sums_malformed ()
{
  for edit in 's/  \([0-9]*\)  /  \1x  /' 's|  [^ ]*$|  la_muse/../wave|'; do
    mkdir -p "$work/bad-sums"
    cp "$catalog" "$work/bad-sums/catalog.ini"
    sed "2$edit" "$srcroot/models/ml5-files.sha256" \
      > "$work/bad-sums/ml5-files.sha256"
    run --catalog "$work/bad-sums/catalog.ini" --from "$shared_dir/ml5" \
        --dest "$work/dest-bad-sums" wave
    expect_rc 1 &&
    expect_in err "ml5-files.sha256', line 2, is not" &&
    expect_files "$work/dest-bad-sums" || return 1
  done
}

# Half-made ml5 folders (one the old fetch script left, ".NAME.XXXXXX",
# one in .partial/) are no styles to the engine's model scan.
test_hidden_folders_no_styles ()
{
  dest=$work/dest-hidden
  mkdir -p "$dest/.partial"
  cp -r "$shared_dir/ml5/mathura" "$dest/.mathura.AbC123"
  cp -r "$shared_dir/ml5/wave" "$dest/.partial/wave"
  cp -r "$shared_dir/ml5/matta" "$dest/matta"
  capture env NEURAL_STYLE_MODEL_PATH="$dest" NEURAL_STYLE_CATALOG="$catalog" \
    XDG_DATA_HOME="$work/no-user-data" \
    "$cli" --list-styles
  expect_rc 0 &&
  expect_in out "matta" || return 1
  if grep -q '^\.\|^\(mathura\|wave\)  *installed' "$work/out"; then
    diag "a hidden folder is a style"
    diag_output
    return 1
  fi
}

write_test_catalog
t "the catalog is well formed, free styles first" test_catalog_well_formed
t "--from installs wave, checked against the catalog" test_from_installs_wave
t "a second run says already installed, file untouched" \
  test_second_run_keeps_file
t "a truncated file is refused, nothing left in dest" test_truncated_refused
t "a corrupt file is refused with both checksums" test_corrupt_refused
t "a wrong installed file is replaced by a verified one" \
  test_wrong_file_replaced
t "a style without checksum is refused without --no-verify" \
  test_no_checksum_refused
t "a style without checksum installs with --no-verify" \
  test_no_checksum_no_verify
t "--no-verify still checks a pinned checksum" \
  test_no_verify_still_checks_pinned
t "the default set leaves out noncommercial styles" \
  test_default_set_skips_noncommercial
t "--from with no id leaves out noncommercial styles too" \
  test_from_default_set_skips_noncommercial
t "--from accepts the upstream file name" test_upstream_name
t "an unknown id fails, naming it" test_unknown_id
t "bad usage exits 2" test_bad_usage
if command -v curl > /dev/null 2>&1 || command -v wget > /dev/null 2>&1; then
  t "an unreachable host says offline, nothing left" test_offline
else
  skip "an unreachable host says offline, nothing left" "no curl or wget"
fi
t "--list: installed or not, size, terms, title, licence" test_list
t "--from with no id installs the free shared models only" \
  test_from_default_set
t "--from an ml5 folder installs it; again, it is left alone" \
  test_from_ml5_folder
t "--from an ml5 folder lacking a file or with a corrupt one: refused" \
  test_from_ml5_broken
t "the default dest follows XDG_DATA_HOME" test_xdg_default_dest
t "installed as bin/neural-style-fetch, finds share/neural-style" \
  test_installed_layout
t "a malformed line in ml5-files.sha256 is refused, naming it" \
  test_ml5_sums_malformed
t "half-made ml5 folders under hidden names are no styles" \
  test_hidden_folders_no_styles

done_testing
