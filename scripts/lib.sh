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

# The major.minor version of the GIMP that the command $1 starts ("3.2"),
# nothing if it is not on PATH or not GIMP.
gimp_version_of ()
{
  command -v "$1" > /dev/null 2>&1 || return 0
  "$1" --version 2> /dev/null |
    sed -n 's/^GNU Image Manipulation Program version \([0-9]*\.[0-9]*\).*/\1/p'
}

# find_gimp [3|2]: the GIMP that Neural Style can be built for and run in
# here, GIMP 3 before 2 (or only the one asked for), found by version, not
# by one file name: pkg-config's gimp-3.0 (libgimp 3.x, whichever x) or
# gimp-2.0 says which GIMP the plug-in is built for, and its commands are
# the first of gimp-console-3.2, gimp-console-3, gimp-console (for 3.2)
# whose --version is that GIMP.  Sets
#   gimp_version   major.minor, as in GIMP's profile folder: 3.2, 3.0, 2.10
#   gimp_api       3 or 2: the plug-in to build (meson -Dgimp=)
#   gimp_console   the batch GIMP (gimp-console-3.2)
#   gimp_gui       the GIMP with windows (gimp-3.2), if installed
#   gimp_profile   that GIMP's user profile: GIMP3_DIRECTORY (GIMP2_DIRECTORY)
#                  if set, else the folder named after its version, which
#                  a new minor version starts anew (~/.config/GIMP/3.2)
#   gimp_plugins   the plug-in folder in that profile
# and fails (1) if there is none.  Every variable it sets starts with gimp_.
find_gimp ()
{
  for gimp_api in ${1:-3 2}; do
    gimp_version=$(pkg-config --modversion "gimp-$gimp_api.0" 2> /dev/null | cut -d. -f1,2)
    [ -n "$gimp_version" ] || continue
    gimp_console='' gimp_gui=''
    for gimp_command in "gimp-console-$gimp_version" "gimp-console-$gimp_api" gimp-console; do
      if [ "$(gimp_version_of "$gimp_command")" = "$gimp_version" ]; then
        gimp_console=$gimp_command
        break
      fi
    done
    [ -n "$gimp_console" ] || continue
    for gimp_command in "gimp-$gimp_version" "gimp-$gimp_api" gimp; do
      if [ "$(gimp_version_of "$gimp_command")" = "$gimp_version" ]; then
        gimp_gui=$gimp_command
        break
      fi
    done
    if [ "$gimp_api" = 3 ]; then
      gimp_profile=${GIMP3_DIRECTORY:-}
    else
      gimp_profile=${GIMP2_DIRECTORY:-}
    fi
    gimp_profile=${gimp_profile:-${XDG_CONFIG_HOME:-$HOME/.config}/GIMP/$gimp_version}
    gimp_plugins=$gimp_profile/plug-ins
    return 0
  done
  gimp_api='' gimp_version='' gimp_console='' gimp_gui='' gimp_profile='' gimp_plugins=''
  return 1
}
