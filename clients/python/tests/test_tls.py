"""``https://`` targets: the client speaks TLS and checks the server's certificate against the trusted roots, against
an in-process gRPC server with a certificate made for the test (openssl). gRPC reads its default roots from
GRPC_DEFAULT_SSL_ROOTS_FILE_PATH once per process, so each client runs in a child process with its own setting."""

import os
import shutil
import subprocess
import sys
from concurrent import futures

import grpc
import pytest

from tokensim_client import TokenSimClient, TokenSimError
from tokensim_client.v1 import deployments_pb2, deployments_pb2_grpc

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

CLIENT = """
import sys
from tokensim_client import TokenSimClient, TokenSimError
try:
    with TokenSimClient(sys.argv[1], retries=0, timeout_s=10) as c:
        print("applied", c.get_deployment("tls").events_applied)
except TokenSimError as e:
    print("error", e.code.name)
"""


class OneDeployment(deployments_pb2_grpc.DeploymentsServicer):
    def GetDeployment(self, request, context):
        return deployments_pb2.DeploymentInfo(spec=deployments_pb2.DeploymentSpec(name=request.name), events_applied=42)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not on PATH (Debian: apt-get install openssl): no certificate to serve TLS with")
    d = tmp_path_factory.mktemp("tls")
    key, cert = d / "key.pem", d / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    deployments_pb2_grpc.add_DeploymentsServicer_to_server(OneDeployment(), server)
    port = server.add_secure_port("localhost:0", grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())]))
    server.start()
    yield port, cert
    server.stop(None)


def run_client(target, roots=None):
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", None)
    if roots is not None:
        env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(roots)
    done = subprocess.run([sys.executable, "-c", CLIENT, target], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_https_target_speaks_tls_to_a_server_whose_certificate_is_trusted(tls_server):
    port, cert = tls_server
    assert run_client(f"https://localhost:{port}", roots=cert) == "applied 42"


def test_https_target_refuses_a_certificate_no_trusted_root_signed(tls_server):
    port, _ = tls_server
    # The system's roots do not include the test's self-signed certificate: the handshake fails, nothing is sent.
    assert run_client(f"https://localhost:{port}") == "error UNAVAILABLE"


def test_plain_target_does_not_speak_tls(tls_server):
    port, _ = tls_server
    with TokenSimClient(f"localhost:{port}", retries=0, timeout_s=10) as client:
        with pytest.raises(TokenSimError) as e:
            client.get_deployment("tls")
    assert e.value.code == grpc.StatusCode.UNAVAILABLE
