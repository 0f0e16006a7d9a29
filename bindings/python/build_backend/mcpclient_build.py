"""PEP 517 / PEP 660 build backend of the mcpclient Python package (standard library only).

Why its own backend: the wheel must carry the self-contained ``libmcpclient.so`` and be tagged for the platform
(``py3-none-<platform>``: ctypes never links libpython), and building must work offline with nothing but the
Python that runs pip (setuptools before 70.1 cannot build a wheel without the separate ``wheel`` package).

The library bundled as ``mcpclient/lib/libmcpclient.so`` is the first of:

1. ``$MCPCLIENT_LIB_PATH`` (a file, or a folder holding ``libmcpclient.so``);
2. ``<repo>/.build/self-contained/libmcpclient.so`` when building from a source checkout;
3. ``mcpclient/lib/libmcpclient.so`` already in the source tree (an sdist carries it there);
4. in a source checkout, the output of ``scripts/build-release`` (run now; needs the Swift toolchain).

A library that needs the Swift runtime (``libswift*.so``, a debug build) is refused, since the installed package
would then fail on a machine without the toolchain; ``MCPCLIENT_ALLOW_SWIFT_RUNTIME=1`` bundles it anyway.

    python -m pip wheel ./bindings/python --no-deps -w dist      # dist/mcpclient-0.1.0-py3-none-linux_x86_64.whl
    python -m pip install ./bindings/python
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import stat
import struct
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

SOURCE_DIR = Path(__file__).resolve().parent.parent  # bindings/python
PACKAGE = "mcpclient"
LIB_NAME = "libmcpclient.so"
ENV_LIB = "MCPCLIENT_LIB_PATH"
ENV_ALLOW_RUNTIME = "MCPCLIENT_ALLOW_SWIFT_RUNTIME"
SWIFT_RUNTIME = re.compile(r"^(libswift|libFoundation|libdispatch|libBlocksRuntime)")
# Files of the source tree that go into the wheel: the package's code and its typing marker.
PACKAGE_FILES = ("*.py", "py.typed")
# Zip entries get this fixed time so the same inputs give the same wheel.
EPOCH = (2020, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    """A wheel cannot be built as asked; the message says what to do."""


# --------------------------------------------------------------------------------------------------------------
# Metadata (read from pyproject.toml's [project] table, which stays the one place it is written)
# --------------------------------------------------------------------------------------------------------------


def project_metadata(source: Path = SOURCE_DIR) -> Dict[str, object]:
    """``name``, ``version``, ``description``, ``requires-python``, ``classifiers`` and ``readme`` of [project].

    A small reader of the simple TOML this pyproject uses (tomllib is 3.11+): ``key = "string"`` and
    ``key = ["a", "b"]`` lines, arrays possibly over several lines.
    """
    text = (source / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if section is None:
        raise BuildError("pyproject.toml has no [project] table")
    body = section.group(1)
    values: Dict[str, object] = {}
    for key, raw in re.findall(r'^([\w-]+)\s*=\s*("[^"\n]*"|\[.*?\])', body, re.M | re.S):
        if raw.startswith('"'):
            values[key] = raw[1:-1]
        else:
            values[key] = re.findall(r'"([^"\n]*)"', raw)
    for key in ("name", "version"):
        if not isinstance(values.get(key), str):
            raise BuildError(f"pyproject.toml [project] needs a string {key!r}")
    return values


def _dist_name(meta: Dict[str, object]) -> str:
    return re.sub(r"[-_.]+", "_", str(meta["name"])).lower()


def metadata_text(meta: Dict[str, object], source: Path = SOURCE_DIR) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {meta['name']}", f"Version: {meta['version']}"]
    if meta.get("description"):
        lines.append(f"Summary: {meta['description']}")
    if meta.get("requires-python"):
        lines.append(f"Requires-Python: {meta['requires-python']}")
    for classifier in meta.get("classifiers") or []:  # type: ignore[union-attr]
        lines.append(f"Classifier: {classifier}")
    readme = meta.get("readme")
    body = ""
    if isinstance(readme, str) and (source / readme).is_file():
        lines.append("Description-Content-Type: text/markdown")
        body = (source / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + body


def platform_tag(config_settings: Optional[Dict[str, object]] = None) -> str:
    """``linux_x86_64`` and the like (``--config-settings plat-name=...`` overrides it, e.g. a manylinux tag)."""
    chosen = (config_settings or {}).get("plat-name")
    if isinstance(chosen, str) and chosen:
        return chosen
    return re.sub(r"[^\w]", "_", sysconfig.get_platform())


# --------------------------------------------------------------------------------------------------------------
# The library to bundle
# --------------------------------------------------------------------------------------------------------------


def repo_root(start: Path = SOURCE_DIR) -> Optional[Path]:
    """The source checkout (the nearest folder up with a Package.swift), or None for an unpacked sdist."""
    for folder in (start, *start.parents):
        if (folder / "Package.swift").is_file():
            return folder
    return None


def elf_dynamic(path: Path) -> Tuple[List[str], Optional[str]]:
    """(DT_NEEDED names, DT_SONAME) of an ELF shared library, read from its dynamic section."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF":
        raise BuildError(f"{path} is not an ELF shared library")
    is64, endian = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(endian + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
        phdr, dyn = endian + "IIQQQQQQ", endian + "qQ"
    else:
        phoff, = struct.unpack_from(endian + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x2A)
        phdr, dyn = endian + "IIIIIIII", endian + "iI"
    loads, dynamic = [], None
    for index in range(phnum):
        fields = struct.unpack_from(phdr, data, phoff + index * phentsize)
        if is64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = fields[:5]
        if p_type == 1:  # PT_LOAD
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == 2:  # PT_DYNAMIC
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        raise BuildError(f"{path} has no dynamic section (not a shared library?)")
    entries, size = [], struct.calcsize(dyn)
    for offset in range(dynamic[0], dynamic[0] + dynamic[1] - size + 1, size):
        tag, value = struct.unpack_from(dyn, data, offset)
        if tag == 0:  # DT_NULL
            break
        entries.append((tag, value))
    strtab = next((value for tag, value in entries if tag == 5), None)  # DT_STRTAB (an address)
    base = next((offset + strtab - vaddr for vaddr, offset, size in loads
                 if strtab is not None and vaddr <= strtab < vaddr + size), None)
    if base is None:
        raise BuildError(f"{path}: cannot locate the dynamic string table")

    def string(at: int) -> str:
        end = data.index(b"\0", base + at)
        return data[base + at:end].decode("utf-8", "replace")

    needed = [string(value) for tag, value in entries if tag == 1]  # DT_NEEDED
    soname = next((string(value) for tag, value in entries if tag == 14), None)  # DT_SONAME
    return needed, soname


def swift_runtime_needs(path: Path) -> List[str]:
    """The Swift runtime libraries ``path`` needs at run time (empty for a self-contained build)."""
    return [name for name in elf_dynamic(path)[0] if SWIFT_RUNTIME.match(name)]


def find_library(source: Path = SOURCE_DIR, build: bool = True) -> Path:
    """The library to bundle (the order is in this module's docstring)."""
    override = os.environ.get(ENV_LIB)
    if override:
        path = Path(override).expanduser()
        if path.is_dir():
            path = path / LIB_NAME
        if not path.is_file():
            raise BuildError(f"{ENV_LIB} is {override!r}, but {path} does not exist")
        return path
    root = repo_root(source)
    if root is not None and (root / ".build" / "self-contained" / LIB_NAME).is_file():
        return root / ".build" / "self-contained" / LIB_NAME
    shipped = source / PACKAGE / "lib" / LIB_NAME
    if shipped.is_file():
        return shipped
    if root is not None and build and (root / "scripts" / "build-release").is_file():
        print(f"mcpclient: no self-contained {LIB_NAME} yet; running scripts/build-release (several minutes)",
              file=sys.stderr, flush=True)
        done = subprocess.run([str(root / "scripts" / "build-release")], cwd=root, stdout=sys.stderr)
        built = root / ".build" / "self-contained" / LIB_NAME
        if done.returncode != 0 or not built.is_file():
            raise BuildError(f"scripts/build-release failed (exit {done.returncode}); build it, or set {ENV_LIB}")
        return built
    raise BuildError(f"no {LIB_NAME} to bundle: set {ENV_LIB} to a self-contained build (scripts/build-release "
                     f"in the source checkout makes one at .build/self-contained/{LIB_NAME})")


def checked_library(source: Path = SOURCE_DIR, build: bool = True) -> Path:
    path = find_library(source, build)
    runtime = swift_runtime_needs(path)
    if runtime:
        message = (f"{path} needs the Swift runtime ({', '.join(runtime)}): the installed package would not load "
                   f"without the Swift toolchain. Bundle the self-contained build (scripts/build-release), or set "
                   f"{ENV_ALLOW_RUNTIME}=1 to bundle this one anyway.")
        if os.environ.get(ENV_ALLOW_RUNTIME) != "1":
            raise BuildError(message)
        print(f"mcpclient: warning: {message}", file=sys.stderr, flush=True)
    return path


# --------------------------------------------------------------------------------------------------------------
# Archives
# --------------------------------------------------------------------------------------------------------------


def package_files(source: Path = SOURCE_DIR) -> List[Tuple[str, Path]]:
    """(archive name, file) of the package's own files, in a stable order."""
    folder = source / PACKAGE
    found = {path for pattern in PACKAGE_FILES for path in folder.glob(pattern) if path.is_file()}
    return [(f"{PACKAGE}/{path.name}", path) for path in sorted(found)]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"sha256={digest}"


class _Wheel:
    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.records: List[str] = []

    def add(self, name: str, data: bytes, executable: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=EPOCH)
        info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.records.append(f"{name},{_record_hash(data)},{len(data)}")

    def close(self, record_name: str) -> None:
        self.records.append(f"{record_name},,")
        info = zipfile.ZipInfo(record_name, date_time=EPOCH)
        info.external_attr = (0o644 | stat.S_IFREG) << 16
        self.zip.writestr(info, "\n".join(self.records) + "\n")
        self.zip.close()


def _dist_info(wheel: _Wheel, meta: Dict[str, object], tag: str, pure: bool, source: Path) -> str:
    dist_info = f"{_dist_name(meta)}-{meta['version']}.dist-info"
    wheel.add(f"{dist_info}/METADATA", metadata_text(meta, source).encode("utf-8"))
    wheel.add(f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\nGenerator: mcpclient_build\n"
        f"Root-Is-Purelib: {'true' if pure else 'false'}\nTag: {tag}\n").encode("utf-8"))
    wheel.add(f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8"))
    return f"{dist_info}/RECORD"


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[Dict[str, object]] = None,
                                     source: Path = SOURCE_DIR) -> str:
    """PEP 517: the .dist-info folder alone, so pip learns the metadata without copying the library twice."""
    meta = project_metadata(source)
    tag = f"py3-none-{platform_tag(config_settings)}"
    dist_info = Path(metadata_directory) / f"{_dist_name(meta)}-{meta['version']}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(metadata_text(meta, source), encoding="utf-8")
    (dist_info / "WHEEL").write_text(
        f"Wheel-Version: 1.0\nGenerator: mcpclient_build\nRoot-Is-Purelib: false\nTag: {tag}\n", encoding="utf-8")
    (dist_info / "top_level.txt").write_text(f"{PACKAGE}\n", encoding="utf-8")
    return dist_info.name


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, object]] = None,
                metadata_directory: Optional[str] = None, source: Path = SOURCE_DIR) -> str:
    """PEP 517: the platform wheel with the library inside; returns its file name."""
    meta = project_metadata(source)
    library = checked_library(source)
    tag = f"py3-none-{platform_tag(config_settings)}"
    name = f"{_dist_name(meta)}-{meta['version']}-{tag}.whl"
    target = Path(wheel_directory) / name
    wheel = _Wheel(target)
    try:
        for archive_name, path in package_files(source):
            wheel.add(archive_name, path.read_bytes())
        wheel.add(f"{PACKAGE}/lib/{LIB_NAME}", library.read_bytes(), executable=True)
        wheel.close(_dist_info(wheel, meta, tag, False, source))
    except BaseException:
        wheel.zip.close()
        target.unlink()
        raise
    return name


def build_editable(wheel_directory: str, config_settings: Optional[Dict[str, object]] = None,
                   metadata_directory: Optional[str] = None, source: Path = SOURCE_DIR) -> str:
    """PEP 660: a wheel holding a .pth that puts this source folder on sys.path. Nothing is bundled: the
    package finds the checkout's own build (``.build/...``) as it does when run from the source tree."""
    meta = project_metadata(source)
    tag = "py3-none-any"
    name = f"{_dist_name(meta)}-{meta['version']}-{tag}.whl"
    wheel = _Wheel(Path(wheel_directory) / name)
    wheel.add(f"__editable__.{_dist_name(meta)}.pth", (str(source) + "\n").encode("utf-8"))
    wheel.close(_dist_info(wheel, meta, tag, True, source))
    return name


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, object]] = None,
                source: Path = SOURCE_DIR) -> str:
    """PEP 517: the source tree plus the library to bundle (at mcpclient/lib/), so a wheel built from the
    sdist needs neither the checkout nor the Swift toolchain."""
    meta = project_metadata(source)
    library = checked_library(source)
    base = f"{_dist_name(meta)}-{meta['version']}"
    name = f"{base}.tar.gz"
    files: List[Tuple[str, Path]] = [("pyproject.toml", source / "pyproject.toml")]
    if (source / "README.md").is_file():
        files.append(("README.md", source / "README.md"))
    files += [(f"build_backend/{path.name}", path) for path in sorted((source / "build_backend").glob("*.py"))]
    files += package_files(source)
    files.append((f"{PACKAGE}/lib/{LIB_NAME}", library))
    with tarfile.open(Path(sdist_directory) / name, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        def add(archive_name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(f"{base}/{archive_name}")
            info.size, info.mode, info.mtime = len(data), mode, int(time.mktime(EPOCH + (0, 0, -1)))
            archive.addfile(info, io.BytesIO(data))

        for archive_name, path in files:
            add(archive_name, path.read_bytes(), 0o755 if archive_name.endswith(".so") else 0o644)
        add("PKG-INFO", metadata_text(meta, source).encode("utf-8"))
    return name


def _no_requirements(config_settings: Optional[Dict[str, object]] = None) -> Sequence[str]:
    return []


get_requires_for_build_wheel = _no_requirements
get_requires_for_build_sdist = _no_requirements
get_requires_for_build_editable = _no_requirements
