"""The committed stubs match the protos, and the package builds offline with the system's setuptools."""

import filecmp
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUBS = os.path.join(HERE, "src", "tokensim_client", "v1")


def test_committed_stubs_are_up_to_date_with_the_protos(tmp_path):
    for tool, package in (("protoc", "protobuf-compiler"), ("grpc_python_plugin", "protobuf-compiler-grpc")):
        assert shutil.which(tool), f"{tool} is not on PATH (Debian's {package}): generate.sh needs it"
    subprocess.run(["bash", os.path.join(HERE, "generate.sh"), str(tmp_path)], check=True)
    generated = sorted(f for f in os.listdir(tmp_path) if f.endswith(".py"))
    committed = sorted(f for f in os.listdir(STUBS) if f.endswith(".py") and f != "__init__.py")
    assert generated == committed, "a proto was added or removed: run clients/python/generate.sh"
    assert "plan_pb2_grpc.py" in generated and "ingest_pb2.py" in generated
    stale = [f for f in generated if not filecmp.cmp(tmp_path / f, os.path.join(STUBS, f), shallow=False)]
    assert not stale, f"stale stubs {stale}: run clients/python/generate.sh and commit them"


def test_the_package_builds_a_wheel_offline(tmp_path):
    # What `pip install --no-build-isolation --no-deps ./clients/python` builds, without installing it anywhere.
    src = tmp_path / "src"
    shutil.copytree(HERE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    out = tmp_path / "wheel"
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
                          "-w", str(out), str(src)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    (wheel,) = [f for f in os.listdir(out) if f.endswith(".whl")]
    assert wheel.startswith("tokensim_client-0.1.0-")
    names = zipfile.ZipFile(out / wheel).namelist()
    for module in ("client", "events", "types", "v1/plan_pb2", "v1/plan_pb2_grpc", "v1/ingest_pb2", "v1/forecast_pb2_grpc"):
        assert f"tokensim_client/{module}.py" in names, names
    meta = zipfile.ZipFile(out / wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: grpcio" in meta and "Requires-Dist: protobuf" in meta


def test_the_stubs_load_and_name_the_servers_services():
    from tokensim_client.v1 import deployments_pb2, forecast_pb2, ingest_pb2, plan_pb2
    services = {s.full_name for m in (deployments_pb2, forecast_pb2, ingest_pb2, plan_pb2)
                for s in m.DESCRIPTOR.services_by_name.values()}
    assert services == {"tokensim.v1.Deployments", "tokensim.v1.Forecasting", "tokensim.v1.Ingest", "tokensim.v1.Planning"}
    assert [m.name for m in plan_pb2.DESCRIPTOR.services_by_name["Planning"].methods] == ["Plan", "Simulate"]
