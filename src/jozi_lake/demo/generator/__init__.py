"""Deterministic generator of Jozi Pizza Co.'s operational data (what the store's API serves).

``generate(GeneratorParams(...), out_dir)`` writes one JSON-lines file per source plus
``manifest.json``; ``write_exports`` turns those into CSV/JSON export files for the file-drop path.
The planted causes of delay are documented in :mod:`jozi_lake.demo.generator.simulate`.
"""

from jozi_lake.demo.generator.emit import MANIFEST_NAME, SOURCES, generate
from jozi_lake.demo.generator.exports import EXPORT_FORMATS, write_exports
from jozi_lake.demo.generator.settings import DEFECT_KINDS, GeneratorParams, Messiness

__all__ = [
    "DEFECT_KINDS",
    "EXPORT_FORMATS",
    "MANIFEST_NAME",
    "SOURCES",
    "GeneratorParams",
    "Messiness",
    "generate",
    "write_exports",
]
