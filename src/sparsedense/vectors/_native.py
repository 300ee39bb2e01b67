"""The native vectors file: a ``.npz`` of the keys and the table, read without trusting it.

Members: ``meta.npy`` (the JSON meta as uint8: format, version, dtype, shape,
keys), ``weight.npy`` (the table) and, when the vectors have per-key
attributes (gensim's ``expandos``, e.g. counts), one ``expando_<i>.npy`` per
numeric attribute (1-D, one value per key), named in the meta's
``"expandos"`` list (``{"name", "member"}``; an object attribute, gensim's
type for str values, is ``{"name", "values"}``, its values a JSON list of
str, numbers and null). A reader without
attributes refuses a file with attribute members (its member check), so the
version stays 1.

A quantized table (:class:`~sparsedense.QuantizedTable`) is stored as it is
held: ``weight.npy`` is its uint8 fused rows (int8, int4) or its float16
rows, and the meta says ``"quantized"`` (the row format) and
``"embedding_dim"``; the loader rebuilds the table (mapped in place with
``mmap_mode``). A reader without quantized tables refuses such a file for
its table's dtype.

Every ``.npy`` member's header (shape, dtype) is checked against its zip entry
and the entry against the file's real size before numpy reads or maps
anything, so a cut or hand-edited file is a clear error naming the file, never
an allocation sized by a lying header or numpy's bare mmap message.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import zipfile
from typing import Any

import numpy as np

from .._base.files import read_npy_header
from .._base.errors import TruncatedFileError

_NATIVE_FORMAT = "sparsedense.Vectors"
_NATIVE_VERSION = 1
_ZIP_MAGIC = b"PK\x03\x04"
#: the members holding per-key attributes, and the dtype kinds they may hold
_EXPANDO_MEMBER = re.compile(r"expando_[0-9]{1,6}\.npy")
_EXPANDO_KINDS = "biuf"


def _load_native(src, limit: int | None, dtype: np.dtype, mmap_mode: str | None,
                 source: str, expandos: dict | None = None) -> tuple[list, np.ndarray]:
    """Keys and table of a native ``.npz`` (a path, or a ``BytesIO`` when in memory).

    Nothing the archive says is trusted before it is checked against the bytes
    present: each ``.npy`` header's shape must fit in its zip member, and each
    member in the archive, before anything is allocated or mapped. The per-key
    attributes (read into memory, also with ``mmap_mode``) go into
    ``expandos`` when given.
    """
    meta, table, (shape, fortran, table_dtype, data_start), attrs = _read_archive(
        src, mmap_mode is None, source)
    keys = _keys_of(meta, shape, source)
    quantized = _quantized_kind(meta, shape, table_dtype, source)
    if expandos is not None:
        expandos.update({name: values[:limit] for name, values in attrs.items()})
    if table is None:
        if data_start is None:
            raise ValueError(f"{source}: weight.npy is compressed, it cannot be memory-mapped; "
                             "pass mmap_mode=None")
        table = np.memmap(src, dtype=table_dtype, mode=mmap_mode, offset=data_start,
                          shape=shape, order="F" if fortran else "C")
    if limit is not None:
        keys, table = keys[:limit], table[:limit]
    if quantized is not None:  # kept as stored, whatever ``dtype``
        from ..quantized import QuantizedTable

        return keys, QuantizedTable(table, quantized, meta["embedding_dim"])
    if table.dtype != dtype:
        if mmap_mode is not None:
            raise ValueError(f"{source}: the table is {table.dtype}; with mmap_mode it cannot "
                             f"be converted: pass dtype=np.{table.dtype}")
        table = table.astype(dtype)
    return keys, table


def _read_archive(src, read_table: bool,
                  source: str) -> tuple[Any, np.ndarray | None, tuple, dict]:
    """The archive's meta (parsed JSON), its table (None unless ``read_table``), the
    table's checked ``.npy`` header (see :func:`_npy_member`) and the per-key
    attributes (name -> 1-D array, checked)."""
    if isinstance(src, io.BytesIO):  # (getbuffer() would copy the bytes it shares)
        size = src.seek(0, io.SEEK_END)
        src.seek(0)
    else:
        size = os.path.getsize(src)
    try:
        zf = zipfile.ZipFile(src)
    except Exception as exc:  # a damaged zip can fail in many ways (zlib, struct, ...)
        raise _not_native(source, exc) from None
    with zf:
        names = sorted(zf.namelist())
        if ("meta.npy" not in names or "weight.npy" not in names or len(names) != len(set(names))
                or not all(n in ("meta.npy", "weight.npy") or _EXPANDO_MEMBER.fullmatch(n)
                           for n in names)):
            raise ValueError(f"{source}: not a valid native vectors file (members "
                             f"{names[:10]}; expected meta.npy, weight.npy and "
                             "expando_<i>.npy)")
        meta_head = _npy_member(zf, "meta.npy", size, source)
        if meta_head[2] != np.uint8 or len(meta_head[0]) != 1:
            raise ValueError(f"{source}: damaged native vectors file (meta.npy holds "
                             f"{meta_head[2]} {meta_head[0]}; expected 1-D uint8)")
        head = _npy_member(zf, "weight.npy", size, source)
        shape, table_dtype = head[0], head[2]
        if table_dtype not in (np.float32, np.float64, np.uint8, np.float16) or len(shape) != 2:
            raise ValueError(f"{source}: damaged native vectors file (weight.npy holds "
                             f"{table_dtype} {shape}; expected a 2-D float32 or float64 table, "
                             "or the uint8 or float16 rows of a quantized one)")
        try:
            with zf.open("meta.npy") as fh:
                meta = json.loads(np.lib.format.read_array(fh, allow_pickle=False).tobytes()
                                  .decode("utf-8"))
            table = None
            if read_table:
                with zf.open("weight.npy") as fh:
                    table = np.lib.format.read_array(fh, allow_pickle=False)
        except Exception as exc:
            raise _not_native(source, exc) from None
        attrs = _read_expandos(zf, meta, [n for n in names if n.startswith("expando_")],
                               shape[0], size, source)
    return meta, table, head, attrs


def _read_expandos(zf: zipfile.ZipFile, meta: Any, members: list, n_keys: int, size: int,
                   source: str) -> dict[str, np.ndarray]:
    """The per-key attributes the meta lists, each checked: a 1-D numeric member of
    ``n_keys`` values (no pickle) or a JSON list of ``n_keys`` str (or null)."""
    listed = meta.get("expandos", []) if isinstance(meta, dict) else []
    damaged = f"{source}: damaged native vectors file (the meta's 'expandos' "
    if not isinstance(listed, list):
        raise ValueError(damaged + "must be a list)")
    out: dict[str, np.ndarray] = {}
    used = []
    for entry in listed:
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                or entry["name"] in out or len(entry) != 2
                or ("member" in entry) == ("values" in entry)):
            raise ValueError(damaged + f"entry {str(entry)[:80]} is not a distinct "
                             "{'name': str, 'member' or 'values': ...})")
        name = entry["name"]
        if "values" in entry:
            values = entry["values"]
            if (not isinstance(values, list) or len(values) != n_keys
                    or not all(isinstance(v, (str, int, float, type(None))) for v in values)):
                raise ValueError(damaged + f"{name!r} must list {n_keys} str, number or null "
                                 "values, one per key)")
            array = np.empty(n_keys, dtype=object)
            array[:] = values
            out[name] = array
            continue
        member = entry["member"]
        if member not in members or member in used:
            raise ValueError(damaged + f"{name!r} names member {str(member)[:80]}, which the "
                             "archive does not hold or another attribute uses)")
        used.append(member)
        shape, _, dtype, _ = _npy_member(zf, member, size, source)
        if shape != (n_keys,) or dtype.kind not in _EXPANDO_KINDS:
            raise ValueError(f"{source}: damaged native vectors file ({member} (attribute "
                             f"{name!r}) holds {dtype} {shape}; expected 1-D bool, int or "
                             f"float, one value per key: shape ({n_keys},))")
        try:
            with zf.open(member) as fh:
                out[name] = np.lib.format.read_array(fh, allow_pickle=False)
        except Exception as exc:
            raise _not_native(source, exc, member) from None
    if sorted(used) != sorted(members):
        raise ValueError(damaged + f"does not name the members {sorted(set(members) - set(used))})")
    return out


def _quantized_kind(meta: dict, shape: tuple, table_dtype: np.dtype,
                    source: str) -> str | None:
    """The row format of a quantized table ('int8', 'int4', 'float16'), None for a float one;
    checked against the stored table's dtype and width."""
    kind = meta.get("quantized")
    float_table = table_dtype in (np.float32, np.float64)
    if kind is None:
        if not float_table:
            raise ValueError(f"{source}: damaged native vectors file (weight.npy holds "
                             f"{table_dtype}, but the meta names no quantized row format)")
        return None
    dim = meta.get("embedding_dim")
    stored = np.float16 if kind == "float16" else np.uint8
    widths = {"int8": [(dim or 0) + 8], "int4": [((dim or 0) + 1) // 2 + 4],
              "float16": [dim]}.get(kind if isinstance(kind, str) else "", [])
    if (type(dim) is not int or dim < 0 or table_dtype != stored
            or shape[1] not in widths):
        raise ValueError(f"{source}: damaged native vectors file (the meta says quantized="
                         f"{kind!r}, embedding_dim={dim!r}, but weight.npy holds {table_dtype} "
                         f"rows of width {shape[1]})")
    return kind


def _keys_of(meta: Any, shape: tuple, source: str) -> list:
    """The keys the meta lists: one str per row of a table of ``shape``."""
    if not isinstance(meta, dict) or meta.get("format") != _NATIVE_FORMAT:
        raise ValueError(f"{source}: not a native vectors file (its meta lacks 'format': "
                         f"{_NATIVE_FORMAT!r})")
    if meta.get("version") != _NATIVE_VERSION:
        raise ValueError(f"{source}: unsupported native version {meta.get('version')!r} "
                         f"(this version reads {_NATIVE_VERSION})")
    keys = meta.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValueError(f"{source}: damaged native vectors file (the meta's 'keys' must be a "
                         "list of str)")
    if len(keys) != shape[0] or meta.get("shape", list(shape)) != list(shape):
        said = f" and shape {meta['shape']}" if "shape" in meta else ""
        raise ValueError(f"{source}: damaged native vectors file (the meta lists {len(keys)} "
                         f"keys{said}, but weight.npy holds a table of shape {shape}; "
                         "expected one key per row)")
    return keys


#: deflate expands at most about 1032 to 1
_MAX_DEFLATE_RATIO = 1032


def _npy_member(zf: zipfile.ZipFile, member: str, size: int,
                source: str) -> tuple[tuple, bool, np.dtype, int | None]:
    """``(shape, fortran_order, dtype, data_start)`` of a ``.npy`` member, checked.

    The member must lie inside the archive's ``size`` bytes, and the array its
    header describes must fit in the member (a header promising more is a
    :class:`TruncatedFileError`), so reading or mapping it cannot run past the
    file or allocate more than the file can hold. ``data_start`` is the offset
    of the array's first byte in the archive for a stored (uncompressed)
    member, None for a compressed one.
    """
    info = zf.getinfo(member)
    stored = info.compress_type == zipfile.ZIP_STORED
    if (info.header_offset + info.compress_size > size
            or (stored and info.file_size != info.compress_size)
            or (info.compress_type == zipfile.ZIP_DEFLATED
                and info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024)):
        raise TruncatedFileError(
            f"{source}: damaged native vectors file ({member}: the zip directory says "
            f"{info.compress_size} bytes at byte {info.header_offset} ({info.file_size} "
            f"uncompressed), but the file has {size} bytes)")
    try:
        with zf.open(member) as fh:
            shape, fortran, dtype, header_len = read_npy_header(fh)
    except Exception as exc:
        raise _not_native(source, exc, member) from None
    if any(d < 0 for d in shape) or dtype.hasobject:
        raise ValueError(f"{source}: damaged native vectors file ({member}'s header says "
                         f"shape {shape}, dtype {dtype})")
    nbytes = math.prod(shape) * dtype.itemsize
    room = info.file_size - header_len
    if nbytes > room:
        row = math.prod(shape[1:]) * dtype.itemsize
        rows = f" (room for {room // row} rows)" if len(shape) > 1 and row else ""
        raise TruncatedFileError(
            f"{source}: {member}'s header says shape {shape} ({nbytes} bytes of {dtype}), but "
            f"the member holds {room} bytes after its header{rows}: truncated or damaged file")
    data_start = None
    if stored:
        # the member's bytes start after its local header, whose name and extra field
        # lengths may differ from the central directory's
        local = _local_header(zf, info, source)
        data_start = info.header_offset + 30 + local[0] + local[1] + header_len
        if data_start + nbytes > size:
            raise TruncatedFileError(
                f"{source}: {member}'s table ({nbytes} bytes from byte {data_start}) runs past "
                f"the end of the file ({size} bytes): truncated file")
    return shape, fortran, dtype, data_start


def _local_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> tuple[int, int]:
    """``(name length, extra field length)`` of a member's local header."""
    fp = zf.fp
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) != 30 or local[:4] != _ZIP_MAGIC:
        raise ValueError(f"{source}: damaged zip archive (no local header where its "
                         "directory points)")
    return struct.unpack("<HH", local[26:30])


def _not_native(source: str, exc: Exception, member: str | None = None) -> ValueError:
    where = f"{member}: " if member else ""
    return ValueError(f"{source}: not a valid native vectors file ({where}"
                      f"{type(exc).__name__}: {exc})")
