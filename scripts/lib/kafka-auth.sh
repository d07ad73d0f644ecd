# Sourced by kafka.sh (which defines `say` and `die`): the TLS material and the SCRAM user of the
# local broker's authenticated listeners, made once with openssl and cached under the run folder.
#
# kafka_auth_material DIR: makes DIR (when it is not complete yet) holding
#   ca.pem, ca.key                    a local certificate authority
#   broker.p12                        the broker's key and certificate (127.0.0.1 and localhost),
#                                     signed by the CA, in a PKCS#12 store (password in store.pass)
#   client.pem, client.key            a client certificate signed by the CA (CN=bridge-client)
#   wrong-ca.pem, wrong-client.pem/.key  a client certificate signed by another CA (negative tests)
#   mtls-client.json, mtls-wrong-client.json  the client certificates in the bridge's mTLS secret
#                                     format: {"certificate","privateKey","caCertificate"} (PEM)
#   scram.json                        the SCRAM-SHA-512 user in MSK's secret format
#                                     {"username","password"}, plus "caCertificate" (the local CA)
# Everything is made in DIR.tmp and renamed at the end, so a half-made set is never used.
kafka_auth_material() {
  local dir=$1 tmp
  [ -f "$dir/complete" ] && return 0
  # Several broker instances may start at once: one makes the material, the others wait for it.
  exec 8>"$dir.lock"
  flock -w 120 8 || die "another kafka.sh is still making $dir (lock $dir.lock)"
  if [ -f "$dir/complete" ]; then exec 8>&-; return 0; fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found: it makes the broker's TLS certificates (apt-get install openssl)"
  tmp="$dir.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  say "making TLS certificates and the SCRAM user for the authenticated listeners in $dir"
  (
    set -e
    cd "$tmp"
    ca() { # name subject
      openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$2" \
        -keyout "$1.key" -out "$1.pem" 2>/dev/null
    }
    signed() { # name subject ca extensions
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$4" >"$1.ext"
      openssl x509 -req -sha256 -days 3650 -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    ca ca 'kafka-endpoint-bridge local CA'
    ca wrong-ca 'kafka-endpoint-bridge wrong CA'
    signed broker localhost ca 'subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth'
    signed client bridge-client ca 'extendedKeyUsage=clientAuth'
    signed wrong-client bridge-client wrong-ca 'extendedKeyUsage=clientAuth'
    head -c 18 /dev/urandom | base64 | tr '+/' '-_' >store.pass
    openssl pkcs12 -export -name broker -in broker.pem -inkey broker.key -certfile ca.pem \
      -passout "file:store.pass" -out broker.p12
    # JSON by python3 (already needed for moto), so no other tool is needed.
    secret_json() { # out [cert key] : the mTLS secret, or the SCRAM one without arguments
      python3 - "$@" <<'PY'
import base64, json, os, sys
out, files = sys.argv[1], sys.argv[2:]
read = lambda name: open(name).read()
if files:
    value = {"certificate": read(files[0]), "privateKey": read(files[1])}
else:
    password = base64.urlsafe_b64encode(os.urandom(18)).decode()
    value = {"username": "bridge", "password": password}
value["caCertificate"] = read("ca.pem")
with open(out, "w") as f:
    json.dump(value, f, indent=2)
PY
    }
    secret_json mtls-client.json client.pem client.key
    secret_json mtls-wrong-client.json wrong-client.pem wrong-client.key
    secret_json scram.json
    chmod 600 ./*.key ./*.json store.pass
    touch complete
  ) || die "could not make the TLS certificates in $tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  exec 8>&-
}

# kafka_plain_user DIR: adds DIR/plain.json when missing, the PLAIN listener's one user in the
# bridge's SASL secret format {"username","password","caCertificate"} (the local CA), so a set
# of material made before the PLAIN listener existed gains it without being made again.
kafka_plain_user() {
  local dir=$1
  [ -f "$dir/plain.json" ] && return 0
  exec 8>"$dir.lock"
  flock -w 120 8 || die "another kafka.sh is still making $dir (lock $dir.lock)"
  if [ ! -f "$dir/plain.json" ]; then
    python3 - "$dir" <<'PY' || die "could not write $dir/plain.json"
import base64, json, os, sys
d = sys.argv[1]
value = {
    "username": "bridge-plain",
    "password": base64.urlsafe_b64encode(os.urandom(18)).decode(),
    "caCertificate": open(os.path.join(d, "ca.pem")).read(),
}
tmp = os.path.join(d, "plain.json.tmp")
with open(tmp, "w") as f:
    json.dump(value, f, indent=2)
os.chmod(tmp, 0o600)
os.rename(tmp, os.path.join(d, "plain.json"))
PY
  fi
  exec 8>&-
}
