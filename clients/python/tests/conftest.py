"""The tests import the package from this source tree (src/), installed or not, so CI needs no install step.

TOKENSIM_SERVER names a running twin server (host:port); TOKENSIM_KEYED_SERVER one run with --api-key, whose key is
TOKENSIM_KEYED_SERVER_KEY. The xUnit test PythonClientTests starts both and sets them.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))


@pytest.fixture(scope="session")
def server() -> str:
    target = os.environ.get("TOKENSIM_SERVER")
    if not target:
        pytest.skip("TOKENSIM_SERVER is not set: start TokenSim.Server and set it to its gRPC address (host:port)")
    return target


@pytest.fixture(scope="session")
def keyed_server() -> tuple:
    target, key = os.environ.get("TOKENSIM_KEYED_SERVER"), os.environ.get("TOKENSIM_KEYED_SERVER_KEY")
    if not target or not key:
        pytest.skip("TOKENSIM_KEYED_SERVER and TOKENSIM_KEYED_SERVER_KEY are not set: start TokenSim.Server with "
                    "--api-key KEY and set them to its gRPC address and KEY")
    return target, key
