# lib.sh: what scripts/paint-photo and scripts/run-tests share.
# shellcheck shell=sh

project=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$project/.." && pwd)/shared

say ()
{
  printf '%s\n' "$*" >&2
}

die ()
{
  printf '%s: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

# as_root CMD...: runs CMD as root, through sudo when needed.
as_root ()
{
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo > /dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root and sudo is not installed"
  fi
}

# apt_install PACKAGE...: installs what is missing, nothing if all is there.
apt_install ()
{
  missing=
  for package in "$@"; do
    dpkg-query -W -f '${Status}' "$package" 2> /dev/null | grep -q 'ok installed' ||
      missing="$missing $package"
  done
  [ -z "$missing" ] && return 0
  say "Installing:$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q > /dev/null ||
    die "apt-get update failed"
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $missing > /dev/null ||
    die "apt-get install$missing failed"
}

# What building needs, on Debian 12 (GIMP 2.10) or 13 (GIMP 3).
build_packages ()
{
  echo gcc g++ meson ninja-build pkg-config gettext libglib2.0-dev \
       libopencv-dev liblcms2-dev libpng-dev libjpeg-dev libtiff-dev \
       libcurl4-openssl-dev gimp
  if apt-cache show libgimp-3.0-dev > /dev/null 2>&1; then
    echo libgimp-3.0-dev
  else
    echo libgimp2.0-dev
  fi
}
