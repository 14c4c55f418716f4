"""Semantic retrieval: sentence embeddings of each profile's phrases and of each need, on the
CPU, offline, in microseconds.

The model is WordLlama "l2_supercat" (256 dimensions): a static model, a table of token
embeddings trained for sentence similarity, mean-pooled over a sentence's tokens. Its weights
and tokenizer come inside the `wordllama` wheel, installed through pyproject.toml; nothing is
downloaded. We read those two files directly (the tokenizer with `tokenizers`) and pool as
WordLlama does: importing the package itself costs 0.4 s (it loads its training configuration),
and its loader looks for the packaged tokenizer in a folder the wheel does not have and then
tries to download it. docs/matching.md compares it with all-MiniLM-L6-v2.

A profile's phrases are its capabilities and its description's sentences. Directories repeat
phrases, so each distinct phrase is embedded once (`PhraseVectors`); a profile keeps the rows
of its phrases. A need's similarity to a profile is the cosine with its closest phrase, which
is also the phrase an explanation quotes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DIM = 256
COARSE_DIM = 128  # dimensions of the per-profile vector that finds candidates
_MAX_TOKENS = 64  # a need or a phrase longer than this is cut: the need is said early
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


def _mapped_table(path: Path, name: str = "embedding.weight") -> np.ndarray:
    """A float16 tensor of a safetensors file, mapped rather than read: an ask looks up a few
    dozen of the table's 32,000 rows, and reading all 16 MB cost every `partnerbot match` 10 ms.
    The format: an 8-byte little-endian header length, a JSON header (dtype, shape, offsets
    from the end of the header), then the data."""
    with open(path, "rb") as fh:
        header_size = int.from_bytes(fh.read(8), "little")
        spec = json.loads(fh.read(header_size))[name]
    if spec["dtype"] != "F16":
        raise RuntimeError(f"{path}: {name} is {spec['dtype']}, not float16")
    start, _end = spec["data_offsets"]
    mapped = np.memmap(path, dtype="<f2", mode="r", offset=8 + header_size + start, shape=tuple(spec["shape"]))
    return np.asarray(mapped)  # a plain array over the mapping: no memmap subclass in the hot loop


class Encoder:
    """Texts to unit vectors (n x DIM, float32)."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        root = _package_dir()
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(_MAX_TOKENS)
        # float16, as shipped: pooled in float32
        self.table = _mapped_table(root / "weights" / f"l2_supercat_{DIM}.safetensors")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for i, enc in enumerate(encodings):
            if enc.ids:
                ids = np.fromiter(enc.ids, dtype=np.int32, count=len(enc.ids))
                np.clip(ids, 0, len(self.table) - 1, out=ids)
                out[i] = self.table[ids].astype(np.float32).mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def encoder() -> Encoder:
    """The process's encoder, loaded on first use (about 0.05 s: the tokenizer; the table is mapped)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = Encoder()
    return _encoder


def profile_phrases(capabilities: Sequence[str], description: str) -> list[str]:
    """What a profile says it does, phrase by phrase: capabilities, then description sentences."""
    phrases = [c.strip() for c in capabilities if c.strip()]
    phrases += [s.strip() for s in _SENTENCE.split(description or "") if len(s.strip()) >= 12]
    return phrases


def _grown(matrix: np.ndarray, rows: int) -> np.ndarray:
    """`matrix` with room for `rows` rows: itself, or a copy twice as large."""
    if rows <= len(matrix):
        return matrix
    bigger = np.zeros((max(rows, 2 * len(matrix), 1024), matrix.shape[1]), dtype=matrix.dtype)
    bigger[: len(matrix)] = matrix
    return bigger


class PhraseVectors:
    """Distinct phrases and their vectors; per slot (a profile in the directory index) the rows
    of its phrases and a coarse profile vector.

    Finding candidates reads one coarse vector per profile (the mean of its phrases, cut to
    COARSE_DIM dimensions: half the memory traffic of the whole vectors at 100k profiles);
    scoring a candidate reads its phrases whole and keeps the closest.

    Phrases are embedded in batches (`embed_pending`), not one by one as profiles are added.
    Rows and slots are only ever appended, so a fork of the directory index shares the two
    matrices with its parent (a reader of the parent reads only rows it had; a matrix that
    must grow is copied) and copies the small bookkeeping."""

    def __init__(self) -> None:
        self.row_of: dict[str, int] = {}
        self.phrases: list[str] = []
        # By row; half precision: a cosine needs no more, and 100k phrases take 51 MB, not 103.
        self.vectors = np.zeros((0, DIM), dtype=np.float16)
        self.embedded = 0  # rows with a vector
        self.coarse = np.zeros((0, COARSE_DIM), dtype=np.float32)  # by slot
        self.coarse_done = 0  # slots with a coarse vector
        self.slot_start = array("q")  # per slot: where its rows start in `rows`
        self.slot_count = array("i")
        self.rows = array("i")
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_lock"]
        state["vectors"] = self.vectors[: self.embedded]  # not the spare room
        state["coarse"] = self.coarse[: self.coarse_done]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def fork(self) -> PhraseVectors:
        new = object.__new__(PhraseVectors)
        new.__dict__.update(self.__dict__)
        new.row_of, new.phrases = dict(self.row_of), list(self.phrases)
        new.slot_start, new.slot_count, new.rows = array("q", self.slot_start), array("i", self.slot_count), array("i", self.rows)
        new._lock = threading.Lock()
        return new

    def without_slots(self) -> PhraseVectors:
        """The same phrases and vectors, no slots (an index compacting its slots)."""
        new = self.fork()
        new.slot_start, new.slot_count, new.rows = array("q"), array("i"), array("i")
        new.coarse, new.coarse_done = np.zeros((0, COARSE_DIM), dtype=np.float32), 0
        return new

    def add(self, slot: int, phrases: Sequence[str]) -> None:
        while len(self.slot_start) < slot:  # slots added without phrases
            self.slot_start.append(len(self.rows))
            self.slot_count.append(0)
        rows: list[int] = []
        for phrase in phrases:
            row = self.row_of.get(phrase)
            if row is None:
                row = self.row_of[phrase] = len(self.phrases)
                self.phrases.append(phrase)
            if row not in rows:
                rows.append(row)
        self.slot_start.append(len(self.rows))
        self.slot_count.append(len(rows))
        self.rows.extend(rows)

    @property
    def pending(self) -> int:
        return len(self.phrases) - self.embedded + len(self.slot_start) - self.coarse_done

    def embed_pending(self, batch: int = 1024, progress=None) -> int:
        """Embed the phrases and profiles added since the last call; returns how many phrases.
        `progress(done, total)` is called after each batch."""
        with self._lock:
            todo = len(self.phrases) - self.embedded
            if todo > 0:
                enc = encoder()
                vectors = _grown(self.vectors, len(self.phrases))
                for start in range(self.embedded, len(self.phrases), batch):
                    end = min(start + batch, len(self.phrases))
                    vectors[start:end] = enc.embed(self.phrases[start:end])
                    if progress is not None:
                        progress(end - self.embedded, todo)
                self.vectors = vectors
                self.embedded = len(self.phrases)
            n_slots = len(self.slot_start)
            if n_slots > self.coarse_done:
                coarse = _grown(self.coarse, n_slots)
                rows = np.frombuffer(self.rows, dtype=np.int32)
                for slot in range(self.coarse_done, n_slots):
                    start, count = self.slot_start[slot], self.slot_count[slot]
                    if count:
                        v = self.vectors[rows[start:start + count], :COARSE_DIM].astype(np.float32).mean(axis=0)
                        norm = float(np.linalg.norm(v))
                        coarse[slot] = v / norm if norm > 0 else 0.0
                del rows
                self.coarse = coarse
                self.coarse_done = n_slots
            return max(todo, 0)

    def _ready(self) -> None:
        if self.embedded < len(self.phrases) or self.coarse_done < len(self.slot_start):
            self.embed_pending()

    def coarse_scores(self, query: np.ndarray, n_slots: int) -> np.ndarray:
        """Per slot (the first `n_slots`): a rough cosine of `query` with the profile, for
        finding candidates."""
        self._ready()
        out = np.zeros(n_slots, dtype=np.float32)
        known = min(n_slots, self.coarse_done)
        if known:
            q = query[:COARSE_DIM]
            norm = float(np.linalg.norm(q))
            if norm > 0:
                out[:known] = self.coarse[:known] @ (q / norm)
        return out

    def best(self, query: np.ndarray, slots: Sequence[int]) -> np.ndarray:
        """For each of `slots`: the cosine of `query` with the slot's closest phrase."""
        self._ready()
        out = np.zeros(len(slots), dtype=np.float32)
        if not len(slots):
            return out
        picked = np.asarray(slots, dtype=np.int64)
        starts = np.frombuffer(self.slot_start, dtype=np.int64)[picked]
        counts = np.frombuffer(self.slot_count, dtype=np.int32)[picked].astype(np.int64)
        total = int(counts.sum())
        if not total:
            return out
        # Every row of every slot at once: row k of slot i is rows[starts[i] + k].
        offsets = np.cumsum(counts) - counts
        gathered = np.frombuffer(self.rows, dtype=np.int32)[np.repeat(starts - offsets, counts) + np.arange(total)]
        sims = self.vectors[gathered].astype(np.float32) @ query
        has = counts > 0
        out[has] = np.maximum.reduceat(sims, offsets[has])
        return out

    def closest(self, query: np.ndarray, slot: int) -> tuple[float, str]:
        """The slot's phrase closest to `query`, and its cosine."""
        self._ready()
        if slot >= len(self.slot_start) or not self.slot_count[slot]:
            return 0.0, ""
        start = self.slot_start[slot]
        rows = list(self.rows[start:start + self.slot_count[slot]])
        sims = self.vectors[rows].astype(np.float32) @ query
        i = int(np.argmax(sims))
        return float(sims[i]), self.phrases[rows[i]]
