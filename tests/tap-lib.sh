# tap-lib.sh: what the shell test scripts share: TAP output and checks of
# a command run by their own `run` (exit status in $rc, output in
# $work/out and $work/err).
# shellcheck shell=sh

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
