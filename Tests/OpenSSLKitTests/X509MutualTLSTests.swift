import Foundation
import Testing
import OpenSSLKit

/// Python's `ssl` (the module Dask's `distributed.Security` uses) doing mutual TLS with the
/// certificates, under `VERIFY_X509_STRICT`, and `cryptography` reading their structure.
private let mutualTLSScript = #"""
import datetime, ipaddress, json, os, socket, ssl, sys, threading
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID

directory = sys.argv[1]
path = lambda name: os.path.join(directory, name)
TIMEOUT = 20

def server_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=path("ca.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_cert_chain(path("server.pem"), path("server.key"))
    return context

def client_context(name):
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=path("ca.pem"))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.check_hostname = True
    if name is not None:
        context.load_cert_chain(path(name + ".pem"), path(name + ".key"))
    return context

# (case, client certificate, server_hostname the client checks)
cases = [("good", "client", "127.0.0.1"),
         ("other_ca", "other", "127.0.0.1"),
         ("no_cert", None, "127.0.0.1"),
         ("wrong_host", "client", "10.9.9.9")]

listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(TIMEOUT)
port = listener.getsockname()[1]
server = server_context()
server_side = []

def serve():
    # One connection per case, in order: the client opens the next only after the last closed.
    for _ in cases:
        try:
            connection, _ = listener.accept()
        except Exception as error:
            server_side.append({"ok": False, "error": "accept: " + repr(error)})
            return
        connection.settimeout(TIMEOUT)
        try:
            with server.wrap_socket(connection, server_side=True) as tls:
                subject = dict(item[0] for item in tls.getpeercert()["subject"])
                data = tls.recv(1)
                tls.sendall(data)
                server_side.append({"ok": True, "peer": subject.get("commonName")})
        except Exception as error:
            server_side.append({"ok": False, "error": repr(error)})
        finally:
            connection.close()

thread = threading.Thread(target=serve, daemon=True)
thread.start()

client_side = {}
for case, certificate, hostname in cases:
    try:
        context = client_context(certificate)
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            with context.wrap_socket(raw, server_hostname=hostname) as tls:
                tls.sendall(b"x")
                echo = tls.recv(1)
                client_side[case] = {"ok": echo == b"x", "echo": echo.decode(), "version": tls.version()}
    except Exception as error:
        client_side[case] = {"ok": False, "error": repr(error)}

thread.join(TIMEOUT * len(cases))

# The certificates' structure, as cryptography reads it.
load = lambda name: x509.load_pem_x509_certificate(open(path(name), "rb").read())
ca, leaf, client, other = load("ca.pem"), load("server.pem"), load("client.pem"), load("other.pem")
key = serialization.load_pem_private_key(open(path("server.key"), "rb").read(), password=None)
ext = lambda cert, kind: cert.extensions.get_extension_for_class(kind)

serials = [cert.serial_number for cert in (ca, leaf, client, other)]
san = lambda: ext(leaf, x509.SubjectAlternativeName).value
checks = {
    "eku_server_auth": lambda: ExtendedKeyUsageOID.SERVER_AUTH in ext(leaf, x509.ExtendedKeyUsage).value,
    "eku_client_auth": lambda: ExtendedKeyUsageOID.CLIENT_AUTH in ext(leaf, x509.ExtendedKeyUsage).value,
    "client_eku_both": lambda: set(ext(client, x509.ExtendedKeyUsage).value)
        == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH},
    "version_3": lambda: all(c.version == x509.Version.v3 for c in (ca, leaf)),
    "ecdsa_sha256": lambda: all(c.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
                                for c in (ca, leaf)),
    "p256_keys": lambda: all(isinstance(c.public_key(), ec.EllipticCurvePublicKey)
                             and c.public_key().curve.name == "secp256r1" for c in (ca, leaf)),
    "serials_positive_128_bit": lambda: all(0 < s < 2**127 for s in serials),
    "serials_distinct": lambda: len(set(serials)) == len(serials),
    "leaf_basic_constraints": lambda: ext(leaf, x509.BasicConstraints).critical
        and not ext(leaf, x509.BasicConstraints).value.ca,
    "leaf_key_usage": lambda: ext(leaf, x509.KeyUsage).critical and ext(leaf, x509.KeyUsage).value.digital_signature
        and not ext(leaf, x509.KeyUsage).value.key_cert_sign
        and not ext(leaf, x509.KeyUsage).value.key_encipherment,
    "leaf_san": lambda: san().get_values_for_type(x509.DNSName) == ["localhost", "scheduler"]
        and san().get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1"),
                                                          ipaddress.ip_address("::1")],
    "leaf_aki_is_ca_ski": lambda: ext(leaf, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(ca, x509.SubjectKeyIdentifier).value.digest,
    "leaf_ski": lambda: len(ext(leaf, x509.SubjectKeyIdentifier).value.digest) > 0,
    "ca_basic_constraints": lambda: ext(ca, x509.BasicConstraints).critical
        and ext(ca, x509.BasicConstraints).value.ca and ext(ca, x509.BasicConstraints).value.path_length == 0,
    "ca_key_usage": lambda: ext(ca, x509.KeyUsage).critical and ext(ca, x509.KeyUsage).value.key_cert_sign
        and ext(ca, x509.KeyUsage).value.crl_sign and not ext(ca, x509.KeyUsage).value.digital_signature,
    "ca_ski": lambda: len(ext(ca, x509.SubjectKeyIdentifier).value.digest) > 0,
    "key_is_pkcs8_p256_of_leaf": lambda: open(path("server.key")).read().startswith("-----BEGIN PRIVATE KEY-----")
        and isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
        and key.public_key() == leaf.public_key(),
}

def holds(check):
    try:
        return bool(check())
    except Exception:  # a missing extension is a failed check, not a crashed script
        return False

structure = {name: holds(check) for name, check in checks.items()}

# cryptography's own RFC 5280 path validation (stricter than OpenSSL in places).
verifier = {}
try:
    from cryptography.x509.verification import PolicyBuilder, Store
    builder = PolicyBuilder().store(Store([ca])).time(datetime.datetime.now(datetime.timezone.utc))
    for name, run in [
        ("server_ip", lambda: builder.build_server_verifier(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
            .verify(leaf, [])),
        ("server_dns", lambda: builder.build_server_verifier(x509.DNSName("localhost")).verify(leaf, [])),
        ("client", lambda: builder.build_client_verifier().verify(client, [])),
        ("other_ca_client", lambda: builder.build_client_verifier().verify(other, [])),
    ]:
        try:
            run()
            verifier[name] = "ok"
        except Exception as error:
            verifier[name] = repr(error)
except ImportError as error:
    verifier["unavailable"] = repr(error)

print(json.dumps({"python": sys.version.split()[0], "openssl": ssl.OPENSSL_VERSION,
                  "client": client_side, "server": server_side,
                  "structure": structure, "verifier": verifier}))
"""#

private struct MutualTLSReport: Decodable {
    struct Attempt: Decodable {
        var ok: Bool
        var echo: String?
        var error: String?
    }

    struct ServerSide: Decodable {
        var ok: Bool
        var peer: String?
        var error: String?
    }

    var python: String
    var openssl: String
    var client: [String: Attempt]
    var server: [ServerSide]
    var structure: [String: Bool]
    var verifier: [String: String]
}

@Suite("X509: mutual TLS with Python's ssl module")
struct X509MutualTLSTests {
    @Test("strict mutual TLS: our leaves handshake and echo; another CA's leaf, no certificate, a wrong host fail")
    func pythonMutualTLS() throws {
        let ca = try CertificateAuthority.create(commonName: "cluster-ca", validFor: 3_600)
        let server = try ca.issue(commonName: "scheduler", dnsNames: ["localhost", "scheduler"],
                                  ipAddresses: ["127.0.0.1", "::1"], validFor: 600)
        let client = try ca.issue(commonName: "dask-client", dnsNames: ["client"], ipAddresses: [],
                                  validFor: 600)
        let otherCA = try CertificateAuthority.create(commonName: "cluster-ca", validFor: 3_600)
        let other = try otherCA.issue(commonName: "intruder", dnsNames: ["client"], ipAddresses: ["127.0.0.1"],
                                      validFor: 600)

        let directory = try ScratchDirectory()
        defer { directory.remove() }
        try directory.write("ca.pem", ca.certificatePEM)
        for (name, issued) in [("server", server), ("client", client), ("other", other)] {
            try directory.write(name + ".pem", issued.certificatePEM)
            let keyPath = try directory.write(name + ".key", issued.privateKeyPEM, permissions: 0o600)
            let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }

        let run = try PythonRun.run(script: mutualTLSScript, arguments: [directory.path], in: directory.path,
                                    deadline: 120)
        try #require(run.status == 0, "python3 failed: \(run.stderr)")
        let report = try JSONDecoder().decode(MutualTLSReport.self, from: Data(run.stdout.utf8))
        let context = "python \(report.python), \(report.openssl)"

        // Our client, our server: both sides verified strictly, and a byte went round.
        let good = try #require(report.client["good"])
        #expect(good.ok && good.echo == "x", "\(context): \(run.stdout)")
        try #require(report.server.count == 4, "\(context): server saw \(report.server)")
        #expect(report.server[0].ok && report.server[0].peer == "dask-client", "\(report.server[0])")

        // The server refuses a client certificate from another CA, and a client without one.
        for (index, name) in [(1, "other_ca"), (2, "no_cert")] {
            #expect(report.client[name]?.ok == false, "\(name): \(String(describing: report.client[name]))")
            #expect(report.client[name]?.echo != "x")
            #expect(report.server[index].ok == false)
        }
        #expect(report.server[1].error?.contains("certificate verify failed") == true, "\(report.server[1])")
        #expect(report.server[2].error?.contains("did not return a certificate") == true
                    || report.server[2].error?.contains("CERTIFICATE_REQUIRED") == true, "\(report.server[2])")
        // The client checks the server's IP subjectAltName: another address is refused.
        #expect(report.client["wrong_host"]?.ok == false)
        #expect(report.client["wrong_host"]?.error?.contains("mismatch") == true,
                "\(String(describing: report.client["wrong_host"]))")

        let checks = ["eku_server_auth", "eku_client_auth", "client_eku_both", "version_3", "ecdsa_sha256",
                      "p256_keys", "serials_positive_128_bit", "serials_distinct", "leaf_basic_constraints",
                      "leaf_key_usage", "leaf_san", "leaf_aki_is_ca_ski", "leaf_ski", "ca_basic_constraints",
                      "ca_key_usage", "ca_ski", "key_is_pkcs8_p256_of_leaf"]
        #expect(Set(report.structure.keys) == Set(checks))
        for check in checks {
            #expect(report.structure[check] == true, "cryptography: \(check)")
        }

        // cryptography's RFC 5280 verifier accepts our chain and refuses the other CA's leaf.
        #expect(report.verifier["unavailable"] == nil, "\(report.verifier)")
        #expect(report.verifier["server_ip"] == "ok", "\(String(describing: report.verifier["server_ip"]))")
        #expect(report.verifier["server_dns"] == "ok", "\(String(describing: report.verifier["server_dns"]))")
        #expect(report.verifier["client"] == "ok", "\(String(describing: report.verifier["client"]))")
        #expect(report.verifier["other_ca_client"] != nil && report.verifier["other_ca_client"] != "ok")
    }
}
