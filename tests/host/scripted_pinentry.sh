#!/usr/bin/env bash
# A scripted pinentry for the host tests: speaks Assuan like the real ones
# (greeting, OK to SET*, CONFIRM, GETPIN, BYE) and answers from a script.
#
#   KYSO_PINENTRY_ANSWERS  file, one answer per line, consumed from the top
#                          by each CONFIRM or GETPIN; when empty: OK and the
#                          PIN $KYSO_PINENTRY_PIN
#     ok | cancel | notok | timeout   CONFIRM/GETPIN answer (ERR codes as
#                                     pinentry: 99 cancelled, 114 not
#                                     confirmed, 62 timeout)
#     pin:VALUE                       GETPIN answers VALUE
#     kill                            the process dies (SIGKILL) mid-dialog
#     sleep:N                         wait N seconds, then OK
#   KYSO_PINENTRY_LOG      every command received is appended here (the
#                          tests check what the user was shown)
set -u
answers=${KYSO_PINENTRY_ANSWERS:-/dev/null}
log=${KYSO_PINENTRY_LOG:-/dev/null}

take() { # first line of the answers file, removed from it
  local a=""
  if [ -s "$answers" ]; then
    exec 9<>"$answers.lock"
    flock 9
    a=$(head -n1 "$answers")
    sed -i 1d "$answers"
    exec 9>&-
  fi
  echo "${a:-ok}"
}

err() {
  case $1 in
    cancel) echo "ERR 83886179 Operation cancelled <Pinentry>" ;;
    notok) echo "ERR 83886194 Not confirmed <Pinentry>" ;;
    timeout) echo "ERR 83886142 Timeout <Pinentry>" ;;
    kill) kill -9 $$ ;;
    sleep:*) sleep "${1#sleep:}"; return 1 ;;
    *) return 1 ;;
  esac
}

echo "OK Pleased to meet you"
while IFS= read -r line; do
  printf '%s\n' "$line" >>"$log"
  case $line in
    CONFIRM*)
      a=$(take)
      err "$a" || echo OK
      ;;
    GETPIN)
      a=$(take)
      if ! err "$a"; then
        case $a in
          pin:*) pin=${a#pin:} ;;
          *) pin=${KYSO_PINENTRY_PIN:-} ;;
        esac
        echo "D $pin"
        echo OK
      fi
      ;;
    BYE)
      echo "OK closing connection" 2>/dev/null
      exit 0
      ;;
    *) echo OK ;;
  esac
done
