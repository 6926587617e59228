# kfit watchdog: sh -c "$this" kfit-watchdog DIR ARGV...
# Runs ARGV (in DIR unless empty) with stdin from /dev/null, its stdout and stderr on our stdout, and
# prints "kfit-pid PID" as the first line of stderr. Our stdin is the SSH channel: when it reaches EOF
# (kfit closed the channel, died or lost the connection) the command's process group gets TERM, then
# KILL 2 s later. Exits with the command's status.
d=$1; shift
exec 3<&0 </dev/null
s= g=
# In its own process group, so that a kill reaches its children too.
if command -v setsid >/dev/null 2>&1; then s=setsid g=-; fi
( if [ -n "$d" ]; then cd "$d" || exit 126; fi; exec $s "$@" ) 3<&- 2>&1 &
p=$!
echo "kfit-pid $p" >&2
k() { kill -s "$1" -- "$g$p" 2>/dev/null || kill -s "$1" "$p" 2>/dev/null; }
# An asynchronous list reads /dev/null unless told otherwise: hand the watcher the channel explicitly.
( cat >/dev/null 2>&1; k TERM; sleep 2; k KILL ) <&3 >/dev/null 2>&1 &
w=$!
exec 3<&-
trap 'k TERM; sleep 2; k KILL; kill $w 2>/dev/null; exit 143' HUP INT TERM
wait $p
r=$?
# The command is reaped: stop the watcher before its pid could be reused.
kill $w 2>/dev/null
exit $r
