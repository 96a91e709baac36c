"""Files in and out: atomic output (a temporary file beside the target, then a rename) and fast safe YAML."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from clvedu.errors import UserError


@contextmanager
def atomic_write(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; rename it to ``path`` only if the block succeeds.

    A failure inside the block removes the temporary file and leaves any earlier ``path`` untouched.
    With ``overwrite=False`` an existing ``path`` is an error raised before anything is written.
    """
    target = Path(path)
    if not target.parent.exists():
        raise UserError(f"{target}: folder {target.parent} does not exist")
    if not overwrite and target.exists():
        raise UserError(f"{target} already exists; choose another name or remove it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates the file readable by its owner only; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def yaml_loader():
    """PyYAML's safe loader, with libyaml's C parser when PyYAML was built with it (several times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    """``yaml.safe_load`` through :func:`yaml_loader`."""
    import yaml

    return yaml.load(text, Loader=yaml_loader())  # noqa: S506 - a safe loader
