# Certificates for the TLS tests, made with openssl in $1 (sourced by tls.sh):
#   ca.pem/ca.key        the CA the tests trust
#   other-ca.pem         a CA nobody was told about
#   good.pem/good.key    localhost, 127.0.0.1 and ::1, signed by ca
#   wrong.pem/wrong.key  wrong.example only, signed by ca (a host name mismatch)
#   stranger.pem/.key    localhost and 127.0.0.1, signed by other-ca (an unknown CA)
#   client.pem/.key      a client certificate (CN rowcast), signed by ca
tls_make_certs() {
    local d=$1
    mkdir -p "$d"
    tls_ca "$d/ca" "rowcast test CA"
    tls_ca "$d/other-ca" "someone else's CA"
    tls_cert "$d/ca" "$d/good" localhost "DNS:localhost,IP:127.0.0.1,IP:::1" serverAuth
    tls_cert "$d/ca" "$d/wrong" wrong.example "DNS:wrong.example" serverAuth
    tls_cert "$d/other-ca" "$d/stranger" localhost "DNS:localhost,IP:127.0.0.1" serverAuth
    tls_cert "$d/ca" "$d/client" rowcast "DNS:rowcast" clientAuth
}

tls_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        >/dev/null 2>&1 || fail "openssl: cannot make the CA $1"
}

# tls_cert CA OUT CN SAN EKU
tls_cert() {
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$3" -keyout "$2.key" -out "$2.csr" >/dev/null 2>&1 ||
        fail "openssl: cannot make a key for $3"
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$4" "$5" >"$2.ext"
    openssl x509 -req -in "$2.csr" -CA "$1.pem" -CAkey "$1.key" -CAcreateserial -days 2 \
        -extfile "$2.ext" -out "$2.pem" >/dev/null 2>&1 || fail "openssl: cannot sign $3"
    chmod 600 "$2.key"
}

# A free TCP port on 127.0.0.1.
tls_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
