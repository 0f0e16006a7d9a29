"""Packaging: the in-tree build backend (bundled library, platform tag, RECORD, sdist, editable) and, end to end,
a wheel built with pip, installed with --no-index into a fresh venv, making a tool call from outside the repo
with no MCPCLIENT_LIB_PATH and no Swift runtime loaded."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from helpers import MODERN_FIXTURE, MODERN_PYTHON, REPO_ROOT, require_venv

import mcpclient
from mcpclient import _ffi

PACKAGE_ROOT = REPO_ROOT / "bindings" / "python"
SELF_CONTAINED = REPO_ROOT / ".build" / "self-contained" / "libmcpclient.so"


def _load_backend():
    spec = importlib.util.spec_from_file_location("mcpclient_build", PACKAGE_ROOT / "build_backend" / "mcpclient_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


backend = _load_backend()


@pytest.fixture
def loaded_library() -> Path:
    return _ffi.find_library()


@pytest.fixture
def small_library() -> Path:
    """A small real ELF shared object (CPython's _ctypes extension): archives of it build fast."""
    import _ctypes

    path = Path(_ctypes.__file__)
    if path.suffix != ".so":
        pytest.skip(f"_ctypes is not a shared object here: {path}")
    return path


def _verify_record(wheel: zipfile.ZipFile) -> dict:
    """Check every RECORD line's hash and size against the archive; return {name: bytes}."""
    names = wheel.namelist()
    record_name = next(name for name in names if name.endswith(".dist-info/RECORD"))
    contents = {name: wheel.read(name) for name in names}
    listed = set()
    for line in contents[record_name].decode().splitlines():
        name, digest, size = line.rsplit(",", 2)
        listed.add(name)
        if name == record_name:
            assert digest == "" and size == ""
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(contents[name]).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}" and int(size) == len(contents[name]), name
    assert listed == set(names)
    return contents


def test_elf_reader_agrees_with_readelf(loaded_library):
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf (binutils) is not installed")
    needed, soname = backend.elf_dynamic(loaded_library)
    dynamic = subprocess.run([readelf, "-d", str(loaded_library)], capture_output=True, text=True, check=True).stdout
    assert needed == [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    sonames = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(SONAME)" in line]
    assert soname == (sonames[0] if sonames else None)
    assert needed, "a shared library with no DT_NEEDED at all is unlikely: the reader found nothing"


def test_elf_reader_refuses_other_files(tmp_path):
    (tmp_path / "x.so").write_bytes(b"not an ELF file at all")
    with pytest.raises(backend.BuildError):
        backend.elf_dynamic(tmp_path / "x.so")


def test_metadata_is_pyprojects_and_the_packages_version():
    meta = backend.project_metadata()
    assert meta["name"] == "mcpclient" and meta["version"] == mcpclient.__version__
    assert meta["requires-python"] == ">=3.9" and "Typing :: Typed" in meta["classifiers"]
    try:
        import tomllib
    except ImportError:
        return
    project = tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())["project"]
    for key in ("name", "version", "description", "requires-python", "classifiers", "readme"):
        assert meta[key] == project[key], key
    assert tomllib.loads((PACKAGE_ROOT / "pyproject.toml").read_text())["build-system"]["requires"] == []


def test_a_library_needing_the_swift_runtime_is_refused_unless_allowed(tmp_path, monkeypatch, loaded_library):
    if not backend.swift_runtime_needs(loaded_library):
        pytest.skip(f"{loaded_library} is self-contained; this checks the refusal of a debug build")
    monkeypatch.setenv(backend.ENV_LIB, str(loaded_library))
    monkeypatch.delenv(backend.ENV_ALLOW_RUNTIME, raising=False)
    with pytest.raises(backend.BuildError, match="Swift runtime"):
        backend.build_wheel(str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(backend.ENV_ALLOW_RUNTIME, "1")
    assert backend.build_wheel(str(tmp_path)).endswith(".whl")


def test_a_wrong_library_path_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(backend.ENV_LIB, str(tmp_path / "missing.so"))
    with pytest.raises(backend.BuildError, match="does not exist"):
        backend.build_wheel(str(tmp_path))


def test_wheel_layout_tag_and_record(tmp_path, monkeypatch, small_library):
    monkeypatch.setenv(backend.ENV_LIB, str(small_library))
    name = backend.build_wheel(str(tmp_path))
    platform = backend.platform_tag()
    assert name == f"mcpclient-{mcpclient.__version__}-py3-none-{platform}.whl" and platform != "any"
    with zipfile.ZipFile(tmp_path / name) as wheel:
        contents = _verify_record(wheel)
    assert contents["mcpclient/lib/libmcpclient.so"] == small_library.read_bytes()
    for module in ("__init__.py", "_bindings.py", "aio.py", "manager.py", "server.py", "py.typed"):
        assert f"mcpclient/{module}" in contents
    wheel_file = contents[f"mcpclient-{mcpclient.__version__}.dist-info/WHEEL"].decode()
    assert "Root-Is-Purelib: false" in wheel_file and f"Tag: py3-none-{platform}" in wheel_file
    metadata = contents[f"mcpclient-{mcpclient.__version__}.dist-info/METADATA"].decode()
    assert "Name: mcpclient" in metadata and "Requires-Python: >=3.9" in metadata and "# mcpclient (Python)" in metadata
    # The same inputs give the same wheel (fixed timestamps, sorted files).
    again = tmp_path / "again"
    again.mkdir()
    backend.build_wheel(str(again))
    assert (again / name).read_bytes() == (tmp_path / name).read_bytes()
    assert backend.build_wheel(str(again), {"plat-name": "manylinux_2_35_x86_64"}).endswith("-py3-none-manylinux_2_35_x86_64.whl")


def test_sdist_carries_the_library_and_builds_a_wheel_without_the_checkout(tmp_path, monkeypatch, small_library):
    monkeypatch.setenv(backend.ENV_LIB, str(small_library))
    sdist = backend.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / sdist) as archive:
        archive.extractall(tmp_path / "unpacked")
    unpacked = tmp_path / "unpacked" / f"mcpclient-{mcpclient.__version__}"
    assert (unpacked / "mcpclient" / "lib" / "libmcpclient.so").read_bytes() == small_library.read_bytes()
    assert (unpacked / "build_backend" / "mcpclient_build.py").is_file() and (unpacked / "PKG-INFO").is_file()
    assert backend.repo_root(unpacked) is None
    monkeypatch.delenv(backend.ENV_LIB)
    assert backend.find_library(unpacked) == unpacked / "mcpclient" / "lib" / "libmcpclient.so"
    out = tmp_path / "wheels"
    out.mkdir()
    name = backend.build_wheel(str(out), source=unpacked)
    with zipfile.ZipFile(out / name) as wheel:
        assert _verify_record(wheel)["mcpclient/lib/libmcpclient.so"] == small_library.read_bytes()


def test_editable_wheel_points_at_the_source(tmp_path):
    name = backend.build_editable(str(tmp_path))
    assert name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(tmp_path / name) as wheel:
        contents = _verify_record(wheel)
    assert contents["__editable__.mcpclient.pth"].decode().strip() == str(PACKAGE_ROOT)
    assert not any(name.endswith(".so") for name in contents)


@pytest.mark.skipif(not SELF_CONTAINED.is_file(),
                    reason=f"no self-contained library at {SELF_CONTAINED}: run scripts/build-release first")
def test_installed_wheel_calls_a_tool_outside_the_repo_without_the_toolchain(tmp_path):
    require_venv(MODERN_PYTHON.parent.parent)
    assert backend.swift_runtime_needs(SELF_CONTAINED) == []
    env = {key: value for key, value in os.environ.items()
           if key not in (backend.ENV_LIB, backend.ENV_ALLOW_RUNTIME, "LD_LIBRARY_PATH", "PYTHONPATH")}
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "-q", "-w", str(wheels),
         str(PACKAGE_ROOT)], env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = list(wheels.iterdir())
    assert wheel.name == f"mcpclient-{mcpclient.__version__}-py3-none-{backend.platform_tag()}.whl"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "-q", str(wheel)], env=env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    script = f"""
import json, mcpclient, mcpclient._ffi as ffi
with mcpclient.Manager() as mgr:
    mgr.add_server("e", {{"command": {str(MODERN_PYTHON)!r}, "args": [{str(MODERN_FIXTURE)!r}]}})
    result = mgr.call_tool("e", "echo", {{"text": "from the wheel"}})
swift = sorted({{line.split()[-1] for line in open("/proc/self/maps") if "libswift" in line}})
print(json.dumps({{"text": result["content"][0]["text"], "package": mcpclient.__file__,
                  "library": str(ffi.library_path()), "swift": swift}}))
"""
    ran = subprocess.run([str(python), "-c", script], cwd=outside, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    assert report["text"] == "from the wheel"
    site = str(venv / "lib")
    assert report["package"].startswith(site) and report["library"].startswith(site), report
    assert report["library"].endswith("mcpclient/lib/libmcpclient.so")
    assert report["swift"] == [], f"the installed package loaded the Swift runtime: {report['swift']}"
