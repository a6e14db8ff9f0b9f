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
# DOCX/XLSX packages: checked on the ZIP directory before python-docx/openpyxl inflate a byte.
# Real disclosures stay far below (largest part seen: 2.6 MB, ratio 32); parsing XML takes ~20×
# its size in memory, so a 200 MB document.xml would need gigabytes.
MAX_OFFICE_MEMBERS = 2000
MAX_OFFICE_MEMBER_BYTES = 64 * 1024 * 1024
MAX_OFFICE_TOTAL_BYTES = 256 * 1024 * 1024
MAX_OFFICE_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024  # a member smaller than this cannot hurt, whatever its ratio


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


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} 字节 / bytes"


def check_office_package(path: Path) -> None:
    """Raise UnsafeArchive when a DOCX/XLSX would inflate past the bounds (too many parts, a part or
    the whole too large uncompressed, a part compressed suspiciously well): a zip bomb is refused
    from its directory, before any XML is parsed. A ZIP error is left to the reader."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_OFFICE_MEMBERS:
        raise UnsafeArchive(f"文件内部成员过多（{len(infos)} 个，上限 {MAX_OFFICE_MEMBERS}）/ "
                            f"too many parts in the package ({len(infos)}, limit {MAX_OFFICE_MEMBERS})")
    for info in infos:
        size, packed = info.file_size, info.compress_size
        if size > MAX_OFFICE_MEMBER_BYTES:
            raise UnsafeArchive(
                f"文件内部成员 {info.filename} 解压后 {_mb(size)}，超过上限 {_mb(MAX_OFFICE_MEMBER_BYTES)}（疑似压缩炸弹）/ "
                f"the part {info.filename} inflates to {_mb(size)}, over the {_mb(MAX_OFFICE_MEMBER_BYTES)} limit "
                "(a zip bomb?)")
        if size > RATIO_FLOOR_BYTES and size > MAX_OFFICE_RATIO * max(packed, 1):
            ratio = size / max(packed, 1)
            raise UnsafeArchive(
                f"文件内部成员 {info.filename} 压缩比 {ratio:.0f}:1，超过上限 {MAX_OFFICE_RATIO}:1（疑似压缩炸弹）/ "
                f"the part {info.filename} is compressed {ratio:.0f}:1, over the {MAX_OFFICE_RATIO}:1 limit (a zip bomb?)")
    total = sum(i.file_size for i in infos)
    if total > MAX_OFFICE_TOTAL_BYTES:
        raise UnsafeArchive(f"文件解压后共 {_mb(total)}，超过上限 {_mb(MAX_OFFICE_TOTAL_BYTES)}（疑似压缩炸弹）/ "
                            f"the package inflates to {_mb(total)}, over the {_mb(MAX_OFFICE_TOTAL_BYTES)} limit "
                            "(a zip bomb?)")


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks: a document's identity and cache key."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
