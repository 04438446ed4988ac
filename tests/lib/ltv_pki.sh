# shellcheck shell=bash
# A loopback PKI for the long-term validation tests (issue 13): made at run
# time because the certificates name the ports of the responders (AIA OCSP
# and caIssuers, CRL distribution points on http://127.0.0.1:PORT/...),
# which are chosen when the test starts, free, so that ctest -j runs can
# not collide. Served by real components: `openssl ocsp -index ... -port`
# per CA, and tests/lib/ltv_http.mjs (CRLs, certificates, `openssl ts
# -reply` for POSTed queries, switchable misbehaviours, a request log)
# relaying the OCSP POSTs so that every request is logged.
#
#   root CA (EC P-256)        "LTV root (test)", trust anchor, no AIA/CDP
#     └ sub-CA (RSA 2048)     "LTV sub-CA (test)": AIA OCSP /ocsp/root,
#                             caIssuers /cert/root.der, CDP /crl/root.crl
#         └ leaves, one per case (LTV_LEAVES below), AIA caIssuers
#           /cert/sub.der, OCSP and CDP per case
#   TSA root (RSA 2048)       "LTV TSA root (test)", trust anchor
#     └ tsa (RSA 2048)        EKU timeStamping (critical); AIA OCSP
#                             /ocsp/tsaroot, caIssuers /cert/tsaroot.der,
#                             CDP /crl/tsaroot.crl; served at /tsa/tsa
#   evil (EC P-256)           self-signed, the sub-CA's very subject DN (an
#                             impostor); evil.crl, and ocsp-evil, its
#                             delegated OCSP responder
#   ocsp-root ocsp-sub ocsp-tsaroot   delegated responders of each CA: EKU
#                             OCSPSigning (critical), id-pkix-ocsp-nocheck
#
# Leaves (NAME.pem NAME.key NAME.p12 with sub-CA + root; good-leafonly.p12
# holds the good leaf alone, for caIssuers fetching). U = $LTV_URL:
#   good (RSA 2048), good-ec  OCSP U/ocsp/sub, CDP U/crl/sub.crl
#   revoked            the same; revoked (keyCompromise) in the index/CRL
#   unknown            the same; not in the OCSP index (answer "unknown"),
#                      not on the CRL (the CRL says good)
#   down               OCSP and CDP on a port where nothing listens
#   down-crl           OCSP on that port, CDP U/crl/sub.crl
#   slow big redirect redirect-same flaky   OCSP U/m/MODE/ocsp/sub, no CDP
#   nonce              OCSP U/m/canned/nonce-other.der: a real answer of
#                      ocsp-sub about this leaf, for another request (its
#                      own nonce); no CDP
#   evilresp           OCSP U/m/live-evil/ocsp/sub (signed by ocsp-evil)
#   expired            OCSP U/m/live-expired/ocsp/sub (faketime -2d, -nmin 60)
#   evilcrl            no OCSP; CDP U/crl/evil.crl (the impostor's CRL)
#   bigcrl             no OCSP; CDP U/m/big/crl/sub.crl (21 MiB)
#   crlonly            no OCSP; CDP U/crl/sub.crl
#   direct             OCSP http://127.0.0.1:(openssl ocsp port)/, no CDP
#
#   ltv_setup DIR      PKI + responders; sets LTV_DIR LTV_URL LTV_HTTP_PORT
#                      LTV_LOG LTV_TSA_URL LTV_DOWN_PORT LTV_CONF LTV_TRUST
#                      (dir: root.pem tsaroot.pem) LTV_PASS_FILE
#   ltv_start_ocsp CA [INDEX CACERT RSIGNER RKEY]  (another) openssl ocsp
#                      responder, relayed at $LTV_URL/ocsp/CA
#   ltv_stop NAME      stop one process: http, proxy, ocsp-root, ocsp-sub,
#                      ocsp-tsaroot, ocsp-CA
#   ltv_stop_all       stop every process started here (also at exit)
#   ltv_proxy_start    the logging forward proxy: LTV_PROXY_URL, LTV_PROXY_LOG
#   ltv_conf FILE [LINE...]  a kyso.conf (allow_loopback_urls, short
#                      timeouts, the loopback TSA) plus LINEs
#   ltv_log_count ERE  requests in the HTTP log whose path matches ERE
#   ltv_env [NAME=VALUE...]  KYSO_ENV for kyso_run: a fresh HOME and
#                      XDG_CACHE_HOME (revocation cache) unless
#                      LTV_CACHE_HOME is set, no proxy variables, plus these
#   ltv_free_port      a free port, reserved for this test (see below)
#
# kyso.conf (LTV_CONF): allow_loopback_urls = yes, tsa_url = LTV_TSA_URL,
# timeout 1 s, connect_timeout 1 s, tries 2, retry_delay_ms 100.
# ltv_setup chains its exit trap (stop the responders) before the one set
# earlier (common.sh's summary, or the caller's).
#
# Environment: KYSO_LTV_PORT_BASE (ports are taken from there upwards,
# first free ones not reserved by another live test; else the kernel
# picks), LTV_OCSP_NMIN (nextUpdate of the
# openssl ocsp answers, minutes, default 60), LTV_SLOW_MS (the slow mode's
# wait, default 4000; kyso.conf's timeout is 1 s).
#
# Needs common.sh. Only 127.0.0.1/localhost is ever contacted.

LTV_PASS=kyso-ltv-pass
LTV_LEAVES="good good-ec revoked unknown down down-crl slow big redirect redirect-same flaky nonce evilresp expired evilcrl bigcrl crlonly direct"
declare -gA LTV_PIDS=()

# ltv_free_port: a port nobody listens on now and that no live test (this
# one included) has reserved: reservations are files PORT holding the
# owner's PID in $KYSO_TEST_TMP/ltv-ports (or the test's temp dir), taken
# under a lock, so ctest -j runs do not collide and one test never gets a
# port twice. From KYSO_LTV_PORT_BASE upwards when set, else the kernel's
# choice (bind to port 0).
ltv_free_port() {
  local p reg=${KYSO_TEST_TMP:-$TEST_TMP}/ltv-ports
  mkdir -p "$reg"
  p=$(
    exec 9>"$reg/.lock"
    flock 9
    node -e '
      const fs = require("fs"), net = require("net"), path = require("path");
      const [base, reg, me] = [Number(process.argv[1]) || 0, process.argv[2], process.argv[3]];
      const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
      const reserved = (p) => {
        try { return alive(Number(fs.readFileSync(path.join(reg, String(p)), "utf8"))); } catch { return false; }
      };
      let tries = 0;
      const tryPort = (p) => {
        if (++tries > 400) { console.error("no free port"); process.exit(1); }
        if (base && reserved(p)) return tryPort(p + 1);
        const s = net.createServer();
        s.once("error", () => tryPort(base ? p + 1 : 0));
        s.listen(p, "127.0.0.1", () => {
          const q = s.address().port;
          s.close(() => {
            if (reserved(q)) return tryPort(base ? q + 1 : 0);
            fs.writeFileSync(path.join(reg, String(q)), me);
            console.log(q);
          });
        });
      };
      tryPort(base || 0);' "${KYSO_LTV_PORT_BASE:-0}" "$reg" "$$"
  )
  echo "$p"
}

# _ltv_wait_file FILE: wait up to 10 s for FILE to appear.
_ltv_wait_file() {
  local _
  for _ in $(seq 100); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  die "ltv: $1 did not appear"
}

# _ltv_wait_listen PORT: wait up to 10 s for a listener on 127.0.0.1:PORT.
_ltv_wait_listen() {
  local _
  for _ in $(seq 100); do
    if ss -Hltn "sport = :$1" | grep -q .; then return 0; fi
    sleep 0.1
  done
  die "ltv: nothing listens on port $1"
}

_ltv_conf_ca() { # CADIR: openssl ca + req configuration
  cat <<EOF
[ ca ]
default_ca = ltv_ca

[ ltv_ca ]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
crlnumber = \$dir/crlnumber
crl_extensions = crl_ext
default_md = sha256
policy = policy_any
preserve = yes
unique_subject = no
copy_extensions = none
email_in_dn = no
rand_serial = yes
string_mask = utf8only
utf8 = yes

[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no

[ req_dn ]
CN = unused

[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

_ltv_cadir() { # DIR
  mkdir -p "$1/newcerts"
  : >"$1/index.txt"
  echo 1000 >"$1/crlnumber"
  _ltv_conf_ca "$1" >"$1/openssl.cnf"
}

_ltv_key() { # FILE rsa2048|ec256
  case $2 in
    rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
    ec256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
  esac
}

# _ltv_ext KIND [OCSP_URL CAISSUERS_URL CDP_URL]: an extension section
# "ext" for openssl ca -extfile; empty URLs are left out.
_ltv_ext() {
  local kind=$1 ocsp=${2:-} cai=${3:-} cdp=${4:-} aia=""
  echo "[ ext ]"
  case $kind in
    ca)
      echo "basicConstraints = critical, CA:TRUE"
      echo "keyUsage = critical, keyCertSign, cRLSign" ;;
    ee)
      echo "basicConstraints = critical, CA:FALSE"
      echo "keyUsage = critical, digitalSignature, nonRepudiation"
      echo "extendedKeyUsage = clientAuth, emailProtection" ;;
    ocsp)
      echo "basicConstraints = critical, CA:FALSE"
      echo "keyUsage = critical, digitalSignature"
      echo "extendedKeyUsage = critical, OCSPSigning"
      echo "noCheck = ignored" ;;
    tsa)
      echo "basicConstraints = critical, CA:FALSE"
      echo "keyUsage = critical, digitalSignature, nonRepudiation"
      echo "extendedKeyUsage = critical, timeStamping" ;;
  esac
  echo "subjectKeyIdentifier = hash"
  echo "authorityKeyIdentifier = keyid:always"
  [ -z "$ocsp" ] || aia="OCSP;URI:$ocsp"
  [ -z "$cai" ] || aia="${aia:+$aia,}caIssuers;URI:$cai"
  [ -z "$aia" ] || echo "authorityInfoAccess = $aia"
  [ -z "$cdp" ] || echo "crlDistributionPoints = URI:$cdp"
}

# _ltv_issue DIR CA NAME SUBJ KEYSPEC KIND [OCSP CAI CDP]: NAME.key,
# NAME.pem issued by CA (its dir DIR/ca-CA); CA "self": self-signed root
# (state in DIR/ca-NAME).
_ltv_issue() {
  local d=$1 ca=$2 name=$3 subj=$4 spec=$5 kind=$6 cadir
  shift 6
  [ -s "$d/$name.key" ] || _ltv_key "$d/$name.key" "$spec"
  _ltv_ext "$kind" "$@" >"$d/ext-$name.cnf"
  if [ "$ca" = self ]; then cadir=$d/ca-$name; else cadir=$d/ca-$ca; fi
  openssl req -new -config "$cadir/openssl.cnf" -utf8 -subj "$subj" \
    -key "$d/$name.key" -out "$d/$name.csr"
  if [ "$ca" = self ]; then
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extfile "$d/ext-$name.cnf" \
      -extensions ext -startdate 20200101000000Z -enddate 20450101000000Z -selfsign \
      -keyfile "$d/$name.key" -in "$d/$name.csr" -out "$d/$name.pem" 2>>"$d/ca.log"
  else
    openssl ca -batch -notext -config "$cadir/openssl.cnf" -extfile "$d/ext-$name.cnf" \
      -extensions ext -startdate 20240101000000Z -enddate 20400101000000Z \
      -cert "$d/$ca.pem" -keyfile "$d/$ca.key" -in "$d/$name.csr" -out "$d/$name.pem" \
      2>>"$d/ca.log"
  fi
  rm -f -- "$d/$name.csr"
  [ -s "$d/$name.pem" ] || die "ltv: could not issue $name"
}

# _ltv_crl DIR CA [FILE]: CA's CRL (openssl ca -gencrl, 2 days), DER into
# DIR/http/crl/FILE (default CA.crl).
_ltv_crl() {
  local d=$1 ca=$2 out=$1/http/crl/${3:-$2.crl}
  openssl ca -gencrl -config "$d/ca-$ca/openssl.cnf" -cert "$d/$ca.pem" -keyfile "$d/$ca.key" \
    -crldays 2 -out "$d/$ca.crl.pem" 2>>"$d/ca.log"
  openssl crl -in "$d/$ca.crl.pem" -outform DER -out "$out"
}

# ltv_make_pki DIR URL DOWN_PORT SUB_OCSP_PORT: every certificate, CRL,
# PKCS#12 and canned answer (the responders are not started).
ltv_make_pki() {
  local d=$1 u=$2 down=$3 subport=$4 leaf spec ocsp cdp
  mkdir -p "$d/http/crl" "$d/http/cert" "$d/canned" "$d/ocsp" "$d/tsa"
  for ca in root sub tsaroot evil; do _ltv_cadir "$d/ca-$ca"; done

  _ltv_issue "$d" self root "/C=VN/O=Kyso LTV test/CN=LTV root (test)" ec256 ca
  _ltv_issue "$d" root sub "/C=VN/O=Kyso LTV test/CN=LTV sub-CA (test)" rsa2048 ca \
    "$u/ocsp/root" "$u/cert/root.der" "$u/crl/root.crl"
  _ltv_issue "$d" self tsaroot "/C=VN/O=Kyso LTV test/CN=LTV TSA root (test)" rsa2048 ca
  _ltv_issue "$d" tsaroot tsa "/C=VN/O=Kyso LTV test/CN=LTV TSA (test)" rsa2048 tsa \
    "$u/ocsp/tsaroot" "$u/cert/tsaroot.der" "$u/crl/tsaroot.crl"
  # The impostor: the sub-CA's subject, its own key, signed by itself.
  _ltv_issue "$d" self evil "/C=VN/O=Kyso LTV test/CN=LTV sub-CA (test)" ec256 ca
  for ca in root sub tsaroot evil; do
    _ltv_issue "$d" "$ca" "ocsp-$ca" "/C=VN/O=Kyso LTV test/CN=LTV OCSP $ca (test)" ec256 ocsp
  done

  for leaf in $LTV_LEAVES; do
    spec=ec256
    ocsp=$u/ocsp/sub
    cdp=$u/crl/sub.crl
    case $leaf in
      good) spec=rsa2048 ;;
      down) ocsp=http://127.0.0.1:$down/ocsp; cdp=http://127.0.0.1:$down/crl/sub.crl ;;
      down-crl) ocsp=http://127.0.0.1:$down/ocsp ;;
      slow | big | redirect | redirect-same | flaky) ocsp=$u/m/$leaf/ocsp/sub; cdp= ;;
      nonce) ocsp=$u/m/canned/nonce-other.der; cdp= ;;
      evilresp) ocsp=$u/m/live-evil/ocsp/sub; cdp= ;;
      expired) ocsp=$u/m/live-expired/ocsp/sub; cdp= ;;
      evilcrl) ocsp=; cdp=$u/crl/evil.crl ;;
      bigcrl) ocsp=; cdp=$u/m/big/crl/sub.crl ;;
      crlonly) ocsp= ;;
      direct) ocsp=http://127.0.0.1:$subport/; cdp= ;;
    esac
    _ltv_issue "$d" sub "$leaf" "/C=VN/O=Kyso LTV test/CN=Nguyễn Văn LTV $leaf" "$spec" ee \
      "$ocsp" "$u/cert/sub.der" "$cdp"
  done

  cat "$d/sub.pem" "$d/root.pem" >"$d/chain.pem"
  cat "$d/tsa.pem" "$d/tsaroot.pem" >"$d/tsa-chain.pem"
  for leaf in $LTV_LEAVES; do
    openssl pkcs12 -export -passout "pass:$LTV_PASS" -name "$leaf" -inkey "$d/$leaf.key" \
      -in "$d/$leaf.pem" -certfile "$d/chain.pem" -out "$d/$leaf.p12"
  done
  openssl pkcs12 -export -passout "pass:$LTV_PASS" -name good -inkey "$d/good.key" \
    -in "$d/good.pem" -out "$d/good-leafonly.p12"
  printf '%s' "$LTV_PASS" >"$d/p12pass"

  # revoked: keyCompromise; unknown: never heard of by the responder.
  openssl ca -config "$d/ca-sub/openssl.cnf" -revoke "$d/revoked.pem" -crl_reason keyCompromise \
    -cert "$d/sub.pem" -keyfile "$d/sub.key" 2>>"$d/ca.log"
  local userial
  userial=$(openssl x509 -in "$d/unknown.pem" -noout -serial | cut -d= -f2)
  grep -vi "	$userial	" "$d/ca-sub/index.txt" >"$d/ca-sub/index.txt.new"
  mv -- "$d/ca-sub/index.txt.new" "$d/ca-sub/index.txt"
  grep -q "^R" "$d/ca-sub/index.txt" || die "ltv: revoked leaf not in the index"

  for ca in root sub tsaroot evil; do _ltv_crl "$d" "$ca"; done
  for ca in root sub tsaroot; do
    openssl x509 -in "$d/$ca.pem" -outform DER -out "$d/http/cert/$ca.der"
  done

  # The nonce case: a genuine answer about the nonce leaf, to a request
  # with a nonce of its own (what a replaying or caching middlebox sends).
  openssl ocsp -issuer "$d/sub.pem" -cert "$d/nonce.pem" -reqout "$d/canned/nonce-other.req" \
    2>>"$d/ca.log"
  openssl ocsp -index "$d/ca-sub/index.txt" -CA "$d/sub.pem" -rsigner "$d/ocsp-sub.pem" \
    -rkey "$d/ocsp-sub.key" -reqin "$d/canned/nonce-other.req" \
    -respout "$d/canned/nonce-other.der" -nmin 600 >>"$d/ca.log" 2>&1

  # The TSA: openssl ts -reply, run by ltv_http.mjs per query.
  echo 01 >"$d/tsa/serial"
  cat >"$d/tsa/tsa.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = $d/tsa/serial
crypto_device = builtin
signer_cert = $d/tsa.pem
certs = $d/tsa.pem
signer_key = $d/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
}

# _ltv_spawn NAME CMD...: start CMD in the background, killed at exit.
_ltv_spawn() {
  local name=$1
  shift
  timeout 1800 "$@" >>"$LTV_DIR/$name.out" 2>&1 &
  LTV_PIDS[$name]=$!
}

# ltv_start_ocsp CA [INDEX CACERT RSIGNER RKEY]: `openssl ocsp -port` for
# CA (root, sub, tsaroot: files of this PKI), or for another CA given by
# its files (relayed at $LTV_URL/ocsp/CA; a free port is picked for it).
ltv_start_ocsp() {
  local ca=$1 port
  [ -s "$LTV_DIR/ocsp/$ca.port" ] || ltv_free_port >"$LTV_DIR/ocsp/$ca.port"
  port=$(cat "$LTV_DIR/ocsp/$ca.port")
  _ltv_spawn "ocsp-$ca" openssl ocsp -index "${2:-$LTV_DIR/ca-$ca/index.txt}" \
    -CA "${3:-$LTV_DIR/$ca.pem}" -rsigner "${4:-$LTV_DIR/ocsp-$ca.pem}" \
    -rkey "${5:-$LTV_DIR/ocsp-$ca.key}" -port "$port" -nmin "${LTV_OCSP_NMIN:-60}" -ignore_err
  _ltv_wait_listen "$port"
}

ltv_setup() {
  local d=$1 down subport
  mkdir -p "$d"
  LTV_DIR=$(cd "$d" && pwd)
  LTV_LOG=$LTV_DIR/http.log
  : >"$LTV_LOG"
  local hport=0
  [ -z "${KYSO_LTV_PORT_BASE:-}" ] || hport=$(ltv_free_port)
  _ltv_spawn http node "$KYSO_TESTLIB/ltv_http.mjs" --dir "$LTV_DIR" --port "$hport" \
    --port-file "$LTV_DIR/http.port" --log "$LTV_LOG" --slow-ms "${LTV_SLOW_MS:-4000}" --ppid $$
  _ltv_wait_file "$LTV_DIR/http.port"
  LTV_HTTP_PORT=$(cat "$LTV_DIR/http.port")
  LTV_URL=http://127.0.0.1:$LTV_HTTP_PORT
  LTV_TSA_URL=$LTV_URL/tsa/tsa
  down=$(ltv_free_port)
  LTV_DOWN_PORT=$down
  mkdir -p "$LTV_DIR/ocsp"
  for ca in root sub tsaroot; do ltv_free_port >"$LTV_DIR/ocsp/$ca.port"; done
  subport=$(cat "$LTV_DIR/ocsp/sub.port")
  ltv_make_pki "$LTV_DIR" "$LTV_URL" "$down" "$subport"
  for ca in root sub tsaroot; do ltv_start_ocsp "$ca"; done
  LTV_TRUST=$LTV_DIR/trust
  mkdir -p "$LTV_TRUST"
  cp -- "$LTV_DIR/root.pem" "$LTV_DIR/tsaroot.pem" "$LTV_TRUST/"
  LTV_PASS_FILE=$LTV_DIR/p12pass
  LTV_CONF=$LTV_DIR/kyso.conf
  ltv_conf "$LTV_CONF"
  export LTV_DIR LTV_URL LTV_HTTP_PORT LTV_LOG LTV_TSA_URL LTV_DOWN_PORT LTV_CONF LTV_TRUST \
    LTV_PASS_FILE
  # Stop the responders at exit, then run the exit trap set before (the
  # tests' summary of common.sh, or the caller's own).
  if [ -z "${_LTV_TRAP_SET:-}" ]; then
    _LTV_PREV_EXIT_TRAP=_kyso_on_exit
    local prev
    prev=$(trap -p EXIT)
    if [ -n "$prev" ]; then
      eval "set -- $prev"
      _LTV_PREV_EXIT_TRAP=$3
    fi
    _LTV_TRAP_SET=1
    trap _ltv_on_exit EXIT
  fi
}

_ltv_on_exit() {
  local rc=$?
  ltv_stop_all
  (exit "$rc")
  eval "$_LTV_PREV_EXIT_TRAP"
}

# ltv_stop NAME: stop one process and wait for it.
ltv_stop() {
  local pid=${LTV_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "LTV_PIDS[$1]"
}

ltv_stop_all() {
  local n reg=${KYSO_TEST_TMP:-$TEST_TMP}/ltv-ports
  for n in "${!LTV_PIDS[@]}"; do ltv_stop "$n"; done
  # release this test's port reservations
  grep -lx "$$" "$reg"/[0-9]* 2>/dev/null | xargs -r rm -f -- || true
}

# ltv_proxy_start: the logging forward proxy (ltv_proxy.mjs).
ltv_proxy_start() {
  LTV_PROXY_LOG=$LTV_DIR/proxy.log
  : >"$LTV_PROXY_LOG"
  local pport=0
  [ -z "${KYSO_LTV_PORT_BASE:-}" ] || pport=$(ltv_free_port)
  _ltv_spawn proxy node "$KYSO_TESTLIB/ltv_proxy.mjs" --port "$pport" \
    --port-file "$LTV_DIR/proxy.port" --log "$LTV_PROXY_LOG" --ppid $$
  _ltv_wait_file "$LTV_DIR/proxy.port"
  LTV_PROXY_URL=http://127.0.0.1:$(cat "$LTV_DIR/proxy.port")
  export LTV_PROXY_URL LTV_PROXY_LOG
}

# ltv_conf FILE [LINE...]
ltv_conf() {
  local f=$1
  shift
  {
    echo "# kyso.conf of the LTV tests (tests/lib/ltv_pki.sh)"
    echo "allow_loopback_urls = yes"
    echo "tsa_url = $LTV_TSA_URL"
    echo "timeout = 1"
    echo "connect_timeout = 1"
    echo "tries = 2"
    echo "retry_delay_ms = 100"
    local l
    for l in "$@"; do echo "$l"; done
  } >"$f"
}

# ltv_log_count ERE: HTTP log lines whose "path" matches ERE.
ltv_log_count() {
  node -e '
    const fs = require("fs");
    const re = new RegExp(process.argv[2]);
    const n = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l)).filter((r) => re.test(r.path)).length;
    console.log(n);' "$LTV_LOG" "$1"
}

# ltv_env [NAME=VALUE...]: KYSO_ENV for the next kyso_run.
ltv_env() {
  local home=${LTV_CACHE_HOME:-}
  if [ -z "$home" ]; then
    home=$(mktemp -d "$TEST_TMP/home.XXXXXX")
  fi
  mkdir -p "$home/.cache" "$home/.config/kyso"
  # The default kyso.conf of these runs: the loopback TSA, so that a
  # command falling back on tsa_url (sign --ltv without --tsa) never
  # reaches the default national TSA. No allow_loopback_urls here: the
  # tests of the guard rely on it being off unless asked for.
  [ -s "$home/.config/kyso/kyso.conf" ] ||
    printf '# default kyso.conf of the LTV tests (ltv_env)\ntsa_url = %s\ntimeout = 5\nconnect_timeout = 2\ntries = 2\nretry_delay_ms = 100\n' \
      "${LTV_TSA_URL:-http://127.0.0.1:9/}" >"$home/.config/kyso/kyso.conf"
  # shellcheck disable=SC2034 # read by kyso_run (kyso.sh)
  KYSO_ENV=("HOME=$home" "XDG_CACHE_HOME=$home/.cache" "XDG_CONFIG_HOME=$home/.config" http_proxy= https_proxy= HTTP_PROXY=
    HTTPS_PROXY= all_proxy= ALL_PROXY= no_proxy= NO_PROXY= "$@")
}
