import Foundation
import Testing

/// An ssh cluster on the loopback sshd hosts with the default `security.tls: auto`: mutual TLS
/// between every Dask party, proved from outside by real Dask clients and workers with the
/// right certificates, with none, and with certificates of another authority.
@Suite(.serialized)
struct TLSClusterTests {
    @Test func defaultSSHClusterSpeaksOnlyMutualTLS() throws {
        let pool = try SSHHostPool(addresses: ["127.0.0.2", "127.0.0.3"])
        defer { pool.stop() }
        let cluster = try LocalClusterHarness(prefix: "tls")
        defer { cluster.tearDown() }
        let file = try pool.clusterFile(name: cluster.name, scheduler: "127.0.0.2", workers: ["127.0.0.3"], count: 1)

        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let (address, python) = try cluster.connection()
        #expect(address.hasPrefix("tls://127.0.0.2:"))
        let port = address.split(separator: ":").last.map(String.init) ?? ""

        // The snippet `up` printed, pasted as is, computes the example.
        let snippet = Self.pythonSnippet(in: up.stdout)
        #expect(snippet.contains("Security(") && !snippet.contains("BEGIN"), "snippet:\n\(snippet)")
        let pasted = try CapturedRun.of(python, ["-c", snippet + "\n" + Self.example], timeout: 120)
        #expect(pasted.stdout.contains("RESULT -285"), "pasted snippet:\n\(pasted.all)")

        // A plain Client() after eval "$(clusterctl env NAME)".
        let env = try cluster.clusterctl(["env", cluster.name])
        #expect(env.status == 0 && env.stdout.contains("export DASK_SCHEDULER_ADDRESS="), "env:\n\(env.all)")
        #expect(!env.stdout.contains("BEGIN"), "env prints paths, never key material")
        let plain = try CapturedRun.of("bash", ["-c", "eval \"$(\"$CLUSTERCTL\" env \(cluster.name))\" && exec \"$PYTHON\" -c \"$SCRIPT\""],
                                       environment: ["CLUSTERCTL": LocalClusterHarness.binary, "CLUSTERCTL_HOME": cluster.home.path,
                                                     "CLUSTERCTL_TEMPLATES": LocalClusterHarness.templates, "PYTHON": python,
                                                     "SCRIPT": "from distributed import Client\nclient = Client(timeout=30)\n" + Self.example],
                                       timeout: 120)
        #expect(plain.stdout.contains("RESULT -285"), "Client() after env:\n\(plain.all)")

        // clusterctl ssh: the cluster's key and known_hosts, the scheduler's node by default.
        let onWorker = try cluster.clusterctl(["ssh", cluster.name, "127.0.0.3", "--", "echo", "hello-from-worker"])
        #expect(onWorker.status == 0 && onWorker.stdout.contains("hello-from-worker"), "ssh to the worker:\n\(onWorker.all)")
        let onScheduler = try cluster.clusterctl(["ssh", cluster.name, "--", "test", "-d", pool.directory.path + "/nodes/127.0.0.2"])
        #expect(onScheduler.status == 0, "ssh to the scheduler's node:\n\(onScheduler.all)")
        let stranger = try cluster.clusterctl(["ssh", cluster.name, "127.0.0.9", "--", "true"])
        #expect(stranger.status == 2 && stranger.stderr.contains("not a node of"), "ssh to another host:\n\(stranger.all)")

        // Refused: plain TCP, TLS without a certificate, and a certificate of another authority.
        // (Their environment has none of Dask's TLS settings, so each uses only what it names.)
        let authority = try cluster.clientEnvironment()["DASK_DISTRIBUTED__COMM__TLS__CA_FILE"] ?? ""
        // One process per attempt: a failed Dask client can leave its process hanging.
        for label in ["tcp", "no-certificate", "other-authority"] {
            let stranger = try CapturedRun.of("python3", ["-c", Self.strangers],
                                              environment: ["PORT": port, "CA": authority, "ATTEMPT": label], timeout: 90)
            #expect(stranger.stdout.contains("\(label) REFUSED"), "\(label):\n\(stranger.all)")
        }

        // A worker started by hand without a certificate, or with another authority's, cannot join.
        let handWorkers = try CapturedRun.of("python3", ["-c", Self.handStartedWorkers],
                                             environment: ["PORT": port, "CA": authority], timeout: 180)
        for line in ["tcp-worker NOT JOINED", "other-authority-worker NOT JOINED"] {
            #expect(handWorkers.stdout.contains(line), "\(line):\n\(handWorkers.all)")
        }
        #expect(try cluster.registeredWorkers() == 1)

        // rotate-certs with a new authority while a persisted collection lives on the workers:
        // the collection stays computable, and the old client certificate is refused.
        let persisted = try cluster.python(Self.persist)
        try #require(persisted.stdout.contains("PUBLISHED"), "persist:\n\(persisted.all)")
        let tls = try #require((try cluster.status()["scheduler"] as? [String: Any])?["tls"] as? [String: String])
        let saved = cluster.directory.appendingPathComponent("old-client")
        try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
        for (key, name) in [("authority", "ca.pem"), ("certificate", "client.pem"), ("key", "client-key.pem")] {
            try FileManager.default.copyItem(atPath: tls[key] ?? "", toPath: saved.appendingPathComponent(name).path)
        }
        let rotate = try cluster.clusterctl(["rotate-certs", cluster.name, "--new-authority"], timeout: 300)
        try #require(rotate.status == 0, "rotate-certs:\n\(rotate.all)")
        let after = try cluster.python(Self.readPublished)
        #expect(after.stdout.contains("SUM 4950"), "after rotation:\n\(after.all)")
        let oldClient = try CapturedRun.of(python, ["-c", Self.readPublished],
                                           environment: try cluster.clientEnvironment().merging([
                                               "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": saved.appendingPathComponent("ca.pem").path,
                                               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": saved.appendingPathComponent("client.pem").path,
                                               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": saved.appendingPathComponent("client-key.pem").path,
                                           ]) { $1 }, timeout: 120)
        #expect(!oldClient.stdout.contains("SUM 4950"), "the old authority's client still connects:\n\(oldClient.all)")
        #expect(try cluster.registeredWorkers() == 1)

        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
        #expect(cluster.markedProcesses().isEmpty, "left running: \(cluster.markedProcesses())")
    }

    /// `tls: on` for the local provider: the same certificates and Dask options on this machine,
    /// and a plain client is refused there too.
    @Test func localClusterWithTLSOn() throws {
        let cluster = try LocalClusterHarness(prefix: "ltls")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1, extra: "security:\n  tls: on")
        let up = try cluster.clusterctl(["up", file], timeout: 600)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let (address, python) = try cluster.connection()
        #expect(address.hasPrefix("tls://127.0.0.1:"))
        let pasted = try CapturedRun.of(python, ["-c", Self.pythonSnippet(in: up.stdout) + "\n" + Self.example], timeout: 120)
        #expect(pasted.stdout.contains("RESULT -285"), "pasted snippet:\n\(pasted.all)")
        let port = address.split(separator: ":").last.map(String.init) ?? ""
        let plain = try CapturedRun.of(python, ["-c", """
            from distributed import Client
            try:
                Client("tcp://127.0.0.1:\(port)", timeout=8).close()
                print("CONNECTED")
            except Exception as error:
                print("REFUSED", type(error).__name__)
            import os; os._exit(0)
            """], timeout: 90)
        #expect(plain.stdout.contains("REFUSED"), "plain client:\n\(plain.all)")
        let down = try cluster.clusterctl(["down", cluster.name, "--yes"], timeout: 300)
        #expect(down.status == 0, "down:\n\(down.all)")
    }

    /// The indented Python lines under "Connect from Python" in `up`'s output.
    static func pythonSnippet(in output: String) -> String {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Connect from Python") }) else { return "" }
        return lines[(start + 1)...].prefix { $0.hasPrefix("    ") }.map { String($0.dropFirst(4)) }.joined(separator: "\n")
    }

    /// The -285 example on an existing `client`.
    static let example = """
    A = client.map(lambda x: x**2, range(10))
    B = client.map(lambda x: -x, A)
    print("RESULT", client.submit(sum, B).result())
    """

    /// Makes a certificate authority unrelated to the cluster's, and a client/worker
    /// certificate from it, in the current directory (Python's cryptography package).
    static let otherAuthority = """
    import datetime, os, tempfile
    from cryptography import x509
    from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    def other_authority_files():
        now = datetime.datetime.now(datetime.timezone.utc)
        def name(text): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])
        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        def build(subject, public, ca):
            b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name("stranger CA"))
                 .public_key(public).serial_number(x509.random_serial_number())
                 .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                 .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
            if not ca:
                b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            return b.sign(ca_key, hashes.SHA256())
        cert = build("stranger", key.public_key(), False)
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "stranger.pem")
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return path
    """

    /// A client that must be refused (`ATTEMPT`: tcp, no-certificate, other-authority); prints
    /// `NAME REFUSED` or `NAME CONNECTED`.
    static let strangers = otherAuthority + "\n" + """
    from distributed import Client, Security
    host = "127.0.0.2:" + os.environ["PORT"]
    ca = os.environ["CA"]
    stranger = other_authority_files()
    attempts = {
        "tcp": ("tcp://" + host, Security()),
        "other-authority": ("tls://" + host, Security(tls_ca_file=ca, tls_client_cert=stranger, require_encryption=True)),
    }
    label = os.environ["ATTEMPT"]
    if label == "no-certificate":
        # Dask's own client will not even try TLS without a certificate: speak TLS by hand,
        # trusting the cluster's CA but presenting nothing. An accepting server would wait
        # for more bytes; a refusing one ends the connection with an alert.
        import socket, ssl
        context = ssl.create_default_context(cafile=ca)
        context.check_hostname = False
        try:
            with socket.create_connection(("127.0.0.2", int(os.environ["PORT"])), timeout=8) as raw:
                with context.wrap_socket(raw) as channel:
                    channel.sendall(bytes(8))
                    print(label, "REFUSED closed" if not channel.recv(1) else "CONNECTED", flush=True)
        except TimeoutError:
            print(label, "CONNECTED (held open)", flush=True)
        except (ssl.SSLError, OSError) as error:
            print(label, "REFUSED", type(error).__name__, str(error)[:200], flush=True)
        os._exit(0)
    address, security = attempts[label]
    try:
        with Client(address, security=security, timeout=8) as client:
            client.submit(sum, [1, 2]).result(timeout=8)
        print(label, "CONNECTED", flush=True)
    except Exception as error:
        print(label, "REFUSED", type(error).__name__, str(error)[:200], flush=True)
    os._exit(0)
    """

    /// Dask workers started by hand, one over plain TCP and one with another authority's
    /// certificate; each prints `NAME JOINED` or `NAME NOT JOINED`.
    static let handStartedWorkers = otherAuthority + "\n" + """
    import asyncio
    from distributed import Worker, Security
    host = "127.0.0.2:" + os.environ["PORT"]
    ca = os.environ["CA"]
    stranger = other_authority_files()
    async def attempt(label, address, security):
        try:
            worker = Worker(address, security=security, name=label, nthreads=1, death_timeout=8)
            await asyncio.wait_for(worker, 20)
            print(label, "JOINED", flush=True)
            await worker.close()
        except Exception as error:
            print(label, "NOT JOINED", type(error).__name__, str(error)[:200], flush=True)
    async def main():
        await attempt("tcp-worker", "tcp://" + host, Security())
        await attempt("other-authority-worker", "tls://" + host,
                      Security(tls_ca_file=ca, tls_worker_cert=stranger, require_encryption=True))
    asyncio.run(main())
    """

    /// Persists a collection on the workers and publishes it under the name `x`.
    static let persist = """
    import os
    import dask.array as da
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=30) as client:
        x = client.persist(da.arange(100, chunks=10))
        client.publish_dataset(x=x)
        print("PUBLISHED", x.sum().compute())
    """

    /// Reads the published collection back with a new client.
    static let readPublished = """
    import os
    from distributed import Client
    with Client(os.environ["ADDRESS"], timeout=15) as client:
        print("SUM", client.get_dataset("x").sum().compute())
    """
}
