"""The tests import the package from this source tree (src/), installed or not, so CI needs no install step.

TOKENSIM_SERVER names a running twin server (host:port); the xUnit test PythonClientTests starts one and sets it.
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
