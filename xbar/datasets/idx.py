"""Reader and writer of the IDX format of the MNIST family (gzipped or plain).

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>`` followed by ``ndim``
big-endian uint32 dimensions and the data in C order. MNIST and Fashion-MNIST use type
``0x08`` (unsigned byte): images have magic 2051 (3 dimensions), labels 2049 (1 dimension).
Files are recognised as gzip by their first two bytes (``1f 8b``), whatever their name.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from xbar.errors import DataError

__all__ = ["IDX_TYPES", "MAGIC_IMAGES", "MAGIC_LABELS", "read_idx", "write_idx"]

MAGIC_IMAGES = 2051
"""Magic number of an IDX file of unsigned-byte images (``(count, rows, cols)``)."""
MAGIC_LABELS = 2049
"""Magic number of an IDX file of unsigned-byte labels (``(count,)``)."""

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MAX_BYTES = 2 << 30  # refuse files that would decompress to more than 2 GiB


def _read_bytes(path: Path) -> bytes:
    try:
        if not path.exists():
            raise DataError(f"{path}: no such file")
        if not path.is_file():
            raise DataError(f"{path}: not a regular file")
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                data = fh.read(_MAX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: corrupt or truncated gzip data ({exc})") from None
        if len(data) > _MAX_BYTES:
            raise DataError(f"{path}: decompresses to more than {_MAX_BYTES >> 30} GiB; refusing to load")
        return data
    return raw


def read_idx(path: str | os.PathLike[str], *, expect_magic: int | None = None) -> npt.NDArray[np.generic]:
    """Read one IDX file (gzipped or plain) into a numpy array of its native type.

    Parameters
    ----------
    path : path-like
        The file.
    expect_magic : int, optional
        Required magic number (:data:`MAGIC_IMAGES` or :data:`MAGIC_LABELS`).

    Returns
    -------
    ndarray
        ``uint8`` for MNIST-type files, shape from the header.

    Raises
    ------
    DataError
        Missing, unreadable, truncated or corrupt file, or a wrong magic number; the message
        names the path and what was expected.
    """
    p = Path(path)
    data = _read_bytes(p)
    if len(data) < 4:
        raise DataError(f"{p}: truncated IDX file ({len(data)} bytes; expected a 4-byte magic number)")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES or not 1 <= data[3] <= 8:
        raise DataError(f"{p}: not an IDX file (magic number 0x{magic:08x}; expected "
                        f"0x0000TTDD with a known type TT and 1-8 dimensions DD)")
    if expect_magic is not None and magic != expect_magic:
        raise DataError(f"{p}: wrong IDX magic number {magic}; expected {expect_magic} "
                        f"({'images' if expect_magic == MAGIC_IMAGES else 'labels'})")
    ndim = data[3]
    head = 4 + 4 * ndim
    if len(data) < head:
        raise DataError(f"{p}: truncated IDX header ({len(data)} bytes; expected {head})")
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    dtype = IDX_TYPES[data[2]]
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    have = len(data) - head
    if have < need:
        raise DataError(f"{p}: truncated IDX data ({have} bytes after the header; the header "
                        f"announces {shape} of {dtype.name}, {need} bytes)")
    if have > need:
        raise DataError(f"{p}: {have - need} unexpected bytes after the IDX data of shape {shape}")
    arr = np.frombuffer(data, dtype=dtype, count=need // dtype.itemsize, offset=head).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | os.PathLike[str], array: npt.ArrayLike, *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzipped when ``compress`` or the name ends in ``.gz``)."""
    arr = np.asarray(array)
    code = next((k for k, d in IDX_TYPES.items() if d.newbyteorder("=") == arr.dtype.newbyteorder("=")), None)
    if code is None:
        raise DataError(f"{path}: dtype {arr.dtype} has no IDX type code")
    if not 1 <= arr.ndim <= 8:
        raise DataError(f"{path}: IDX holds 1-8 dimensions, got {arr.ndim}")
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    body = header + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()
    p = Path(path)
    gz = p.suffix == ".gz" if compress is None else compress
    p.write_bytes(gzip.compress(body, mtime=0) if gz else body)
