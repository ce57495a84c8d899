# tap-lib.sh: what the shell test scripts share: a temporary folder, TAP
# output, and checks of a command run by `capture` (exit status in $rc,
# output in $work/out and $work/err).  Source it once the script knows it
# will run its tests; end the script with `done_testing`.
# shellcheck shell=sh

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
# Never the real user's data folder.
HOME=$work/home
XDG_DATA_HOME=$work/xdg
export HOME XDG_DATA_HOME

number=0
failures=0

diag ()
{
  printf '# %s\n' "$@"
}

diag_output ()
{
  sed 's/^/#   stdout: /' "$work/out"
  sed 's/^/#   stderr: /' "$work/err"
}

# capture COMMAND ARG...: runs it with no input, keeping its exit status in
# $rc and its output in $work/out and $work/err.
capture ()
{
  "$@" > "$work/out" 2> "$work/err" < /dev/null
  rc=$?
}

expect_rc ()
{
  [ "$rc" -eq "$1" ] && return 0
  diag "exit status $rc, expected $1"
  diag_output
  return 1
}

# expect_in out|err TEXT
expect_in ()
{
  grep -qF -- "$2" "$work/$1" && return 0
  diag "$1 does not say '$2'"
  diag_output
  return 1
}

# expect_files DIR NAME...: DIR holds exactly these files (no temporaries);
# with no NAME, DIR is empty or absent.
expect_files ()
{
  dir=$1
  shift
  actual=$(ls -A "$dir" 2> /dev/null | tr '\n' ' ')
  wanted=
  for name in "$@"; do
    wanted="$wanted$name "
  done
  [ "$actual" = "$wanted" ] && return 0
  diag "$dir holds '$actual', expected '$wanted'"
  return 1
}

# t DESCRIPTION FUNCTION: one TAP test.
t ()
{
  number=$((number + 1))
  if "$2"; then
    echo "ok $number - $1"
  else
    echo "not ok $number - $1"
    failures=$((failures + 1))
  fi
}

skip ()
{
  number=$((number + 1))
  echo "ok $number - $1 # SKIP $2"
}

# done_testing: the plan, after the tests (valid TAP), and the exit status:
# nonzero if a test failed.
done_testing ()
{
  echo "1..$number"
  [ "$failures" -eq 0 ]
}
