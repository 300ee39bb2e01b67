"""gensim's file-method names on :class:`~sparsedense.Vectors`, and the ``fvocab`` count file.

``save_word2vec_format`` / ``load_word2vec_format`` take gensim 4.4's
arguments and map them onto :func:`~sparsedense.vectors.save_vectors`'s
writers and :func:`~sparsedense.vectors.load_vectors`. The ``fvocab`` file
is the C tool's ``-save-vocab`` output: ``"word count"`` per line, in UTF-8;
its counts are the ``"count"`` attribute of the keys (``get_vecattr``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._base.errors import FileDecodeError, InvalidParameterError
from .._base.files import atomic_write, open_binary
from .._base.validation import is_bool, is_int
from ._checks import _check_dtype, _check_encoding

#: the attribute that holds word counts (gensim's name)
COUNT = "count"


def read_fvocab(fvocab: str | os.PathLike, unicode_errors: str) -> dict[str, int]:
    """``word -> count`` of a ``"word count"``-per-line file (blank lines skipped).

    Words are decoded as UTF-8 with ``unicode_errors``, as gensim does.
    """
    counts: dict[str, int] = {}
    with open_binary(fvocab) as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8", errors=unicode_errors)
            except UnicodeDecodeError as exc:
                raise FileDecodeError(
                    f"{os.fspath(fvocab)}: line {n}: {raw[exc.start:exc.end]!r} is not valid "
                    f"UTF-8 ({exc.reason}); pass unicode_errors='replace' or 'ignore' to read "
                    "it anyway", exc.encoding, exc.object, exc.start, exc.end,
                    exc.reason) from None
            parts = line.strip().split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ValueError(f"{os.fspath(fvocab)}: line {n}: expected 'word count'; got "
                                 f"{line.strip()!r:.80}")
            counts[parts[0]] = int(parts[1])
    return counts


def _check_flag(value: Any, name: str) -> bool:
    if not (is_bool(value) or (is_int(value) and value in (0, 1))):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


class GensimFiles:
    """``save_word2vec_format`` and ``load_word2vec_format``, gensim's names and arguments."""

    def save_word2vec_format(self, fname: str | os.PathLike,
                             fvocab: str | os.PathLike | None = None, binary: bool = False,
                             total_vec: int | None = None, write_header: bool = True,
                             prefix: str = "", append: bool = False,
                             sort_attr: str = "count") -> None:
        """Write the vectors in word2vec format (gensim's method and arguments).

        Parameters
        ----------
        fname : str or path-like
            The vector file (written atomically unless ``append``; ``.gz``,
            ``.bz2``, ``.xz`` names are compressed).
        fvocab : str or path-like, optional
            Also write ``"word count"`` per line (attribute ``sort_attr``),
            the C tool's vocabulary file. Needs that attribute (ValueError
            otherwise, as gensim).
        binary : bool, default=False
            The binary format (float32 values) instead of text.
        total_vec : int, optional
            The count written in the header (default: the number of keys).
        write_header : bool, default=True
            False leaves out the ``"N D"`` line (GloVe's text format).
        prefix : str, default=''
            Written before every key (in both files).
        append : bool, default=False
            Append to ``fname`` (and ``fvocab``) instead of replacing them.
        sort_attr : str, default='count'
            Keys are written by descending value of this attribute when the
            keys have it (ties in table order), else in table order.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from sparsedense import Vectors
        >>> kv = Vectors(["a", "b"], np.array([[1, 0.5], [0, 1]], dtype=np.float32))
        >>> kv.set_vecattr("a", "count", 3); kv.set_vecattr("b", "count", 9)
        >>> d = tempfile.mkdtemp()
        >>> kv.save_word2vec_format(os.path.join(d, "v.txt"),
        ...                         fvocab=os.path.join(d, "v.vocab"))
        >>> open(os.path.join(d, "v.txt")).read()
        '2 2\\nb 0 1\\na 1 0.5\\n'
        >>> open(os.path.join(d, "v.vocab")).read()
        'b 9\\na 3\\n'
        """
        from ._write import write_word2vec

        binary = _check_flag(binary, "binary")
        write_header = _check_flag(write_header, "write_header")
        append = _check_flag(append, "append")
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str; got {type(prefix).__name__} {prefix!r}")
        if not isinstance(sort_attr, str):
            raise TypeError(f"sort_attr must be a str; got {type(sort_attr).__name__} "
                            f"{sort_attr!r}")
        if total_vec is None:
            total_vec = len(self)
        elif not is_int(total_vec) or total_vec < 0:
            raise ValueError(f"total_vec must be None or an int >= 0; got {total_vec!r}")
        values = self.expandos.get(sort_attr)
        if values is None and fvocab is not None:
            raise ValueError(f"Cannot store vocabulary with {sort_attr!r} because that attribute "
                             f"does not exist (fvocab={os.fspath(fvocab)!r}); attributes stored: "
                             f"{', '.join(map(repr, self.expandos)) or 'none'}")
        if values is not None:
            self.allocate_vecattrs()
            values = self.expandos[sort_attr]
            order = np.array(sorted(range(len(self)), key=lambda i: -values[i]), dtype=np.int64) \
                if values.dtype == object else np.argsort(-values, kind="stable")
        else:
            order = np.arange(len(self))
        identity = bool(np.array_equal(order, np.arange(len(self))))
        keys = [prefix + self.index_to_key[i] for i in order]
        if fvocab is not None:
            text = "".join(f"{k} {values[i]}\n" for k, i in zip(keys, order.tolist()))
            if append:
                with open(fvocab, "ab") as fh:
                    fh.write(text.encode("utf-8"))
            else:
                with atomic_write(fvocab, "wb", encoding=None) as fh:
                    fh.write(text.encode("utf-8"))
        weight = self.weight if identity else self.weight[order]
        header = f"{int(total_vec)} {self.vector_size}\n" if write_header else None
        write_word2vec(fname, keys, weight, binary, header, append)

    @classmethod
    def load_word2vec_format(cls, fname: str | os.PathLike, fvocab: str | os.PathLike | None = None,
                             binary: bool = False, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: int | None = None,
                             datatype: Any = np.float32, no_header: bool = False):
        """Read a word2vec-format file (gensim's classmethod and arguments).

        The file is read by :func:`~sparsedense.vectors.load_vectors`
        (``binary`` picks 'word2vec-binary', ``no_header`` 'glove'); its
        rules apply (a repeated word is an error, ``limit=0`` reads no
        vector). Every key gets a ``"count"`` attribute: from ``fvocab`` when
        given (a key missing from it is a ValueError), else gensim's made-up
        descending counts ``N - row``.

        Parameters
        ----------
        fname, fvocab : str or path-like
        binary : bool, default=False
        encoding, unicode_errors : str
            Of the words of ``fname`` (``fvocab`` is UTF-8, decoded with
            ``unicode_errors``, as gensim does).
        limit : int, optional
        datatype : {np.float32, np.float64}, default=np.float32
        no_header : bool, default=False
            The file has no ``"N D"`` line (text only: NotImplementedError
            with ``binary``, as gensim).

        Returns
        -------
        An instance of ``cls`` (a subclass gets the table through
        :class:`Vectors`' constructor).

        Examples
        --------
        >>> import tempfile, os
        >>> from sparsedense import Vectors
        >>> d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "v.txt"), "w").write("2 2\\nb 0 1\\na 1 0.5\\n")
        >>> _ = open(os.path.join(d, "v.vocab"), "w").write("a 3\\nb 9\\n")
        >>> kv = Vectors.load_word2vec_format(os.path.join(d, "v.txt"),
        ...                                   fvocab=os.path.join(d, "v.vocab"))
        >>> kv.index_to_key, int(kv.get_vecattr("a", "count"))
        (['b', 'a'], 3)
        """
        from ._io import load_vectors
        from ._vectors import Vectors

        binary = _check_flag(binary, "binary")
        no_header = _check_flag(no_header, "no_header")
        _check_encoding(encoding, unicode_errors)
        try:
            datatype = _check_dtype(datatype)
        except InvalidParameterError:
            raise InvalidParameterError(f"datatype must be np.float32 or np.float64; got "
                                        f"{datatype!r} (gensim's float16 is not offered)") from None
        if no_header and binary:
            raise NotImplementedError("no_header only available for text-format files "
                                      "(binary=True was given)")
        counts = None if fvocab is None else read_fvocab(fvocab, unicode_errors)
        fmt = "glove" if no_header else "word2vec-binary" if binary else "word2vec"
        loaded = load_vectors(fname, format=fmt, limit=limit, dtype=datatype, encoding=encoding,
                              unicode_errors=unicode_errors)
        if cls is not type(loaded):
            kv = cls.__new__(cls)
            Vectors.__init__(kv, loaded.index_to_key, loaded.weight)
        else:
            kv = loaded
        n = len(kv)
        if counts is None:
            kv.expandos[COUNT] = np.arange(n, 0, -1, dtype=np.int64)
        else:
            missing = [w for w in kv.index_to_key if w not in counts]
            if missing:
                raise ValueError(f"fvocab {os.fspath(fvocab)!r} is incomplete: it has no count "
                                 f"for {len(missing)} of the {n} words, e.g. {missing[0]!r}")
            kv.expandos[COUNT] = np.array([counts[w] for w in kv.index_to_key], dtype=np.int64)
        return kv

    def intersect_word2vec_format(self, fname: str | os.PathLike, lockf: float = 0.0,
                                  binary: bool = False, encoding: str = "utf8",
                                  unicode_errors: str = "strict") -> int:
        """Overwrite the rows of the keys that a word2vec file also holds (gensim's method).

        Keys not in the file keep their rows, and the file's other words are
        not added. As in gensim, ``vectors_lockf`` (one value per key, 1.0 if
        absent) gets ``lockf`` at the overwritten rows; sparsedense's trainers
        do not read it (they lock no row).

        Returns
        -------
        int
            The number of rows overwritten (gensim logs it).

        Raises
        ------
        ValueError
            The file's vector size differs from ``vector_size`` (gensim's
            message), or the file is damaged.

        Examples
        --------
        >>> import os, tempfile, numpy as np
        >>> from sparsedense import Vectors
        >>> path = os.path.join(tempfile.mkdtemp(), "pre.txt")
        >>> pre = Vectors(["b", "z"], np.full((2, 2), 9, np.float32))
        >>> pre.save_word2vec_format(path)
        >>> kv = Vectors(["a", "b"], np.zeros((2, 2), np.float32))
        >>> kv.intersect_word2vec_format(path)
        1
        >>> kv.vectors.tolist()
        [[0.0, 0.0], [9.0, 9.0]]
        """
        from ._io import load_vectors

        binary = _check_flag(binary, "binary")
        if isinstance(lockf, bool) or not isinstance(lockf, (int, float, np.floating)):
            raise TypeError(f"lockf must be a number; got {type(lockf).__name__} {lockf!r}")
        _check_encoding(encoding, unicode_errors)
        loaded = load_vectors(fname, format="word2vec-binary" if binary else "word2vec",
                              encoding=encoding, unicode_errors=unicode_errors)
        if loaded.vector_size != self.vector_size:
            raise ValueError(f"incompatible vector size {loaded.vector_size} in file {fname} "
                             f"(these vectors have {self.vector_size})")
        pairs = [(self.key_to_index[k], i) for i, k in enumerate(loaded.index_to_key)
                 if k in self.key_to_index]
        lockf_now = getattr(self, "vectors_lockf", None)
        if lockf_now is None or np.shape(lockf_now) != (len(self),):
            lockf_now = np.ones(len(self), dtype=np.float32)
        if pairs:
            rows, src = map(list, zip(*pairs))
            weight = self.weight if self.weight.flags.writeable else np.array(self.weight)
            weight[rows] = loaded.weight[src]
            self.weight = weight
            lockf_now[rows] = lockf
            self._invalidate()
        self.vectors_lockf = lockf_now
        return len(pairs)
