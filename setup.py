"""Build hook: every built package carries the kit's slide specifications and example cases.

The files people edit stay where they are, ``templates/`` and ``case_studies/``. When setuptools builds
the package (a wheel, or the install behind ``pip install .``, ``--user`` or ``--target``), this hook
copies them into the build as ``clvedu/resources/templates/`` and ``clvedu/resources/case_studies/``, where
the installed package reads them through ``importlib.resources``. A source checkout or an editable install
reads the originals instead (``clvedu.decks.templating``), so there is one copy to edit.
Everything else about the package is declared in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
KIT_DATA = ("templates", "case_studies")  # each copied to clvedu/resources/<same name>


def kit_files(folder: str):
    """(source, path inside clvedu/resources) for every file under ``folder``, skipping hidden and cache files."""
    base = ROOT / folder
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if path.is_file() and not any(part.startswith((".", "__")) for part in relative.parts) \
                and path.suffix not in (".pyc", ".pyo"):
            yield path, Path(folder) / relative


class BuildWithKitData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads templates/ and case_studies/ from the checkout
        for folder in KIT_DATA:
            if not (ROOT / folder).is_dir():
                raise SystemExit(f"setup.py: {ROOT / folder} is missing; the package cannot be built without it")
            for source, inside in kit_files(folder):
                target = Path(self.build_lib) / "clvedu" / "resources" / inside
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target), preserve_mode=False)


setup(cmdclass={"build_py": BuildWithKitData})
