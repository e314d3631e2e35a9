"""Check the conda-forge recipe against an sdist, as far as a machine without conda can.

1. Render recipe.yaml with rattler-build (py-rattler-build) for each platform
   conda-forge builds, natively and cross-compiled, with variant values like
   conda-forge's global pinning; this also validates the v1 schema.
2. Compare what it renders with the project: version, source file name,
   license, and the requirement bounds in pyproject.toml.
3. Check that every file the recipe names exists in the sdist.
4. Run its build script in the unpacked sdist with a fresh venv standing in
   for the host environment (PyPI packages of the same names), then its tests:
   the import test, `pip check`, and the test scripts with their files copied
   from the sdist into an empty directory.

    python check.py SDIST [--python PYTHON] [--write-sha256]

--write-sha256 records SDIST's sha256 in the recipe: do it with the sdist
uploaded to PyPI, as docs/release.md says.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import rattler_build
import tomllib

# Run as a script, this file has only its own directory on sys.path; common.py is one up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import (
    ROOT,
    CheckFailed,
    check_import_location,
    create_venv,
    project_version,
    report_failure,
    run,
    unpack_sdist,
)

RECIPE = Path(__file__).resolve().parent / "recipe.yaml"
SHA256_LINE = re.compile(r'^(  sdist_sha256: )"([0-9a-f]*)"$', re.MULTILINE)

# Values in the style of conda-forge's global pinning. The feedstock's own
# pinning decides at build time; these only need to make every branch of the
# recipe render.
COMPILERS = {
    "linux": {
        "c_compiler": "gcc",
        "cxx_compiler": "gxx",
        "c_compiler_version": "14",
        "cxx_compiler_version": "14",
        "c_stdlib": "sysroot",
        "c_stdlib_version": "2.17",
    },
    "osx": {
        "c_compiler": "clang",
        "cxx_compiler": "clangxx",
        "c_compiler_version": "19",
        "cxx_compiler_version": "19",
        "c_stdlib": "macosx_deployment_target",
        "c_stdlib_version": "10.13",
    },
    "win": {
        "c_compiler": "vs2022",
        "cxx_compiler": "vs2022",
        "c_stdlib": "vs",
        "c_stdlib_version": "2022",
    },
}
PYTHONS = ["3.10.* *_cpython", "3.13.* *_cp313", "3.14.* *_cp314"]
# (target, build): conda-forge cross-compiles osx-arm64 and may linux-aarch64.
PLATFORMS = [
    ("linux-64", "linux-64"),
    ("linux-aarch64", "linux-aarch64"),
    ("linux-aarch64", "linux-64"),
    ("osx-64", "osx-64"),
    ("osx-arm64", "osx-64"),
    ("win-64", "win-64"),
]


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def conda_spec(requirement: str) -> str:
    """'numpy>=1.23' (PEP 508, a lower bound at most) -> 'numpy >=1.23'."""
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(>=\s*[0-9][0-9.]*)?", requirement)
    require(match is not None, f"cannot compare {requirement!r} with a conda requirement")
    assert match is not None
    name, bound = match.group(1).lower(), match.group(2)
    return name if bound is None else f"{name} {bound.replace(' ', '')}"


def pip_requirement(spec: str) -> str | None:
    """'numpy >=1.23' -> 'numpy>=1.23'; None for what pip does not install."""
    parts = spec.split()
    name = parts[0]
    if name == "python":
        return None
    require(
        len(parts) <= 2 and all(re.fullmatch(r"[<>=!~]=?[0-9][0-9.]*", p) for p in parts[1:]),
        f"no PyPI equivalent for conda requirement {spec!r}",
    )
    return name + "".join(parts[1:])


def render(recipe_text: str, requires_python: str) -> list[dict[str, Any]]:
    recipe = rattler_build.Stage0Recipe.from_yaml(recipe_text)
    # Rendering leaves skipped variants in, so the skip is compared as written.
    oldest = re.fullmatch(r">=\s*(3\.[0-9]+)", requires_python)
    require(oldest is not None, f"cannot compare requires-python {requires_python!r}")
    assert oldest is not None
    skip = recipe.to_dict()["build"].get("skip", [])
    wanted = f'match(python, "<{oldest.group(1)}")'
    require(skip == [wanted], f"build.skip is {skip}; requires-python needs [{wanted!r}]")
    rendered = []
    for target, build in PLATFORMS:
        compilers = COMPILERS[target.split("-")[0]]
        variants = {"python": PYTHONS, **{key: [value] for key, value in compilers.items()}}
        config = rattler_build.RenderConfig(
            platform=rattler_build.PlatformConfig(
                target_platform=target, build_platform=build, host_platform=target
            )
        )
        outputs = recipe.render(rattler_build.VariantConfig(variants), config)
        pythons = sorted(v.variant["python"] for v in outputs)
        require(
            pythons == sorted(PYTHONS),
            f"{target} from {build}: rendered for {pythons}, expected {PYTHONS}",
        )
        for output in outputs:
            rendered.append({**output.recipe.to_dict(), "target": target, "built_on": build})
    return rendered


def check_rendered(
    rendered: list[dict[str, Any]], sdist: Path, members: set[str], project: dict[str, Any]
) -> None:
    host_wanted = {conda_spec(r) for r in project["build-system"]["requires"]}
    run_wanted = {conda_spec(r) for r in project["project"]["dependencies"]}
    for recipe in rendered:
        where = f"{recipe['target']} (built on {recipe['built_on']})"
        require(recipe["package"]["name"] == project["project"]["name"], f"{where}: name")
        [source] = recipe["source"]
        require(
            source["url"].rsplit("/", 1)[1] == sdist.name,
            f"{where}: source {source['url']} is not {sdist.name}",
        )
        reqs = recipe["requirements"]
        build = reqs["build"]
        require(
            any(n.split()[0].startswith(("gxx", "clangxx", "vs")) for n in build),
            f"{where}: no C++ compiler in build: {build}",
        )
        require(
            any(
                n.split()[0].startswith(("sysroot", "macosx_deployment_target", "vs"))
                for n in build
            ),
            f"{where}: no C standard library in build: {build}",
        )
        if recipe["target"] != recipe["built_on"]:
            require(
                any(n.startswith("cross-python_") for n in build),
                f"{where}: cross-compiling needs cross-python: {build}",
            )
        host = set(reqs["host"])
        require({"python", "pip"} <= host, f"{where}: python and pip belong in host: {host}")
        require(host_wanted <= host, f"{where}: host {host} lacks {host_wanted - host}")
        run_reqs = set(reqs["run"])
        require(
            run_reqs == {"python"} | run_wanted,
            f"{where}: run is {run_reqs}, pyproject.toml says {run_wanted}",
        )
        script = recipe["build"]["script"]
        require(
            "-m pip install . -vv --no-deps --no-build-isolation" in str(script),
            f"{where}: unexpected build script {script!r}",
        )
        require(recipe["about"]["license"] == project["project"]["license"], f"{where}: license")
        for name in recipe["about"]["license_file"]:
            require(name in members, f"{where}: license file {name} is not in the sdist")
        imports = [t["python"]["imports"] for t in recipe["tests"] if "python" in t]
        require(imports == [["fastpil"]], f"{where}: import test is {imports}")
        require(
            all(t["python"].get("pip_check", True) for t in recipe["tests"] if "python" in t),
            f"{where}: pip_check is off",
        )
        for test in recipe["tests"]:
            for name in test.get("files", {}).get("source", []):
                require(name in members, f"{where}: test file {name} is not in the sdist")


def build_and_test(recipe: dict[str, Any], sdist: Path, python: str, work: Path) -> None:
    """The recipe's build script and tests, with a venv as the conda environment."""
    src = unpack_sdist(sdist, work / "src")
    env_dir = work / "env"
    bindir = create_venv(python, env_dir)
    env_python = str(bindir / "python")
    pip = [env_python, "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    reqs = recipe["requirements"]
    host = [p for p in map(pip_requirement, reqs["host"]) if p is not None]
    run([*pip, *host])

    env = {**os.environ, "PYTHON": env_python, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    script = recipe["build"]["script"]
    lines = script if isinstance(script, list) else [script]
    for line in lines:
        run(["bash", "-euc", line.replace("${{ PYTHON }}", '"$PYTHON"')], cwd=src, env=env)

    # The tests run in the installed environment, away from the unpacked sources.
    test_reqs = [r for t in recipe["tests"] for r in t.get("requirements", {}).get("run", [])]
    run_reqs = [p for p in map(pip_requirement, reqs["run"] + test_reqs) if p is not None]
    run([*pip, *run_reqs])
    for test in recipe["tests"]:
        test_dir = Path(tempfile.mkdtemp(dir=work, prefix="test-"))
        for name in test.get("files", {}).get("source", []):
            (test_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / name, test_dir / name)
        if "python" in test:
            for module in test["python"]["imports"]:
                run(
                    [env_python, "-c", f"import {module}; print({module}.__file__)"],
                    cwd=test_dir,
                    env=env,
                )
            if test["python"].get("pip_check", True):
                run([env_python, "-m", "pip", "check"], cwd=test_dir, env=env)
        for line in test.get("script", []):
            run(["bash", "-euc", line], cwd=test_dir, env=env)
    check_import_location(env_python, cwd=work, env=env, venv=env_dir, venv_name="the environment")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sdist", type=Path)
    parser.add_argument("--python", default="python3", help="interpreter for the venv")
    parser.add_argument("--write-sha256", action="store_true")
    args = parser.parse_args()

    sdist: Path = args.sdist.resolve()
    sha256 = hashlib.sha256(sdist.read_bytes()).hexdigest()
    text = RECIPE.read_text()
    recorded = SHA256_LINE.search(text)
    if recorded is None:
        print(f'{RECIPE.name}: no `sdist_sha256: "..."` line in its context', file=sys.stderr)
        return 1
    if args.write_sha256:
        RECIPE.write_text(SHA256_LINE.sub(rf'\g<1>"{sha256}"', text))
        print(f"{RECIPE.name}: sdist_sha256 is now {sha256} ({sdist.name})")
        return 0
    if recorded.group(2) not in ("", sha256):
        # Expected between releases: the recipe keeps the released sdist's hash.
        print(f"note: the recipe records sha256 {recorded.group(2)}; {sdist.name} is {sha256}")
    text = SHA256_LINE.sub(rf'\g<1>"{sha256}"', text)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    try:
        version = project_version()
        context_version = re.search(r'^  version: "([^"]+)"$', text, re.MULTILINE)
        require(
            context_version is not None and context_version.group(1) == version,
            f"the recipe's version is not meson.build's {version}",
        )
        require(top == f"fastpil-{version}", f"the sdist unpacks to {top}, not fastpil-{version}")
        rendered = render(text, project["project"]["requires-python"])
        check_rendered(rendered, sdist, members, project)
        print(
            f"{RECIPE.name}: rendered {len(rendered)} variants for "
            f"{', '.join(sorted({r['target'] for r in rendered}))}; all consistent with "
            f"pyproject.toml and {sdist.name}"
        )
        with tempfile.TemporaryDirectory() as work:
            native = next(r for r in rendered if r["target"] == r["built_on"] == "linux-64")
            build_and_test(native, sdist, args.python, Path(work))
    except (CheckFailed, subprocess.CalledProcessError) as error:
        return report_failure(RECIPE.name, error)
    print(f"{RECIPE.name}: build script and tests pass against {sdist.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
