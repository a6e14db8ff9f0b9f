"""Bounded ZIP unpacking and file hashing (the format of a file is sniffed by domain.formats)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

# ZIP bounds: no zip bombs.
MAX_MEMBERS = 200
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_DEPTH = 2


class UnsafeArchive(Exception):
    """A ZIP that breaks the bounds (too many members, too large, suspicious ratio)."""


@dataclass
class Member:
    name: str
    path: Path


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:  # Chinese names in ZIPs made on Windows are GBK without the UTF-8 flag
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def unpack_zip(path: Path, out_dir: Path) -> list[Member]:
    """Extract the regular files of a ZIP into out_dir within the bounds; raise UnsafeArchive."""
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise UnsafeArchive(f"压缩包成员过多（{len(infos)} 个）/ too many members ({len(infos)})")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(f"压缩包解压后过大（{total} 字节）/ archive too large uncompressed ({total} bytes)")
        members: list[Member] = []
        for k, info in enumerate(infos):
            name = _member_name(info)
            if info.file_size > MAX_MEMBER_BYTES or (
                info.compress_size and info.file_size / info.compress_size > MAX_RATIO
            ):
                raise UnsafeArchive(f"压缩包成员可疑（压缩比过高）：{name} / suspicious member (compression ratio): {name}")
            target = out_dir / f"{k:03d}_{Path(name).name or 'member'}"
            with zf.open(info) as src, open(target, "wb") as dst:
                data = src.read(MAX_MEMBER_BYTES + 1)  # bounded even if the header lies
                if len(data) > MAX_MEMBER_BYTES:
                    raise UnsafeArchive(f"压缩包成员过大：{name} / member too large: {name}")
                dst.write(data)
            members.append(Member(name, target))
    return members


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks: a document's identity and cache key."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
