"""Build the sdist and a wheel from it, check both, and test the installed wheel.

    python .ci/dist_check.py [--python PYTHON] [--outdir DIR]

Run with an interpreter that has build, twine, validate-pyproject (with the
schema-store plugin) and py-rattler-build (`make dist-check` sets that up).
Steps, each fatal:

1. pyproject.toml validates against the packaging schema and those of its
   [tool] tables (cibuildwheel's, ruff's, mypy's, ...), and actionlint passes
   the GitHub workflows.
2. `python -m build` makes the sdist, then the wheel from the unpacked sdist.
3. `twine check --strict` passes for both.
4. The sdist holds exactly the files tracked in git under the directories and
   top-level files that building and testing need; the wheel holds the
   package and nothing else.
5. In a fresh venv of PYTHON with the wheel and its test extra installed, the
   test suite copied out of the sdist passes, run from a directory where the
   source tree cannot be imported; mypy --strict accepts the installed
   package and the typed usage example against it, and stubtest finds the
   compiled module's stub in line with the module.
6. The conda-forge recipe passes .ci/conda-forge/check.py against the sdist.

The sdist is made from the committed HEAD (meson dist), not the work tree.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from common import (
    ROOT,
    CheckFailed,
    check_import_location,
    create_venv,
    output,
    project_version,
    report_failure,
    run,
    tests_env,
    unpack_sdist,
)

# Everything building, testing and reading fastpil needs; the rest of the
# repository (CI, benchmarks, developer tooling) stays out of the sdist
# through export-ignore in .gitattributes.
SDIST_DIRS = ("cpp", "docs", "fastpil", "tests")
SDIST_FILES = ("CHANGELOG.md", "LICENSE", "README.md", "meson.build", "pyproject.toml")
# What the wheel's package directory holds besides the compiled modules.
WHEEL_SOURCE_SUFFIXES = (".py", ".pyi", ".typed")
# The compiled modules, as meson.build builds them: the shell.
COMPILED = ("_core",)


def git(*args: str) -> str:
    return output(["git", "-C", str(ROOT), *args])


def committed_files(*paths: str) -> set[str]:
    """Paths of the files in HEAD (under ``paths``, if given)."""
    listing = git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *paths)
    return set(listing.split("\0")) - {""}


def check_sdist(sdist: Path, version: str) -> None:
    tracked = committed_files()
    wanted = {
        path for path in tracked if path in SDIST_FILES or path.split("/", 1)[0] in SDIST_DIRS
    }
    missing_top = {name for name in SDIST_FILES if name not in tracked}
    if missing_top:
        raise CheckFailed(f"not in git, but the sdist needs them: {sorted(missing_top)}")
    prefix = f"fastpil-{version}/"
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
    names = set()
    for member in members:
        if not member.name.startswith(prefix):
            raise CheckFailed(f"sdist member {member.name} is outside {prefix}")
        if member.isfile():
            names.add(member.name[len(prefix) :])
        elif not member.isdir():
            raise CheckFailed(f"sdist member {member.name} is neither a file nor a directory")
    names.discard("PKG-INFO")
    stray, missing = names - wanted, wanted - names
    if stray or missing:
        raise CheckFailed(
            f"the sdist has files it should not: {sorted(stray)}; "
            f"and lacks files it needs: {sorted(missing)}"
        )
    print(f"sdist: {len(names)} files plus PKG-INFO, exactly the tracked files it needs")


def check_wheel(wheel: Path, version: str) -> None:
    tracked = committed_files("fastpil")
    wanted = {p for p in tracked if p.endswith(WHEEL_SOURCE_SUFFIXES)}
    dist_info = f"fastpil-{version}.dist-info/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(dist_info + "METADATA").decode()
    extension = set()
    for module in COMPILED:
        built = {n for n in names if re.fullmatch(rf"fastpil/{module}\.[^/]*(\.so|\.pyd)", n)}
        if len(built) != 1:
            msg = f"the wheel should hold one compiled fastpil/{module}: {sorted(built)}"
            raise CheckFailed(msg)
        extension |= built
    package = {n for n in names if not n.startswith(dist_info)}
    stray, missing = package - wanted - extension, wanted - package
    if stray or missing:
        raise CheckFailed(
            f"the wheel has files it should not: {sorted(stray)}; lacks: {sorted(missing)}"
        )
    for needed in ("METADATA", "WHEEL", "RECORD", "licenses/LICENSE"):
        if dist_info + needed not in names:
            raise CheckFailed(f"the wheel lacks {dist_info}{needed}")
    if f"\nVersion: {version}\n" not in metadata:
        raise CheckFailed(f"the wheel's METADATA does not say Version: {version}")
    print(f"wheel: {len(package)} package files ({', '.join(sorted(extension))}) and its metadata")


def test_installed_wheel(wheel: Path, sdist: Path, python: str, work: Path) -> None:
    venv = work / "venv"
    bindir = create_venv(python, venv)
    venv_python = str(bindir / "python")
    pip = [venv_python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "install", f"{wheel}[test]", "mypy>=1.18"])
    run([*pip, "check"])

    # The tests come from the sdist, so a file it lacks fails them here.
    unpacked = unpack_sdist(sdist, work / "sdist")
    tests = work / "tests-run"
    tests.mkdir()
    shutil.copytree(unpacked / "tests", tests / "tests")
    # The examples the docs include, which tests/test_examples.py runs.
    shutil.copytree(unpacked / "docs" / "examples", tests / "docs" / "examples")
    shutil.copy2(unpacked / "pyproject.toml", tests / "pyproject.toml")
    env = tests_env()
    located = check_import_location(
        venv_python, cwd=tests, env=env, venv=venv, venv_name="the fresh venv"
    )
    print(f"fastpil imports from {located}")
    run([str(bindir / "pytest"), "-p", "no:cacheprovider"], cwd=tests, env=env)

    # Typing, checked against the installed package (its py.typed and stub).
    typing_dir = work / "typing"
    typing_dir.mkdir()
    shutil.copy2(unpacked / "tests" / "typing" / "usage.py", typing_dir / "usage.py")
    mypy = [venv_python, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull]
    run([*mypy, "--strict", "-p", "fastpil"], cwd=typing_dir, env=env)
    run([*mypy, "--strict", "usage.py"], cwd=typing_dir, env=env)
    allowlist = ROOT / ".ci" / "stubtest-allowlist.txt"
    run(
        [venv_python, "-m", "mypy.stubtest", "fastpil", "--allowlist", str(allowlist)],
        cwd=typing_dir,
        env=env,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="python3", help="interpreter for the fresh venvs")
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist")
    args = parser.parse_args()

    if git("status", "--porcelain", "--untracked-files=no").strip():
        print("warning: uncommitted changes are not in the sdist, which is built from HEAD")
    version = project_version()
    outdir: Path = args.outdir.resolve()
    shutil.rmtree(outdir, ignore_errors=True)
    try:
        run([sys.executable, "-m", "validate_pyproject", str(ROOT / "pyproject.toml")])
        # The GitHub workflows (CI's .ci/run, and the wheels cibuildwheel builds
        # from pyproject.toml), with actionlint from this venv.
        workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
        run([str(Path(sys.executable).parent / "actionlint"), *workflows])
        run([sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)])
        sdists = sorted(outdir.glob("*.tar.gz"))
        wheels = sorted(outdir.glob("*.whl"))
        if len(sdists) != 1 or len(wheels) != 1:
            raise CheckFailed(f"expected one sdist and one wheel in {outdir}")
        [sdist], [wheel] = sdists, wheels
        if sdist.name != f"fastpil-{version}.tar.gz":
            raise CheckFailed(f"{sdist.name} is not named for version {version}")
        run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)])
        check_sdist(sdist, version)
        check_wheel(wheel, version)
        with tempfile.TemporaryDirectory() as work:
            test_installed_wheel(wheel, sdist, args.python, Path(work))
        run(
            [
                sys.executable,
                str(ROOT / ".ci" / "conda-forge" / "check.py"),
                str(sdist),
                "--python",
                args.python,
            ]
        )
    except (CheckFailed, subprocess.CalledProcessError) as error:
        return report_failure("dist-check", error)
    print(f"dist-check: {sdist.name} and {wheel.name} are ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
