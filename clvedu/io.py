"""Files in and out, made safe against hostile or broken input.

* :func:`atomic_write`: output goes to a temporary file beside the target and is moved into place only
  when complete. Without ``overwrite`` the move is exclusive (a hard link, which fails if the target
  exists), so two runs writing the same name never both succeed and neither replaces the other.
  The temporary file is removed on any failure and on SIGTERM, SIGHUP or Ctrl-C; every OS error
  (read-only folder, full disk, a name too long, a folder where the file should be) becomes one line.
* :func:`load_yaml` / :func:`compose_yaml`: PyYAML's safe loader (libyaml when available) that refuses
  documents whose aliases would expand beyond a small bound (the "billion laughs" of YAML).
* :func:`check_zip` / :func:`open_presentation`: a .pptx is a zip archive; its members' real unpacked
  sizes are measured in bounded steps before python-pptx reads them, so a zip bomb is refused cheaply.
"""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from clvedu.errors import UserError

# --- output ---------------------------------------------------------------------------------------------------

_ACTIVE_TEMPS: set[Path] = set()
_TEMPS_LOCK = threading.Lock()
_PREVIOUS_HANDLERS: dict[int, object] = {}
_CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _remove_temps_and_die(signum, frame) -> None:  # pragma: no cover - runs in a signalled process (tested)
    for tmp in list(_ACTIVE_TEMPS):
        try:
            tmp.unlink()
        except OSError:
            pass
    previous = _PREVIOUS_HANDLERS.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # die of the signal as if it had never been caught


def _register_temp(tmp: Path) -> None:
    with _TEMPS_LOCK:
        if not _ACTIVE_TEMPS and threading.current_thread() is threading.main_thread():
            for sig in _CLEANUP_SIGNALS:
                previous = signal.getsignal(sig)
                if previous in (signal.SIG_IGN, None):
                    continue  # the caller chose to ignore it; leave that alone
                _PREVIOUS_HANDLERS[sig] = previous
                signal.signal(sig, _remove_temps_and_die)
        _ACTIVE_TEMPS.add(tmp)


def _unregister_temp(tmp: Path) -> None:
    with _TEMPS_LOCK:
        _ACTIVE_TEMPS.discard(tmp)
        if not _ACTIVE_TEMPS and threading.current_thread() is threading.main_thread():
            for sig, previous in list(_PREVIOUS_HANDLERS.items()):
                if signal.getsignal(sig) is _remove_temps_and_die:
                    signal.signal(sig, previous)
                del _PREVIOUS_HANDLERS[sig]


def os_error_message(exc: OSError, path: str | os.PathLike, action: str = "write") -> str:
    """One line saying why ``path`` could not be written (or read), without a traceback."""
    path = Path(path)
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        why = "the disk (or your quota) is full; free some space or choose another folder"
    elif code == errno.EROFS:
        why = f"the folder {path.parent} is on a read-only disk; choose another folder"
    elif code in (errno.EACCES, errno.EPERM):
        why = f"permission denied: the folder {path.parent} (or the file) is not writable by you"
    elif code == errno.ENAMETOOLONG:
        why = f"the file name is too long ({len(path.name)} characters; most disks allow 255 bytes)"
    elif code == errno.EISDIR:
        why = "that is a folder; give a file name"
    elif code == errno.ENOENT:
        why = f"the folder {path.parent} does not exist"
    elif code == errno.ENOTDIR:
        why = "a part of the path is a file, not a folder"
    else:
        why = exc.strerror or type(exc).__name__
    return f"cannot {action} {path}: {why}"


def check_output_path(path: str | os.PathLike, *, overwrite: bool, what: str = "--out") -> Path:
    """Refuse an output path that cannot work, before any slow work is done; return it as a Path.

    The final decision on an existing file is taken atomically by :func:`atomic_write`; this check only
    saves the user from waiting for a build whose result could not be written.
    """
    target = Path(path)
    if not target.name or target.is_dir():
        raise UserError(f"{what} {target}: that is a folder; give a file name such as {target / 'deck.pptx'}")
    if len(os.fsencode(target.name)) > 255:
        raise UserError(f"{what} {target.name[:40]}…: the file name is too long "
                        f"({len(target.name)} characters; most disks allow 255 bytes)")
    parent = target.parent
    if not parent.exists():
        raise UserError(f"{what} {target}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise UserError(f"{what} {target}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{what} {target}: the folder {parent} is not writable by you")
    if not overwrite and (target.exists() or target.is_symlink()):
        raise UserError(f"{target} already exists; choose another name, remove it, or pass --force to replace it")
    return target


def _commit_exclusive(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target`` only if ``target`` does not exist, decided atomically."""
    try:
        os.link(tmp, target)  # fails with FileExistsError if target exists, whoever created it
    except FileExistsError:
        raise UserError(f"{target} already exists (written by another run?); choose another name, "
                        "remove it, or pass --force to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        # a file system without hard links (FAT, some network disks): claim the name exclusively, then replace
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise UserError(f"{target} already exists (written by another run?); choose another name, "
                            "remove it, or pass --force to replace it") from None
        os.close(fd)
        os.replace(tmp, target)
        return
    tmp.unlink()


@contextmanager
def atomic_write(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; move it to ``path`` only if the block succeeds.

    A failure inside the block (or SIGTERM, SIGHUP, Ctrl-C) removes the temporary file and leaves any
    earlier ``path`` untouched. With ``overwrite=False`` an existing ``path`` is refused, and the
    refusal is decided atomically when the file is moved into place: of two runs writing the same new
    name, exactly one succeeds. OS errors become :class:`UserError` with one line saying what to do.
    """
    target = Path(path)
    if target.is_dir():
        raise UserError(f"cannot write {target}: that is a folder; give a file name")
    if not target.parent.exists():
        raise UserError(f"{target}: folder {target.parent} does not exist")
    if not overwrite and target.exists():
        raise UserError(f"{target} already exists; choose another name or remove it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UserError(os_error_message(exc, target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    _register_temp(tmp_path)
    try:
        try:
            yield tmp_path
            # mkstemp creates the file readable by its owner only; give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
            if overwrite:
                os.replace(tmp_path, target)
            else:
                _commit_exclusive(tmp_path, target)
        except OSError as exc:
            raise UserError(os_error_message(exc, target)) from None
    finally:
        try:
            if tmp_path.exists():
                tmp_path.unlink()
        finally:
            _unregister_temp(tmp_path)


# --- YAML -------------------------------------------------------------------------------------------------------

MAX_YAML_ALIASES = 100
"""Most alias uses (``*name``) a YAML file may hold."""
MAX_YAML_NODES = 100_000
"""Most values a YAML file may hold once its aliases are expanded."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of lists and mappings."""


def yaml_loader():
    """PyYAML's safe loader, with libyaml's C parser when PyYAML was built with it (several times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlTooLarge(UserError):
    """A YAML file beyond :data:`MAX_YAML_ALIASES`, :data:`MAX_YAML_NODES` or :data:`MAX_YAML_DEPTH`."""

    exit_code = 1  # read, but invalid


def _yaml_error(where: str, node, message: str) -> YamlTooLarge:
    mark = getattr(node, "start_mark", None)
    return YamlTooLarge(f"{where}{f', line {mark.line + 1}' if mark else ''}: {message}")


def check_yaml_graph(root, where: str = "YAML", *, max_aliases: int = MAX_YAML_ALIASES,
                     max_nodes: int = MAX_YAML_NODES, max_depth: int = MAX_YAML_DEPTH) -> int:
    """Count the aliases, the expanded size and the depth of a composed YAML node graph; raise
    :class:`YamlTooLarge` (naming the line) past the bounds. Works without expanding anything (each node is
    sized once), so a file built to explode is refused in time proportional to its length."""
    import yaml

    if root is None:
        return 0
    expanded: dict[int, int] = {}
    on_path: set[int] = set()
    aliases = 0
    stack: list[tuple[object, bool, int]] = [(root, False, 0)]
    while stack:
        node, finished, depth = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            children = _yaml_children(node)
            size = 1 + sum(expanded[id(c)] for c in children)
            if size > max_nodes:
                raise _yaml_error(where, node, f"expands to more than {max_nodes:,} values (through aliases "
                                  "or sheer size); simplify the file")
            expanded[key] = size
            continue
        if key in expanded:
            aliases += 1
            if aliases > max_aliases:
                raise _yaml_error(where, node, f"more than {max_aliases} aliases (*name); write the values out")
            continue
        if key in on_path:
            raise _yaml_error(where, node, "an alias refers to the value that contains it")
        if depth > max_depth:
            raise _yaml_error(where, node, f"nested more than {max_depth} levels deep")
        if not isinstance(node, (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode)):
            raise _yaml_error(where, node, f"unexpected YAML node {type(node).__name__}")
        on_path.add(key)
        stack.append((node, True, depth))
        for child in reversed(_yaml_children(node)):
            stack.append((child, False, depth + 1))
    return expanded[id(root)]


def _yaml_children(node) -> list:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def compose_yaml(text: str, where: str = "YAML", loader=None):
    """``(node, data)``: the node graph (for line numbers) and the Python value of one YAML document,
    parsed once with the safe ``loader`` (default :func:`yaml_loader`) and bounded by
    :func:`check_yaml_graph`. Raises ``yaml.YAMLError`` or :class:`YamlTooLarge`."""
    loader_class = loader or yaml_loader()
    reader = loader_class(text)
    try:
        try:
            node = reader.get_single_node()
        except RecursionError:
            raise YamlTooLarge(f"{where}: nested too deeply") from None
        check_yaml_graph(node, where)
        data = reader.construct_document(node) if node is not None else None
    finally:
        reader.dispose()
    return node, data


def read_at_most(path: str | os.PathLike, limit: int) -> bytes | None:
    """The bytes of ``path``, or None when it holds more than ``limit`` bytes (read no further than that).

    One bounded read for every file a user hands the kit (case files, slide specifications, settings),
    so a huge or endless file costs at most ``limit + 1`` bytes; OS errors propagate for the caller to word.
    """
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    return None if len(raw) > limit else raw


def load_yaml(text: str, where: str = "YAML"):
    """``yaml.safe_load`` through :func:`yaml_loader`, refusing alias bombs (:func:`check_yaml_graph`)."""
    return compose_yaml(text, where)[1]


# --- zip archives (.pptx) --------------------------------------------------------------------------------------

MAX_ZIP_MEMBER = 256 * 2**20
"""Largest unpacked size of one part of a .pptx (bytes)."""
MAX_ZIP_TOTAL = 1024 * 2**20
"""Largest unpacked size of a whole .pptx (bytes)."""
MAX_ZIP_ENTRIES = 20_000
"""Most parts a .pptx may hold."""

_CHUNK = 1 << 20


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def check_zip(file: IO[bytes], label: str, *, max_member: int | None = None, max_total: int | None = None,
              max_entries: int | None = None) -> None:
    """Check that ``file`` is a sound zip archive of bounded size before anything unpacks it for real.

    Each member is unpacked in bounded steps and thrown away, counting its true size (a member may
    declare a small size and hold a huge one); its CRC is checked. Raises :class:`UserError` naming
    ``label`` for a truncated or malformed archive, an unsupported compression, an encrypted member,
    or a member or total beyond :data:`MAX_ZIP_MEMBER` / :data:`MAX_ZIP_TOTAL`.
    """
    import zipfile

    max_member = MAX_ZIP_MEMBER if max_member is None else max_member
    max_total = MAX_ZIP_TOTAL if max_total is None else max_total
    max_entries = MAX_ZIP_ENTRIES if max_entries is None else max_entries
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise UserError(f"{label}: not a PowerPoint (.pptx) file: not a readable zip archive ({_short(exc)})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise UserError(f"{label}: holds {len(infos):,} parts; a .pptx may hold at most {max_entries:,}")
        declared = 0
        for info in infos:
            if info.file_size > max_member:
                raise UserError(f"{label}: part {_short(info.filename)} unpacks to {_mib(info.file_size)}; "
                                f"a part may be at most {_mib(max_member)} (a zip bomb?)")
            declared += info.file_size
            if declared > max_total:
                raise UserError(f"{label}: unpacks to more than {_mib(max_total)} in all (a zip bomb?)")
        total = 0
        for info in infos:
            total += _member_size(file, info, label, max_member, max_total - total)
    file.seek(0)


def _member_size(file: IO[bytes], info, label: str, max_member: int, total_left: int) -> int:
    """True unpacked size of one member, unpacked ``_CHUNK`` at a time and discarded; CRC checked."""
    import zipfile

    name = _short(info.filename)
    if info.flag_bits & 0x1:
        raise UserError(f"{label}: part {name} is encrypted; PowerPoint files are not")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UserError(f"{label}: part {name} uses a compression PowerPoint files do not use")
    file.seek(info.header_offset)
    header = file.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UserError(f"{label}: not a PowerPoint (.pptx) file: the archive is damaged (part {name})")
    skip = int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    file.seek(info.header_offset + 30 + skip)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size, crc = 0, 0
    try:
        while True:
            if inflater is not None and inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            elif left > 0:
                raw = file.read(min(_CHUNK, left))
                if not raw:
                    raise UserError(f"{label}: not a PowerPoint (.pptx) file: the archive is truncated (part {name})")
                left -= len(raw)
                out = inflater.decompress(raw, _CHUNK) if inflater is not None else raw
            else:
                break
            size += len(out)
            if size > info.file_size:
                raise UserError(f"{label}: part {name} unpacks to more than the {info.file_size:,} bytes it "
                                "declares (a zip bomb?)")
            if size > max_member:
                raise UserError(f"{label}: part {name} unpacks to more than {_mib(max_member)}; "
                                f"a part may be at most {_mib(max_member)} (a zip bomb?)")
            if size > total_left:
                raise UserError(f"{label}: its parts unpack to more than a .pptx may hold in all (a zip bomb?)")
            crc = zlib.crc32(out, crc)
            if inflater is not None and inflater.eof:
                break
    except zlib.error as exc:
        raise UserError(f"{label}: not a PowerPoint (.pptx) file: part {name} is damaged ({_short(exc)})") from None
    if inflater is not None and not inflater.eof:
        raise UserError(f"{label}: not a PowerPoint (.pptx) file: part {name} is truncated")
    if size != info.file_size or crc != info.CRC:
        raise UserError(f"{label}: not a PowerPoint (.pptx) file: part {name} is damaged (size or checksum wrong)")
    return size


def _short(value: object, limit: int = 160) -> str:
    """``value`` as one printable line of at most ``limit`` characters (for error messages)."""
    text = " ".join(str(value).split())
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
                   for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_presentation(path: str | os.PathLike, label: str | None = None):
    """Open a .pptx with python-pptx after :func:`check_zip`; any failure is one :class:`UserError` line."""
    from pptx import Presentation

    path = Path(path)
    label = label or str(path)
    if path.is_dir():
        raise UserError(f"{label}: that is a folder, not a .pptx file")
    if not path.is_file():
        raise UserError(f"{label}: file not found")
    try:
        with open(path, "rb") as handle:
            check_zip(handle, label)
            try:
                return Presentation(handle)
            except UserError:
                raise
            except Exception as exc:  # python-pptx and lxml raise many kinds (MemoryError, RecursionError too)
                raise UserError(f"{label}: not a PowerPoint (.pptx) file ({type(exc).__name__}: {_short(exc)})") from None
    except OSError as exc:
        raise UserError(os_error_message(exc, path, action="read")) from None
