"""An independent walk of a MySQL/MariaDB binlog file for the fixture tests: event headers, the
events inside TRANSACTION_PAYLOAD (zstd through libzstd with ctypes), and the optional metadata of
TABLE_MAPs. Written from the format descriptions (binlog.h), sharing no code with rowcast's C
parser, so the counts it gives check that parser rather than repeat it."""
import ctypes
import ctypes.util
import struct

ROWS_TYPES = set(range(23, 26)) | set(range(30, 33)) | {39} | set(range(166, 172))
PAYLOAD = 40

_zstd = None


def _unzstd(data, size):
    global _zstd
    if _zstd is None:
        _zstd = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
        _zstd.ZSTD_decompress.restype = ctypes.c_size_t
        _zstd.ZSTD_isError.restype = ctypes.c_uint
    out = ctypes.create_string_buffer(size)
    n = _zstd.ZSTD_decompress(out, ctypes.c_size_t(size), data, ctypes.c_size_t(len(data)))
    if _zstd.ZSTD_isError(ctypes.c_size_t(n)):
        raise ValueError("zstd error")
    return out.raw[:n]


def _lenenc(b, i):
    c = b[i]
    if c < 251:
        return c, i + 1
    if c == 0xFC:
        return struct.unpack_from("<H", b, i + 1)[0], i + 3
    if c == 0xFD:
        return int.from_bytes(b[i + 1:i + 4], "little"), i + 4
    return struct.unpack_from("<Q", b, i + 1)[0], i + 9


def _payload_events(body):
    """The inner events of a TRANSACTION_PAYLOAD body (no checksum)."""
    i, size, comp, unc = 0, 0, 255, 0
    while True:
        t, i = _lenenc(body, i)
        if t == 0:
            break
        n, i = _lenenc(body, i)
        v, _ = _lenenc(body, i)
        if t == 1:
            size = v
        elif t == 2:
            comp = v
        elif t == 3:
            unc = v
        i += n
    data = body[i:]
    data = _unzstd(data, unc) if comp == 0 else data
    j = 0
    while j < len(data):
        n = struct.unpack_from("<I", data, j + 9)[0]
        yield data[j:j + n]
        j += n


def events(path):
    """(offset, type, event bytes, inner) for every event, the inner events of a payload after it
    with the payload's offset; checksums are not stripped (inner events have none)."""
    d = open(path, "rb").read()
    assert d[:4] == b"\xfebin", path
    pos, crc = 4, False
    while pos < len(d):
        t = d[pos + 4]
        n = struct.unpack_from("<I", d, pos + 9)[0]
        ev = d[pos:pos + n]
        if t == 15:  # FORMAT_DESCRIPTION: algorithm byte before the CRC (5.6.1+)
            crc = len(ev) >= 19 + 57 + 5 and ev[-5] == 1
        yield pos, t, ev, False
        if t == PAYLOAD:
            body = ev[19:len(ev) - (4 if crc else 0)]
            for inner in _payload_events(body):
                yield pos, inner[4], inner, True
        pos += n


def rows_event_offsets(path):
    """The file offset of each rows event, one entry per event (payload events repeat theirs)."""
    return [off for off, t, _, _ in events(path) if t in ROWS_TYPES]
