"""Names inside an OLE2 / Compound File Binary file, the container of old Office files.

Legacy ``.xls`` workbooks and password-encrypted ``.xlsx`` workbooks both arrive in this
container; they are told apart by the names of the streams in its directory ("Workbook"
or "Book" for .xls; "EncryptionInfo" and "EncryptedPackage" for an encrypted package).
Only the directory is read — never a stream's content — and every loop is bounded.
Layout: [MS-CFB] 2.2 (header), 2.3 (sector chains), 2.6 (directory entries).
"""

from __future__ import annotations

import struct

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA


def stream_names(data: bytes) -> list[str] | None:
    """The directory entry names of a CFB file, or None when the directory cannot be read."""
    if len(data) < 512 or not data.startswith(SIGNATURE):
        return None
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        return None
    size = 1 << shift
    n_sectors = max(0, (len(data) - size) // size)
    fat_count, first_dir = struct.unpack_from("<II", data, 44)
    first_difat, difat_count = struct.unpack_from("<II", data, 68)

    def sector(i: int) -> bytes | None:
        if i >= n_sectors:
            return None
        start = (i + 1) * size
        return data[start:start + size]

    # The FAT's own sectors are listed in the header (109) then in a chain of DIFAT sectors.
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s <= _MAX_SECTOR]
    nxt, seen = first_difat, set()
    while nxt <= _MAX_SECTOR and nxt not in seen and len(seen) < min(difat_count, n_sectors):
        seen.add(nxt)
        block = sector(nxt)
        if block is None:
            break
        entries = struct.unpack(f"<{size // 4}I", block)
        fat_sectors.extend(s for s in entries[:-1] if s <= _MAX_SECTOR)
        nxt = entries[-1]
    fat: list[int] = []
    for s in fat_sectors[:max(fat_count, 1)]:
        block = sector(s)
        if block is not None:
            fat.extend(struct.unpack(f"<{size // 4}I", block))

    names: list[str] = []
    current, visited = first_dir, set()
    while current <= _MAX_SECTOR and current not in visited and len(visited) <= n_sectors:
        visited.add(current)
        block = sector(current)
        if block is None:
            break
        for off in range(0, size, 128):
            entry = block[off:off + 128]
            name_len = struct.unpack_from("<H", entry, 64)[0]
            kind = entry[66]
            if kind == 0 or not 2 <= name_len <= 64:  # unused entry
                continue
            names.append(entry[:name_len - 2].decode("utf-16-le", errors="replace"))
        current = fat[current] if current < len(fat) else _ENDOFCHAIN
    return names or None
