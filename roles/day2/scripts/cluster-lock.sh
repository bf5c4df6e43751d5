#!/bin/sh
# cluster-mgr's cluster lock, run as root on the first server (sh -c, arguments as $1...).
# cluster-mgr sets CM_LOCK_DIR (the lock's directory) ahead of this file and then calls
# cm_lock_take MODE OWNER or cm_lock_release TOKEN.
#
# Every function prints "@@cm-lock STATE [AGE]" lines; after held, removed and other comes the
# lock file's content, AGE being the seconds since it was written, by the host's clock.
umask 077
dir=${CM_LOCK_DIR:?}
lock="$dir/lock"

cm_show() {
  cm_age=$(( $(date +%s) - $(stat -c %Y -- "$2" 2>/dev/null || date +%s) ))
  printf '@@cm-lock %s %s\n' "$1" "$cm_age"
  cat -- "$2" 2>/dev/null
  echo
}

if [ -e "$lock" ] && [ ! -f "$lock" ]; then
  echo "$lock is not a regular file; cluster-mgr cannot use it as its lock" >&2
  exit 3
fi

# $1: take, force (remove a lock that is there first, saying whose) or look (report only, change
# nothing); $2: the owner text. The lock is written under a temporary name and linked into place
# (link(2) fails when the lock exists: one command wins).
cm_lock_take() {
  if [ "$1" = look ]; then
    if [ -e "$lock" ]; then cm_show held "$lock"; else echo '@@cm-lock free'; fi
    exit 0
  fi
  [ -d "$dir" ] || mkdir -p -- "$dir" || exit 3
  chmod 700 -- "$dir" || exit 3
  if [ "$1" = force ] && [ -e "$lock" ]; then
    cm_old="$dir/.lock.removed.$$"
    if mv -f -- "$lock" "$cm_old"; then cm_show removed "$cm_old"; rm -f -- "$cm_old"; fi
  fi
  cm_tmp=$(mktemp "$dir/.lock.XXXXXX") || exit 3
  if ! printf '%s' "$2" > "$cm_tmp"; then rm -f -- "$cm_tmp"; exit 3; fi
  if ln -- "$cm_tmp" "$lock" 2>/dev/null; then
    rm -f -- "$cm_tmp"
    echo '@@cm-lock taken'
    exit 0
  fi
  rm -f -- "$cm_tmp"
  cm_show held "$lock"
}

# $1: the token of the lock to remove; another command's lock is reported and kept.
cm_lock_release() {
  if [ ! -e "$lock" ]; then echo '@@cm-lock gone'; exit 0; fi
  if grep -qxF "token=$1" "$lock"; then
    rm -f -- "$lock" || exit 3
    echo '@@cm-lock released'
    exit 0
  fi
  cm_show other "$lock"
}
