"""`python -m registry_local.package [function|jwt-layer]`: what Terraform deploys.

`function` (the default) builds `dist/registry-lambda.zip`, the function's
package (`var.lambda_package_path`):

- `app.py` (from `lambda/app.py`) at the root, beside the `handlers/` and
  `services/` packages (their `.py` files, as `pip install .` ships them);
- the runtime dependencies of pyproject's `[project] dependencies`, installed
  by pip for the Lambda platform (`PLATFORM`, `PYTHON_VERSION`: Terraform's
  default architecture and runtime), at the versions in `LOCK` (`--resolve`
  prints a fresh one);
- boto3 and botocore bundled on purpose: the runtime's own copy may predate
  the `bedrock-agentcore-control` service. botocore's `data/` is pruned to
  the service models in `BOTOCORE_SERVICES`;
- bytecode, compiled by an interpreter of the runtime's version
  (`runtime_python`): Lambda's `/var/task` is read only, so a zip without
  it compiles every module it imports on every cold start (docs/benchmarks.md).
  Our code keeps its `.py` (tracebacks quote it) with the bytecode in
  `__pycache__/<module>.cpython-312.pyc`; the dependencies ship `<module>.pyc`
  in place of their `.py` (sourceless: with their source too the zip would
  be over our 10 MB target).

`jwt-layer` builds `dist/registry-jwt-layer.zip`, a Lambda layer with what
AUTH_MODE=jwt needs (pyproject's `jwt` extra: PyJWT and cryptography, at
`JWT_LOCK`) under `python/`, which Lambda puts on sys.path from `/opt/python`.
Terraform attaches it only when `auth_mode = "jwt"`
(`var.jwt_layer_package_path`): trusted mode ships no JOSE code, and the
function's zip stays under its target (cryptography alone is about 5 MB).

Each zip is reproducible: the same sources and lock give the same bytes
(entries sorted, every timestamp 1980-01-01, fixed permissions; bytecode
that records its source's hash, not its mtime, and `/var/task/<path>`
(a layer: `/opt/python/<path>`) as its file name, and that Python never
checks against the source
(`UNCHECKED_HASH`); no `RECORD`/`INSTALLER` files from pip).

One module of about 700 lines, on purpose: both artifacts go through the
same steps in order (pip for the Lambda platform, the lock check, the file
selection, bytecode, the reproducible zip), and the pins (`LOCK`,
`JWT_LOCK`, `BOTOCORE_SERVICES`) sit beside the steps that read them; it is
a build script, not code the function imports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "dist" / "registry-lambda.zip"
JWT_LAYER_OUTPUT = ROOT / "dist" / "registry-jwt-layer.zip"

# Terraform's defaults (terraform/variables.tf): lambda_runtime = python3.12,
# lambda_architecture = x86_64. Change them together. A stack deployed with
# other values needs a package built for them (`--runtime`, `--architecture`):
# pydantic-core is a compiled extension, built per Python version and CPU.
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_x86_64"
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
RUNTIMES = {"python3.12": "3.12", "python3.13": "3.13"}

# Every distribution the package ships, pinned: pyproject's dependencies and
# what they pull in. Same lock, same bytes. boto3/botocore are here on purpose
# (see the module docstring and docs/deploy.md). To move a version, change it
# here, run `scripts/package`, and the `iac` tests (the zip runs as built).
LOCK = (
    "annotated-types==0.8.0",
    "attrs==26.1.0",
    "aws-lambda-powertools==3.37.0",
    "boto3==1.44.8",
    "botocore==1.44.8",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "idna==3.20",
    "jmespath==1.1.0",
    "jsonschema==4.26.0",
    "jsonschema-path==0.5.0",
    "jsonschema-specifications==2025.9.1",
    "lazy-object-proxy==1.13.0",
    "openapi-schema-validator==0.9.0",
    "openapi-spec-validator==0.9.0",
    "pathable==0.6.0",
    "pydantic==2.14.4",
    "pydantic-core==2.50.5",
    "pydantic-settings==2.16.3",
    "python-dateutil==2.9.0.post0",
    "python-dotenv==1.2.4",
    "pyyaml==6.0.4",
    "referencing==0.37.0",
    "requests==2.34.2",
    "rfc3339-validator==0.1.4",
    "rpds-py==2026.9.1",
    "s3transfer==0.19.3",
    "six==1.17.0",
    "typing-extensions==4.16.0",
    "typing-inspection==0.4.5",
    "urllib3==2.8.0",
)

# The jwt layer's distributions: pyproject's `jwt` extra and what it pulls in.
# None of them may be in LOCK: the function's /var/task comes first on
# sys.path, so a distribution in both would load the function's copy.
JWT_LOCK = (
    "cffi==2.1.1",
    "cryptography==50.0.2",
    "pycparser==3.12",
    "pyjwt==2.15.1",
)

# The one list of AWS services the package can talk to: botocore/data (and
# boto3/data) keep these service models and drop the other ~440 (about 25 MB).
# dynamodb, s3 and bedrock-agentcore-control are the clients the code makes
# (services/runtime.py); sts is kept for credential resolution outside Lambda.
# A client for any other service fails with UnknownServiceError: add it here.
BOTOCORE_SERVICES = ("bedrock-agentcore-control", "dynamodb", "s3", "sts")
# Top-level files botocore reads whatever the service; every top-level file
# of botocore/data is kept, these must be among them.
BOTOCORE_DATA_FILES = (
    "_retry.json",
    "endpoints.json",
    "partitions.json",
    "sdk-default-configuration.json",
)

# The code that goes in: (source, where it lands in the zip).
CODE = (
    (ROOT / "lambda" / "app.py", "app.py"),
    (ROOT / "handlers", "handlers"),
    (ROOT / "services", "services"),
)

# Where Lambda unpacks the zip: the file name the bytecode records (shown in
# a traceback from a dependency, which ships no source). A layer unpacks in
# /opt, its `python/` folder on sys.path.
TASK_ROOT = "/var/task"
LAYER_ROOT = "/opt"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
EXECUTABLE_MODE = 0o100755  # shared libraries (.so), as their wheels install them
DIRECTORY_MODE = 0o040755
MS_DOS_DIRECTORY = 0x10
UNIX = 3

MB = 1024 * 1024
LAMBDA_ZIPPED_LIMIT = 50 * MB  # direct upload of a .zip
LAMBDA_UNZIPPED_LIMIT = 250 * MB  # the function and its layers, unzipped
TARGET_ZIPPED = 10 * MB  # ours: cold start and upload time

# pip writes these per install (who installed, the installed file list): they
# describe this build, not the package, and RECORD lists files pruned here.
_PIP_INSTALL_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


class PackageError(Exception):
    """The package could not be built as specified."""


@dataclass(frozen=True)
class BuildReport:
    path: str
    sha256: str
    platform: str
    python_version: str
    entries: int
    zipped_bytes: int
    unpacked_bytes: int
    distributions: dict[str, str]

    def lines(self) -> list[str]:
        def share(size: int, limit: int) -> str:
            return f"{size / MB:6.2f} MB of Lambda's {limit // MB} MB ({100 * size / limit:.1f}%)"

        return [
            f"built    {self.path}",
            f"sha256   {self.sha256}",
            f"for      CPython {self.python_version} on {self.platform}",
            f"entries  {self.entries}",
            f"zipped   {share(self.zipped_bytes, LAMBDA_ZIPPED_LIMIT)}"
            f"; target {TARGET_ZIPPED // MB} MB",
            f"unpacked {share(self.unpacked_bytes, LAMBDA_UNZIPPED_LIMIT)}",
            "bundled  "
            + ", ".join(f"{name} {version}" for name, version in self.distributions.items()),
        ]


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    with pyproject.open("rb") as handle:
        data = tomllib.load(handle)
    dependencies = data["project"]["dependencies"]
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise PackageError("pyproject.toml: [project] dependencies must be a list of strings")
    return list(dependencies)


def project_extra(extra: str, pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    with pyproject.open("rb") as handle:
        extras = tomllib.load(handle)["project"].get("optional-dependencies", {})
    if extra not in extras:
        raise PackageError(f"pyproject.toml: no optional dependency group {extra!r}")
    return list(extras[extra])


@dataclass(frozen=True)
class Artifact:
    """One zip Terraform deploys: what it installs, at which pins, which of
    our code it carries, and where Lambda unpacks it."""

    name: str
    default_output: Path
    requirements: Callable[[], list[str]]
    lock: tuple[str, ...]
    code: tuple[tuple[Path, str], ...]
    prefix: str  # folder of the zip the files go in
    unpacked_at: str  # where Lambda puts the zip's root

    @property
    def load_root(self) -> str:
        """The directory on sys.path: what the bytecode names as its file."""
        return f"{self.unpacked_at}/{self.prefix}".rstrip("/")


def locked_versions(lock: tuple[str, ...] = LOCK) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock:
        name, _, version = line.partition("==")
        pins[canonical(name)] = version
    return pins


def pip_install(
    target: Path,
    requirements: list[str],
    *,
    platform: str = PLATFORM,
    python_version: str = PYTHON_VERSION,
    lock: tuple[str, ...] | None = LOCK,
) -> None:
    """Install `requirements` for the Lambda platform into `target`, at the
    versions of `lock` (None: what pip resolves today)."""
    constraints = target.parent / "constraints.txt"
    constraints.write_text("\n".join(lock or ()) + "\n")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        # -qq: pip's errors only (not the machine's index-config warnings).
        "-qq",
        "--disable-pip-version-check",
        # --target ignores what is installed here, so conflicts with this
        # interpreter's own packages are noise, and so is running as root.
        "--no-warn-conflicts",
        "--root-user-action=ignore",
        "--no-compile",
        "--no-warn-script-location",
        "--platform",
        platform,
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--target",
        str(target),
        "--constraint",
        str(constraints),
        *requirements,
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(command, env=env, check=False)
    if result.returncode != 0:
        raise PackageError(f"pip install failed (exit {result.returncode}): {' '.join(command)}")


def installed_distributions(site: Path) -> dict[str, str]:
    """canonical name -> version, from the .dist-info folders pip wrote."""
    found: dict[str, str] = {}
    for info in sorted(site.glob("*.dist-info")):
        name = version = None
        for line in (info / "METADATA").read_text(encoding="utf-8").splitlines():
            if line.startswith("Name: "):
                name = line.removeprefix("Name: ").strip()
            elif line.startswith("Version: "):
                version = line.removeprefix("Version: ").strip()
            elif not line:
                break
        if name is None or version is None:
            raise PackageError(f"{info.name}: no Name/Version in METADATA")
        found[canonical(name)] = version
    return found


def check_lock(installed: dict[str, str], lock: tuple[str, ...] = LOCK) -> None:
    pins = locked_versions(lock)
    unpinned = sorted(set(installed) - set(pins))
    if unpinned:
        raise PackageError(
            "not in the lock (registry_local/package.py), so not reproducible: "
            + ", ".join(f"{n}=={installed[n]}" for n in unpinned)
            + "; `python -m registry_local.package --resolve` prints a new lock"
        )
    wrong = sorted(n for n in installed if installed[n] != pins[n])
    if wrong:
        raise PackageError(
            "installed versions differ from the lock: "
            + ", ".join(f"{n} {installed[n]} != {pins[n]}" for n in wrong)
        )
    unused = sorted(set(pins) - set(installed))
    if unused:
        raise PackageError("the lock pins distributions nothing requires: " + ", ".join(unused))


def _keep_dependency_file(relative: Path) -> bool:
    parts = relative.parts
    if parts[0] == "bin":  # console scripts (jp.py, dotenv): nothing runs them
        return False
    if "__pycache__" in parts or relative.suffix in {".pyc", ".pyo"}:
        return False  # pip's own bytecode, if any: compile_bytecode makes ours
    if parts[0].endswith(".dist-info") and relative.name in _PIP_INSTALL_FILES:
        return False
    if parts[:2] in {("botocore", "data"), ("boto3", "data")} and len(parts) > 3:
        # botocore/data/<service>/<version>/<file>: only the services we call.
        return parts[2] in BOTOCORE_SERVICES
    return True


def _walk(directory: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            yield Path(dirpath) / filename


def package_files(site: Path, code: tuple[tuple[Path, str], ...] = CODE) -> dict[str, Path]:
    """Arcname -> source file: the code, then the dependencies."""
    files: dict[str, Path] = {}
    for source, arcname in code:
        if source.is_file():
            files[arcname] = source
            continue
        for path in _walk(source):
            if path.suffix == ".py":
                files[f"{arcname}/{path.relative_to(source).as_posix()}"] = path
    for path in _walk(site):
        relative = path.relative_to(site)
        if not _keep_dependency_file(relative):
            continue
        arcname = relative.as_posix()
        if arcname in files:
            raise PackageError(f"{arcname}: a dependency ships a file the code also ships")
        files[arcname] = path

    if not (site / "botocore").is_dir():
        return files  # a layer without botocore: nothing pruned to check
    missing = [name for name in BOTOCORE_DATA_FILES if f"botocore/data/{name}" not in files] + [
        service
        for service in BOTOCORE_SERVICES
        if not any(a.startswith(f"botocore/data/{service}/") for a in files)
    ]
    if missing:
        raise PackageError("botocore/data lacks " + ", ".join(missing))
    return files


def _cache_tag(python: str) -> str | None:
    """The interpreter's bytecode tag (cpython-312), None if it does not run."""
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print(sys.implementation.cache_tag)"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _pyenv_pythons(python_version: str) -> list[str]:
    """pyenv's installed interpreters of that version (its shims answer only
    for the selected ones), as ./scripts/test finds them."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    try:
        root = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except OSError:
        return []
    if not root:
        return []
    versions = Path(root) / "versions"
    return sorted(map(str, versions.glob(f"{python_version}.*/bin/python3")), reverse=True)


def runtime_python(python_version: str = PYTHON_VERSION, given: str | None = None) -> str:
    """An interpreter of the runtime's version, to compile the bytecode
    (its format changes with every minor version): `given`, else this one,
    else `python3.12` (or the runtime's version) on PATH, else pyenv's."""
    wanted = "cpython-" + python_version.replace(".", "")
    if given is not None:
        tag = _cache_tag(given)
        if tag != wanted:
            raise PackageError(f"{given} makes {tag or 'no'} bytecode; the runtime needs {wanted}")
        return given
    candidates = [sys.executable, shutil.which(f"python{python_version}")]
    for candidate in [*candidates, *_pyenv_pythons(python_version)]:
        if candidate and _cache_tag(candidate) == wanted:
            return candidate
    raise PackageError(
        f"the bytecode must be compiled by python{python_version} (the Lambda runtime's): "
        f"put it on PATH, install it with pyenv, or name it with --python"
    )


# Run by the runtime's interpreter: (source, bytecode file, recorded name) on stdin.
_COMPILE = """
import json, py_compile, sys
for source, cfile, dfile in json.load(sys.stdin):
    py_compile.compile(source, cfile=cfile, dfile=dfile, doraise=True, optimize=0,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


def compile_bytecode(
    files: dict[str, Path],
    python: str,
    workdir: Path,
    *,
    code: tuple[tuple[Path, str], ...] = CODE,
    load_root: str = TASK_ROOT,
) -> dict[str, Path]:
    """`files` with their bytecode: our code gains `__pycache__/<module>.<tag>.pyc`
    beside each `.py`; a dependency's `.py` is replaced by its `.pyc`. Each
    records `<load_root>/<arcname>` as its file name."""
    tag = _cache_tag(python)
    ours = {arc for _, arc in code}
    out: dict[str, Path] = {}
    jobs: list[tuple[str, str, str]] = []
    for arcname, source in files.items():
        if not arcname.endswith(".py"):
            out[arcname] = source
            continue
        if arcname.split("/", 1)[0] in ours:
            out[arcname] = source
            folder, _, name = arcname.rpartition("/")
            compiled = f"{folder}/" if folder else ""
            compiled += f"__pycache__/{name.removesuffix('.py')}.{tag}.pyc"
        else:
            compiled = arcname.removesuffix(".py") + ".pyc"
        if compiled in files:
            raise PackageError(f"{compiled}: shipped by a dependency and compiled from {arcname}")
        target = workdir / compiled
        target.parent.mkdir(parents=True, exist_ok=True)
        out[compiled] = target
        jobs.append((str(source), str(target), f"{load_root}/{arcname}"))
    # One process, the files in order; a fixed hash seed on top of 3.12's
    # deterministic marshal: the same sources give the same bytes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [python, "-s", "-c", _COMPILE],
        input=json.dumps(sorted(jobs)),
        env={**env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise PackageError(f"compiling the bytecode failed: {result.stderr[-2000:]}")
    return out


def _directories(arcnames: list[str]) -> set[str]:
    directories = set()
    for arcname in arcnames:
        parts = arcname.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            directories.add("/".join(parts[:depth]) + "/")
    return directories


def write_zip(files: dict[str, Path], output: Path, prefix: str = "") -> None:
    """Same files, same bytes: sorted entries, fixed dates and modes; every
    entry under the folder `prefix` ("" for the zip's root)."""
    if prefix:
        files = {f"{prefix.rstrip('/')}/{arcname}": path for arcname, path in files.items()}
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    names = sorted(set(files) | _directories(list(files)))
    with zipfile.ZipFile(partial, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = UNIX
            if name.endswith("/"):
                info.external_attr = (DIRECTORY_MODE << 16) | MS_DOS_DIRECTORY
                archive.writestr(info, b"")
                continue
            source = files[name]
            mode = EXECUTABLE_MODE if ".so" in source.suffixes else FILE_MODE
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    partial.replace(output)


FUNCTION = Artifact(
    name="function",
    default_output=DEFAULT_OUTPUT,
    requirements=project_dependencies,
    lock=LOCK,
    code=CODE,
    prefix="",
    unpacked_at=TASK_ROOT,
)
JWT_LAYER = Artifact(
    name="jwt-layer",
    default_output=JWT_LAYER_OUTPUT,
    requirements=lambda: project_extra("jwt"),
    lock=JWT_LOCK,
    code=(),
    prefix="python",
    unpacked_at=LAYER_ROOT,
)
ARTIFACTS = {artifact.name: artifact for artifact in (FUNCTION, JWT_LAYER)}


def build(
    output: Path | None = None,
    *,
    artifact: Artifact = FUNCTION,
    platform: str = PLATFORM,
    python_version: str = PYTHON_VERSION,
    python: str | None = None,
) -> BuildReport:
    """`output`: default the artifact's; `python`: the interpreter that
    compiles the bytecode (see `runtime_python`)."""
    output = output or artifact.default_output
    compiler = runtime_python(python_version, python)
    with tempfile.TemporaryDirectory(prefix="registry-package-") as tmp:
        site = Path(tmp) / "site"
        pip_install(
            site,
            artifact.requirements(),
            platform=platform,
            python_version=python_version,
            lock=artifact.lock,
        )
        installed = installed_distributions(site)
        check_lock(installed, artifact.lock)
        files = compile_bytecode(
            package_files(site, artifact.code),
            compiler,
            Path(tmp) / "bytecode",
            code=artifact.code,
            load_root=artifact.load_root,
        )
        write_zip(files, output, artifact.prefix)

    data = output.read_bytes()
    with zipfile.ZipFile(output) as archive:
        infos = archive.infolist()
    report = BuildReport(
        path=str(output),
        sha256=hashlib.sha256(data).hexdigest(),
        platform=platform,
        python_version=python_version,
        entries=len(infos),
        zipped_bytes=len(data),
        unpacked_bytes=sum(i.file_size for i in infos),
        distributions=dict(sorted(installed.items())),
    )
    if report.zipped_bytes > LAMBDA_ZIPPED_LIMIT or report.unpacked_bytes > LAMBDA_UNZIPPED_LIMIT:
        raise PackageError("over Lambda's size limits:\n" + "\n".join(report.lines()))
    return report


def resolve(
    artifact: Artifact = FUNCTION,
    *,
    platform: str = PLATFORM,
    python_version: str = PYTHON_VERSION,
) -> list[str]:
    """A new lock: what pip resolves today for the artifact's requirements."""
    with tempfile.TemporaryDirectory(prefix="registry-package-") as tmp:
        site = Path(tmp) / "site"
        pip_install(
            site,
            artifact.requirements(),
            platform=platform,
            python_version=python_version,
            lock=None,
        )
        return [f"{name}=={version}" for name, version in installed_distributions(site).items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m registry_local.package",
        description="Build the Lambda deployment zip or the jwt layer (reproducible).",
    )
    parser.add_argument(
        "artifact",
        nargs="?",
        choices=sorted(ARTIFACTS),
        default=FUNCTION.name,
        help="the function's package (default) or the layer AUTH_MODE=jwt needs",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="default: dist/registry-lambda.zip, dist/registry-jwt-layer.zip",
    )
    parser.add_argument(
        "--runtime",
        choices=sorted(RUNTIMES),
        default=f"python{PYTHON_VERSION}",
        help="terraform's lambda_runtime (default: %(default)s)",
    )
    parser.add_argument(
        "--architecture",
        choices=sorted(PLATFORMS),
        default="x86_64",
        help="terraform's lambda_architecture (default: %(default)s)",
    )
    parser.add_argument(
        "--python",
        help="the interpreter that compiles the bytecode: the runtime's version "
        "(default: this one if it is, else python3.12 on PATH, else pyenv's)",
    )
    parser.add_argument("--json", action="store_true", help="print the build report as JSON")
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="build nothing: print the lock that pip resolves today, to paste into this module",
    )
    args = parser.parse_args(argv)
    artifact = ARTIFACTS[args.artifact]
    platform, python_version = PLATFORMS[args.architecture], RUNTIMES[args.runtime]
    if args.resolve:
        try:
            pins = resolve(artifact, platform=platform, python_version=python_version)
        except PackageError as exc:
            print(f"package: {exc}", file=sys.stderr)
            return 1
        name = "LOCK" if artifact is FUNCTION else "JWT_LOCK"
        print(f"{name} = (\n" + "".join(f'    "{pin}",\n' for pin in pins) + ")")
        return 0
    try:
        report = build(
            args.output.resolve() if args.output else None,
            artifact=artifact,
            platform=platform,
            python_version=python_version,
            python=args.python,
        )
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print("\n".join(report.lines()))
        if report.zipped_bytes > TARGET_ZIPPED:
            print(f"warning: over the {TARGET_ZIPPED // MB} MB target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
