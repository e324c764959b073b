"""The demo's copies of the tutorial notebooks: copied once, never overwritten once edited, and honest reruns.

:func:`sync_tutorials` compares content hashes (sha256) of three versions of each notebook: the one
shipped with the package (upstream), the user's copy, and the one the demo last copied (remembered
in :data:`MANIFEST` in the folder). So a rerun can say exactly what happened:

* ``copied``: there was no copy; the upstream notebook was copied;
* ``kept``: the copy is the same as upstream;
* ``updated``: the copy was never edited and upstream changed: the newer version replaced it;
* ``newer_upstream``: the copy was edited (or its origin is unknown) and upstream differs: the copy
  is kept untouched and the upstream path is named, so the user can look at the newer version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MANIFEST", "TutorialSync", "content_hash", "sync_tutorials", "tutorials_source"]

#: File in the demo folder recording the hash of each notebook as the demo copied it.
MANIFEST = ".apex-demo-tutorials.json"


def tutorials_source() -> Path:
    """Where the tutorial notebooks live: inside an installed wheel, or the source checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_tutorials", package_dir.parent / "notebooks"):
        if any(candidate.glob("*.ipynb")):
            return candidate
    raise FileNotFoundError(
        "The tutorial notebooks were not found next to the package. Reinstall apex-notebook, or run "
        "'python3 scripts/demo.py' from a checkout of the project.")


def content_hash(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class TutorialSync:
    """What :func:`sync_tutorials` did, notebook by notebook (file names)."""

    directory: Path
    source: Path
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    newer_upstream: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every tutorial copy in the folder, sorted by name."""
        names = self.copied + self.kept + self.updated + self.newer_upstream
        return [self.directory / name for name in sorted(names)]

    def lines(self) -> list[str]:
        """The rerun report for people, one line per kind of outcome that happened."""
        out = [f"Tutorials in {self.directory}:"]
        if self.copied:
            out.append(f"  copied: {', '.join(self.copied)}")
        if self.kept:
            out.append(f"  kept (same as upstream): {', '.join(self.kept)}")
        if self.updated:
            out.append(f"  updated to the newer upstream version (you had not edited them): {', '.join(self.updated)}")
        for name in self.newer_upstream:
            out.append(f"  kept your copy of {name}; upstream has a different, newer version: {self.source / name} "
                       "(delete your copy and rerun to get it)")
        return out


def _read_manifest(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def sync_tutorials(destination: Path, source: Path | None = None) -> TutorialSync:
    """Copy the tutorials into ``destination`` without ever overwriting an edited copy; say what happened."""
    origin = source or tutorials_source()
    destination.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(destination)
    report = TutorialSync(destination, origin)
    for notebook in sorted(origin.glob("*.ipynb")):
        name, upstream = notebook.name, content_hash(notebook)
        target = destination / name
        if not target.exists():
            shutil.copyfile(notebook, target)
            report.copied.append(name)
            manifest[name] = upstream
            continue
        mine = content_hash(target)
        if mine == upstream:
            report.kept.append(name)
            manifest[name] = upstream
        elif manifest.get(name) == mine:  # never edited since the demo copied it
            shutil.copyfile(notebook, target)
            report.updated.append(name)
            manifest[name] = upstream
        else:
            report.newer_upstream.append(name)
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report
