"""Files both ways: the chunked upload of a report (init, chunks ≤ 512 KB, finish → media_id), the user's file download."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import unquote

import httpx

from . import frames
from .connection import CommandError, Connection

MAX_UPLOAD = frames.CHUNK_BYTES * frames.MAX_CHUNKS  # 50 MB by chunks; the platform's file cap is 20 MB
FILE_CAP = 20 * 1024 * 1024


class TooBig(Exception):
    """The file is over the size we accept (raised before or while downloading)."""


async def upload(conn: Connection, filename: str, data: bytes, media_type: str = "file", *, user: str = "") -> str:
    """Upload bytes as temporary media (3 days) and return its media_id."""
    if len(data) > FILE_CAP:
        raise TooBig(filename)
    chunks = [data[i : i + frames.CHUNK_BYTES] for i in range(0, len(data), frames.CHUNK_BYTES)] or [b""]
    init = {
        "type": media_type,
        "filename": filename,
        "total_size": len(data),
        "total_chunks": len(chunks),
        "md5": hashlib.md5(data).hexdigest(),
    }
    ack = await conn.request(frames.UPLOAD_INIT, init, user=user)
    upload_id = (ack.get("body") or {}).get("upload_id", "")
    for i, chunk in enumerate(chunks):
        body = {"upload_id": upload_id, "chunk_index": i, "base64_data": base64.b64encode(chunk).decode("ascii")}
        await conn.request(frames.UPLOAD_CHUNK, body, user=user)
    ack = await conn.request(frames.UPLOAD_FINISH, {"upload_id": upload_id}, user=user)
    media_id = (ack.get("body") or {}).get("media_id", "")
    if not media_id:
        raise CommandError(-1, "upload_finish returned no media_id")
    return media_id


def filename_from(headers: Any, default: str) -> str:
    """The file's name from Content-Disposition (filename*=UTF-8'' or filename=), else `default`."""
    disp = headers.get("content-disposition", "")
    m = re.search(r"filename\*=(?:UTF-8|utf-8)''([^;]+)", disp)
    if m:
        return unquote(m.group(1).strip())
    m = re.search(r'filename="?([^";]+)"?', disp)
    return unquote(m.group(1).strip()) if m else default


async def download(url: str, limit: int, timeout: float = 30.0) -> tuple[str, bytes]:
    """(name, encrypted bytes) of a user's file; TooBig when its announced or actual size passes `limit`."""
    async with httpx.AsyncClient(timeout=timeout) as client, client.stream("GET", url) as resp:
        resp.raise_for_status()
        size = resp.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > limit:
            raise TooBig(url)
        data = bytearray()
        async for part in resp.aiter_bytes():
            data += part
            if len(data) > limit:
                raise TooBig(url)
        return filename_from(resp.headers, ""), bytes(data)
