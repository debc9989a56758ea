"""A stand-in for pooch in the download tests of every dataset."""

from __future__ import annotations

from pathlib import Path


class FakeFetcher:
    """Records each URL it is asked for; URLs starting with one of ``down`` fail as an
    unreachable host, the others get the file of that name copied from ``source``.
    ``sha256``: the checksum every call must pass (else any 64-digit hex string)."""

    def __init__(self, source: Path, down: tuple[str, ...] = (), sha256: str | None = None):
        self.source, self.down, self.sha256, self.urls = source, tuple(down), sha256, []

    def __call__(self, url: str, sha256: str, folder: Path, fname: str) -> Path:
        self.urls.append(url)
        if url.startswith(self.down):
            raise ConnectionError("host unreachable")
        if self.sha256 is not None:
            assert sha256 == self.sha256
        else:
            assert len(sha256) == 64
        data = (self.source / fname).read_bytes()
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / fname).write_bytes(data)
        return Path(folder) / fname
