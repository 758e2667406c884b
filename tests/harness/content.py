from pathlib import Path


def write(root: Path, files: dict[str, bytes | str]) -> None:
    """Creates files (and their folders) under `root` from {relative path: content}."""
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
