#!/bin/sh
# test-fetch-http.sh: neural-style-fetch (models/fetch) downloading from a real HTTP server on
# 127.0.0.1 (http-server.py, started here) that serves the real files of
# ../shared: working, missing, redirected, broken-off, corrupt and stalled
# downloads, ml5 folders, mirrors, and the Magenta networks.  Never the
# internet: every proxy variable points at a closed port, except for
# 127.0.0.1.
#
# Usage: test-fetch-http.sh SOURCE_ROOT SHARED_DIR FETCH (meson passes them; see
# tests/models/meson.build).  Prints TAP; exits nonzero if a test fails.

set -u

srcroot=${1:-}
shared_dir=${2:-}
fetch=${3:-}
if [ -z "$fetch" ]; then
  echo "Bail out! usage: $0 SOURCE_ROOT SHARED_DIR FETCH"
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$shared_dir" && pwd)
models=$shared/models
ml5=$shared/ml5
magenta=$models/magenta

if [ ! -f "$models/wave.onnx" ] || [ ! -f "$ml5/wave/manifest.json" ] ||
   [ ! -d "$magenta" ]; then
  echo "1..0 # SKIP no real models in $shared"
  exit 0
fi
python=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }
command -v curl > /dev/null 2>&1 || { echo "1..0 # SKIP no curl"; exit 0; }

# shellcheck source=../tap-lib.sh
. "$here/../tap-lib.sh"

http_proxy=http://127.0.0.1:9
https_proxy=$http_proxy
HTTP_PROXY=$http_proxy
HTTPS_PROXY=$http_proxy
ALL_PROXY=$http_proxy
no_proxy=127.0.0.1
NO_PROXY=$no_proxy
export http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY no_proxy NO_PROXY
unset NEURAL_STYLE_MIRROR NEURAL_STYLE_FETCH_TIMEOUT

timeout=10
fetch_path=$PATH
LC_ALL=C
export LC_ALL
wave_sha256=$(sha256sum < "$models/wave.onnx" | cut -d ' ' -f 1)
wave_size=$(wc -c < "$models/wave.onnx" | tr -d ' ')

# The served folder: the real files, and broken copies of some.
www=$work/www
mkdir -p "$www/bad" "$www/ml5-missing/wave" "$www/ml5-corrupt/wave"
ln -s "$models/wave.onnx" "$www/wave.onnx"
for style in wave mathura; do
  ln -s "$ml5/$style" "$www/$style"
done
for file in "$magenta"/*.tflite; do
  ln -s "$file" "$www/${file##*/}"
done
for file in "$ml5/wave"/*; do
  [ "${file##*/}" = Variable_17 ] || ln -s "$file" "$www/ml5-missing/wave/"
  [ "${file##*/}" = Variable_12 ] || ln -s "$file" "$www/ml5-corrupt/wave/"
done

# flip_byte IN OUT OFFSET: OUT is IN with the byte at OFFSET inverted.
flip_byte ()
{
  cp "$1" "$2" && chmod u+w "$2" &&
  "$python" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0xff]))' "$2" "$3"
}
flip_byte "$models/wave.onnx" "$www/bad/wave.onnx" 3000000
flip_byte "$ml5/wave/Variable_12" "$www/ml5-corrupt/wave/Variable_12" 1000

# The server
"$python" "$here/http-server.py" "$www" "$work/port" "$work/requests" \
  2> "$work/server.log" &
server=$!
trap 'kill "$server" 2> /dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
if [ ! -s "$work/port" ]; then
  echo "Bail out! the HTTP server did not start: $(cat "$work/server.log")"
  exit 1
fi
base=http://127.0.0.1:$(cat "$work/port")

# The test catalogs, next to the real ml5-files.sha256.
mkdir -p "$work/catalog"
cp "$srcroot/models/ml5-files.sha256" "$work/catalog/"
single ()
{
  cat <<EOF
[$1]
title=$1
file=wave.onnx
format=onnx
convention=rgb255
url=$2
sha256=$wave_sha256
size=$wave_size
license=test

EOF
}
ml5_style ()
{
  cat <<EOF
[$1]
title=$1
file=wave
format=ml5
convention=rgb255
url=$2
license=test

EOF
}
{
  single ok "$base/files/wave.onnx"
  single fallback "$base/files/no-such.onnx; $base/files/wave.onnx"
  single redirect "$base/redirect/wave.onnx"
  single drop "$base/drop/wave.onnx"
  single wrong "$base/files/bad/wave.onnx"
  single stall "$base/stall/wave.onnx"
  single stall-head "$base/stall-head/wave.onnx"
  single chain "$base/files/no-such.onnx;$base/drop/wave.onnx;$base/files/bad/wave.onnx;$base/redirect/wave.onnx"
  single mirrored "$base/redirect/wave.onnx"
  ml5_style ml5-ok "$base/files/wave/"
  ml5_style ml5-missing "$base/files/ml5-missing/wave/"
  ml5_style ml5-corrupt "$base/files/ml5-corrupt/wave/"
  ml5_style ml5-resume "$base/files/ml5-missing/wave/;$base/files/wave/"
  ml5_style ml5-mirrored "$base/files/ml5-corrupt/wave/"
  single endless "$base/endless/wave.onnx"
  single small "$base/files/wave.onnx" | sed 's/^size=.*/size=1000/'
  single trickle "$base/trickle/wave.onnx"
  single ftp "$base/redirect-ftp/wave.onnx"
  ml5_style ml5-stall "$base/stall/wave/"
  ml5_style ml5-slow "$base/slow/wave/"
} > "$work/catalog/test.ini"
catalog=$work/catalog/test.ini

magenta_entry ()
{
  cat <<EOF
[$1]
title=$1
file=$2
format=tflite
url=$base/files/$2
sha256=$(sha256sum < "$magenta/$2" | cut -d ' ' -f 1)
size=$(wc -c < "$magenta/$2" | tr -d ' ')
license=Apache-2.0
${3:-}

EOF
}
prediction=magenta_arbitrary-image-stylization-v1-256_int8_prediction_1.tflite
transfer=magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite
transfer8=magenta_arbitrary-image-stylization-v1-256_int8_transfer_1.tflite
{
  cat <<EOF
[preset]
title=A style vector
format=vector
vector=0.5
license=test

EOF
  magenta_entry magenta-prediction "$prediction"
  magenta_entry magenta-transfer "$transfer"
  magenta_entry magenta-transfer-int8 "$transfer8" optional=true
  single restricted "$base/files/wave.onnx" | sed 's/^license=.*/&\nnoncommercial=true/'
} > "$work/catalog/magenta.ini"

# Helpers

# get ID...: runs fetch on the test catalog, into a fresh $dest, with a
# clean request log.
get ()
{
  dest=$work/dest-$number
  : > "$work/requests"
  capture env NEURAL_STYLE_FETCH_TIMEOUT="$timeout" PATH="$fetch_path" \
    "$fetch" --catalog "$catalog" --dest "$dest" "$@"
}

requested ()
{
  grep -cxF -- "$1" "$work/requests"
}

expect_requests ()
{
  [ "$(tr '\n' ' ' < "$work/requests")" = "$* " ] && return 0
  diag "requests: $(tr '\n' ' ' < "$work/requests")" "expected: $*"
  return 1
}

expect_wave ()
{
  expect_files "$dest" wave.onnx &&
  cmp -s "$dest/wave.onnx" "$models/wave.onnx" ||
  { diag "$dest/wave.onnx is not wave.onnx"; return 1; }
}

expect_ml5_wave ()
{
  expect_files "$dest" wave &&
  diff -r "$dest/wave" "$ml5/wave" > "$work/diff" ||
  { diag "$dest/wave differs from $ml5/wave"; sed 's/^/# /' "$work/diff";
    return 1; }
}

# snapshot DIR: every name, type, size, time, inode and checksum in DIR.
snapshot ()
{
  (cd "$1" && find . -mindepth 1 -printf '%p %y %s %T@ %i\n' | sort &&
   find . -type f -exec sha256sum {} + | sort)
}

seconds_since ()
{
  awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'
}

# Tests

test_success ()
{
  get ok
  expect_rc 0 &&
  expect_in out "sha256 verified" &&
  expect_wave &&
  expect_requests /files/wave.onnx
}

test_404_then_next ()
{
  get fallback
  expect_rc 0 &&
  expect_in err "404" &&
  expect_wave &&
  expect_requests /files/no-such.onnx /files/wave.onnx
}

test_redirect ()
{
  get redirect
  expect_rc 0 &&
  expect_wave &&
  expect_requests /redirect/wave.onnx /files/wave.onnx
}

test_drop ()
{
  get drop
  expect_rc 1 &&
  expect_in err "broke off" &&
  expect_in err "nothing installed" &&
  expect_files "$dest"
}

test_wrong_bytes ()
{
  get wrong
  expect_rc 1 &&
  expect_in err "checksum mismatch" &&
  expect_in err "expected $wave_sha256" &&
  expect_files "$dest"
}

# Each failure moves on to the next URL: 404, broken off, wrong bytes,
# then a redirect to the right file.
test_chain ()
{
  get chain
  expect_rc 0 &&
  expect_in err "404" &&
  expect_in err "broke off" &&
  expect_in err "checksum mismatch" &&
  expect_wave &&
  expect_requests /files/no-such.onnx /drop/wave.onnx /files/bad/wave.onnx \
                  /redirect/wave.onnx /files/wave.onnx
}

# stall_case ID: the server sends (part of) an answer, then nothing.
stall_case ()
{
  start=$(date +%s.%N)
  get "$1"
  elapsed=$(seconds_since "$start")
  diag "$1: gave up after $elapsed s (timeout $timeout s)"
  expect_rc 1 &&
  expect_in err "gave up" &&
  expect_in err "$timeout seconds" &&
  expect_files "$dest" || return 1
  awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e <= t) }' ||
    { diag "took longer than the timeout"; return 1; }
}

test_stall ()
{
  stall_case stall
}

test_stall_head ()
{
  stall_case stall-head
}

test_ml5_success ()
{
  get ml5-ok
  expect_rc 0 &&
  expect_in out "49 files, sha256 verified" &&
  expect_ml5_wave &&
  [ "$(requested /files/wave/manifest.json)" -eq 1 ] &&
  [ "$(wc -l < "$work/requests")" -eq 49 ] ||
  { diag "$(wc -l < "$work/requests") requests"; return 1; }
}

test_ml5_missing ()
{
  dest=$work/dest-$number
  mkdir -p "$dest"
  echo "my own model" > "$dest/mine.onnx"
  before=$(snapshot "$dest")
  get ml5-missing
  expect_rc 1 &&
  expect_in err "Variable_17" &&
  expect_in err "404" &&
  expect_in err "nothing installed" || return 1
  [ "$(snapshot "$dest")" = "$before" ] ||
    { diag "$dest changed:"; ls -laR "$dest" | sed 's/^/# /'; return 1; }
}

# A corrupt file, with an earlier broken copy of the style in place: that
# copy stays as it was.
test_ml5_corrupt ()
{
  dest=$work/dest-$number
  mkdir -p "$dest/wave"
  cp "$ml5/wave/manifest.json" "$dest/wave/"
  echo "stale" > "$dest/wave/Variable"
  before=$(snapshot "$dest")
  get ml5-corrupt
  expect_rc 1 &&
  expect_in out "replacing" &&
  expect_in err "Variable_12: sha256 checksum mismatch" &&
  expect_in err "nothing installed" || return 1
  [ "$(snapshot "$dest")" = "$before" ] ||
    { diag "$dest changed:"; ls -laR "$dest" | sed 's/^/# /'; return 1; }
}

# The first URL lacks a file: the second gives the rest, not all again.
test_ml5_resume ()
{
  get ml5-resume
  expect_rc 0 &&
  expect_ml5_wave &&
  [ "$(requested /files/ml5-missing/wave/Variable_17)" -eq 1 ] &&
  [ "$(requested /files/wave/Variable_17)" -eq 1 ] &&
  [ "$(requested /files/wave/manifest.json)" -eq 0 ] &&
  [ "$(wc -l < "$work/requests")" -eq 50 ] ||
  { diag "requests:"; sed 's/^/#   /' "$work/requests"; return 1; }
}

# --mirror is tried before the catalog's URLs (which would work too).
test_mirror_option ()
{
  get --mirror "$base/files/" mirrored
  expect_rc 0 &&
  expect_wave &&
  expect_requests /files/wave.onnx
}

# NEURAL_STYLE_MIRROR, and an ml5 style: MIRROR/FOLDER/FILE.
test_mirror_env ()
{
  NEURAL_STYLE_MIRROR=$base/files
  export NEURAL_STYLE_MIRROR
  get ml5-mirrored
  unset NEURAL_STYLE_MIRROR
  expect_rc 0 &&
  expect_ml5_wave &&
  [ "$(requested /files/wave/Variable_12)" -eq 1 ] &&
  [ "$(grep -c ml5-corrupt "$work/requests")" -eq 0 ] ||
  { diag "requests:"; sed 's/^/#   /' "$work/requests"; return 1; }
}

# A mirror that fails: the catalog's URLs follow.
test_mirror_fails ()
{
  get --mirror "$base/files/nothing-here" ok
  expect_rc 0 &&
  expect_wave &&
  expect_requests /files/nothing-here/wave.onnx /files/wave.onnx
}

test_bad_mirror ()
{
  get --mirror "ftp://example.org" ok
  expect_rc 2 &&
  expect_in err "ftp://example.org" &&
  [ ! -e "$dest" ]
}

# A style vector installs the Magenta networks it needs.
test_vector_preset ()
{
  catalog=$work/catalog/magenta.ini
  get preset
  catalog=$work/catalog/test.ini
  expect_rc 0 &&
  expect_files "$dest" "$transfer" "$prediction" &&
  cmp -s "$dest/$prediction" "$magenta/$prediction" &&
  cmp -s "$dest/$transfer" "$magenta/$transfer"
}

# With no ID: the free styles and the networks, not the optional int8
# network nor the noncommercial style.
test_default_set ()
{
  catalog=$work/catalog/magenta.ini
  get
  catalog=$work/catalog/test.ini
  expect_rc 0 &&
  expect_files "$dest" "$transfer" "$prediction" &&
  expect_requests "/files/$prediction" "/files/$transfer"
}

# The real catalog and ml5-files.sha256, through a mirror: the real ml5
# folders and Magenta files, byte for byte.
test_real_catalog_mirror ()
{
  dest=$work/dest-real
  : > "$work/requests"
  capture env NEURAL_STYLE_MIRROR="$base/files" "$fetch" --dest "$dest" \
    wave mathura magenta-prediction magenta-transfer magenta-transfer-int8
  expect_rc 0 &&
  expect_files "$dest" "$transfer" "$prediction" "$transfer8" mathura wave &&
  diff -r "$dest/wave" "$ml5/wave" &&
  diff -r "$dest/mathura" "$ml5/mathura" &&
  for file in "$transfer" "$prediction" "$transfer8"; do
    cmp "$dest/$file" "$magenta/$file" || return 1
  done
}

# Without curl, wget does the same: a PATH with fetch's tools but curl.
no_curl_path ()
{
  mkdir -p "$work/no-curl"
  for tool in awk cat chmod cp cut dirname grep mkdir mktemp mv rm sed \
              sha256sum sh tail tr wc wget; do
    ln -s "$(command -v "$tool")" "$work/no-curl/$tool"
  done
}

wget_case ()
{
  fetch_path=$work/no-curl
  get "$@"
  fetch_path=$PATH
}

test_wget_fallback ()
{
  wget_case fallback
  expect_rc 0 &&
  expect_wave &&
  expect_requests /files/no-such.onnx /files/wave.onnx
}

test_wget_chain ()
{
  wget_case chain
  expect_rc 0 &&
  expect_wave &&
  expect_in err "checksum mismatch" &&
  expect_requests /files/no-such.onnx /drop/wave.onnx /files/bad/wave.onnx \
                  /redirect/wave.onnx /files/wave.onnx
}

test_wget_ml5_resume ()
{
  wget_case ml5-resume
  expect_rc 0 &&
  expect_ml5_wave &&
  [ "$(requested /files/wave/Variable_17)" -eq 1 ] &&
  [ "$(requested /files/wave/manifest.json)" -eq 0 ] ||
  { diag "requests:"; sed 's/^/#   /' "$work/requests"; return 1; }
}

test_wget_ml5_corrupt ()
{
  wget_case ml5-corrupt
  expect_rc 1 &&
  expect_in err "Variable_12: sha256 checksum mismatch" &&
  expect_files "$dest"
}

test_wget_stall ()
{
  start=$(date +%s.%N)
  wget_case stall
  elapsed=$(seconds_since "$start")
  diag "wget: gave up after $elapsed s (timeout $timeout s)"
  expect_rc 1 &&
  expect_in err "gave up" &&
  expect_files "$dest" || return 1
  awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e <= t) }' ||
    { diag "took longer than the timeout"; return 1; }
}

# Hostile servers

# A body without end and no Content-Length: refused at the catalog's size,
# at once, nothing kept.  Writing more than 8 MB (dash's ulimit counts
# 512-byte blocks) would kill fetch.
test_endless ()
{
  start=$(date +%s.%N)
  dest=$work/dest-$number
  capture env NEURAL_STYLE_FETCH_TIMEOUT="$timeout" \
    sh -c 'ulimit -f 16000 && exec "$@"' sh \
    "$fetch" --catalog "$catalog" --dest "$dest" endless
  elapsed=$(seconds_since "$start")
  diag "endless: refused after $elapsed s"
  expect_rc 1 &&
  expect_in err "more than the $wave_size bytes" &&
  expect_in err "nothing installed" &&
  expect_files "$dest" || return 1
  awk -v e="$elapsed" 'BEGIN { exit !(e < 5) }' ||
    { diag "took $elapsed s"; return 1; }
}

# A Content-Length larger than the catalog's size: refused before the
# body.
test_announced_too_large ()
{
  get small
  expect_rc 1 &&
  expect_in err "more than the 1000 bytes" &&
  expect_files "$dest"
}

# 2 bytes a second: given up once the timeout's worth of seconds averaged
# less than the minimum rate.
test_trickle ()
{
  start=$(date +%s.%N)
  get trickle
  elapsed=$(seconds_since "$start")
  diag "trickle: gave up after $elapsed s (timeout $timeout s)"
  expect_rc 1 &&
  expect_in err "too slow" &&
  expect_files "$dest" || return 1
  awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e <= t + 2) }' ||
    { diag "took longer than the timeout + 2 s"; return 1; }
}

# Killed in the middle of an ml5 style: its partial folder is never a
# style, and the next run clears it.
test_kill_then_rerun ()
{
  dest=$work/dest-$number
  : > "$work/requests"
  env NEURAL_STYLE_FETCH_TIMEOUT=600 "$fetch" --catalog "$catalog"     --dest "$dest" ml5-stall > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [ -f "$dest/.partial/wave/Variable_2" ] && break
    sleep 0.1
  done
  [ -f "$dest/.partial/wave/Variable_2" ] ||
    { diag "no partial folder"; kill -9 "$pid"; return 1; }
  capture "$fetch" --catalog "$catalog" --dest "$dest" --list
  kill -9 "$pid"
  wait "$pid" 2> /dev/null
  grep -q '^ml5-stall  *no ' "$work/out" ||
    { diag "listed as installed"; diag_output; return 1; }
  expect_files "$dest" .partial || return 1
  get ml5-ok
  expect_rc 0 &&
  expect_ml5_wave
}

# Two runs install one ml5 style at once: the second waits, then finds
# it installed.
test_concurrent ()
{
  dest=$work/dest-$number
  : > "$work/requests"
  for run in 1 2; do
    "$fetch" --catalog "$catalog" --dest "$dest" ml5-slow       > "$work/out-$run" 2> "$work/err-$run" &
    eval "pid$run=\$!"
  done
  wait "$pid1"
  rc1=$?
  wait "$pid2"
  rc2=$?
  cat "$work/out-1" "$work/out-2" > "$work/out"
  cat "$work/err-1" "$work/err-2" > "$work/err"
  rc=$((rc1 + rc2))
  expect_rc 0 &&
  expect_in out "waiting for another install" &&
  expect_in out "ml5-slow: already installed" &&
  expect_ml5_wave &&
  [ "$(requested /slow/wave/manifest.json)" -eq 1 ] ||
    { diag "requests: $(wc -l < "$work/requests")"; return 1; }
}

# A second URL hidden in the mirror after a space is no URL at all.
test_smuggled_mirror ()
{
  get --mirror "http://127.0.0.1:9/ file://$www/" ok
  expect_rc 2 &&
  expect_in err "is not an http:// or https:// URL" &&
  [ ! -e "$dest" ] || return 1
  get --mirror "file://$www/" ok
  expect_rc 2 &&
  [ ! -e "$dest" ]
}

# A redirect to ftp:// is refused as such, not taken for being offline.
test_redirect_ftp ()
{
  get ftp
  expect_rc 1 &&
  expect_in err "redirected to a URL that is not http or https" &&
  expect_in err '"ftp"' &&
  expect_in err "nothing installed" &&
  expect_files "$dest" || return 1
  if grep -q offline "$work/err"; then
    diag "said offline"
    return 1
  fi
}

# in_small_disk OPTIONS ID: fetch ID into a fresh tmpfs mounted with
# OPTIONS in a mount namespace of its own; prints what it leaves in the
# folder as a last line "left: NAMES".
in_small_disk ()
{
  dest=$work/dest-$number
  mkdir -p "$dest"
  : > "$work/requests"
  capture unshare -m sh -c '
    mount -t tmpfs -o "$1" none "$2" || exit 99
    dest=$2
    shift 2
    "$@" --dest "$dest"
    status=$?
    echo "left: $(ls -A "$dest" | tr "\n" " ")"
    exit $status' sh "$1" "$dest" \
    env NEURAL_STYLE_FETCH_TIMEOUT="$timeout" "$fetch" --catalog "$catalog" "$2"
}

can_mount ()
{
  mkdir -p "$work/mount-probe"
  unshare -m sh -c 'mount -t tmpfs -o size=64k none "$1"' sh \
    "$work/mount-probe" 2> /dev/null
}

# 6.7 MB into a 1 MB disk: "the disk is full", nothing left.
test_disk_full ()
{
  in_small_disk size=1m ok
  expect_rc 1 &&
  expect_in err "The disk is full" &&
  expect_in out "left: " || return 1
  grep -qx "left: " "$work/out" || { diag_output; return 1; }
}

# A read-only destination: named, nothing tried.
test_unwritable ()
{
  in_small_disk ro ok
  expect_rc 1 &&
  expect_in err "Cannot write into" &&
  expect_in err "Read-only file system" || return 1
  [ ! -s "$work/requests" ] || { diag "it downloaded"; return 1; }
}

t "a download installs the verified file" test_success
t "a 404 moves on to the next URL" test_404_then_next
t "a redirect (302) is followed" test_redirect
t "a connection that drops mid-file: refused, nothing left" test_drop
t "right size, wrong bytes: refused, nothing left" test_wrong_bytes
t "404, drop, wrong bytes, redirect: each moves on, the last one works" \
  test_chain
t "a server that stalls mid-file: given up within the timeout" test_stall
t "a server that never answers: given up within the timeout" \
  test_stall_head
t "an ml5 style: 49 files, byte-identical folder" test_ml5_success
t "an ml5 style with a file missing: nothing installed, dest unchanged" \
  test_ml5_missing
t "an ml5 style with a corrupt file: the old folder stays, unchanged" \
  test_ml5_corrupt
t "an ml5 style resumes on the next URL with the files still missing" \
  test_ml5_resume
t "--mirror is tried first" test_mirror_option
t "NEURAL_STYLE_MIRROR, with an ml5 style's folder" test_mirror_env
t "a failing mirror falls back to the catalog's URLs" test_mirror_fails
t "a mirror that is not http(s) is bad usage" test_bad_mirror
t "a style vector installs the Magenta networks" test_vector_preset
t "no ID: the free entries, not the optional or noncommercial ones" \
  test_default_set
t "the real catalog through a mirror: real ml5 folders and Magenta files" \
  test_real_catalog_mirror
t "an endless body without Content-Length: refused at the catalog's size" \
  test_endless
t "a Content-Length beyond the catalog's size: refused" \
  test_announced_too_large
t "a server trickling 2 bytes a second: given up as too slow" test_trickle
t "killed mid-style: never listed, the next run cleans up and installs" \
  test_kill_then_rerun
t "two runs fetch one ml5 style at once: one waits, one folder" \
  test_concurrent
t "a file:// URL smuggled into --mirror is bad usage" test_smuggled_mirror
t "a redirect to ftp:// is refused, named, not 'offline'" test_redirect_ftp
if can_mount; then
  t "a full disk is named, nothing left" test_disk_full
  t "a read-only destination is named, nothing downloaded" test_unwritable
else
  skip "a full disk is named, nothing left" "cannot mount a tmpfs"
  skip "a read-only destination is named, nothing downloaded" \
    "cannot mount a tmpfs"
fi
if command -v wget > /dev/null 2>&1; then
  no_curl_path
  t "wget: a 404 moves on to the next URL" test_wget_fallback
  t "wget: 404, drop, wrong bytes, redirect" test_wget_chain
  t "wget: an ml5 style resumes on the next URL" test_wget_ml5_resume
  t "wget: an ml5 style with a corrupt file: nothing installed" \
    test_wget_ml5_corrupt
  t "wget: a stalled server is given up within the timeout" test_wget_stall
else
  skip "wget: a 404 moves on to the next URL" "no wget"
  skip "wget: 404, drop, wrong bytes, redirect" "no wget"
  skip "wget: an ml5 style resumes on the next URL" "no wget"
  skip "wget: an ml5 style with a corrupt file: nothing installed" "no wget"
  skip "wget: a stalled server is given up within the timeout" "no wget"
fi

done_testing
