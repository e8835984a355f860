#!/usr/bin/env python3
"""Render each Terraform module's Inputs and Outputs tables into its README, from the code.

The tables sit between two marker lines in ``modules/<module>/README.md``; everything outside them is
prose the module's owner writes. Names, descriptions, types and defaults come from the ``variable`` and
``output`` blocks (python-hcl2), in file order, so a README cannot drift from ``variables.tf`` and
``outputs.tf``: ``tests/terraform/test_tf_docs.py`` fails when a README is not what this script writes.

    python scripts/render_tf_docs.py            # rewrite every module README
    python scripts/render_tf_docs.py --check    # exit 1 and name the stale READMEs
    python scripts/render_tf_docs.py modules/glue modules/iam

A README without markers gets them in place of its hand-written ``## Inputs`` ... ``## Outputs`` tables
(or at its end when it has neither).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN_TF_DOCS: rendered by scripts/render_tf_docs.py from the module's .tf files -->"
END = "<!-- END_TF_DOCS -->"


def module_dirs(root: Path = REPO) -> list[Path]:
    """Every module folder: ``modules/*`` with a ``variables.tf`` or ``outputs.tf`` (not the shared mocks)."""
    return sorted(
        d
        for d in (root / "modules").iterdir()
        if (d / "variables.tf").is_file() or (d / "outputs.tf").is_file()
    )


def _unquote(text: str) -> str:
    """A python-hcl2 string literal ('"text"', HCL escapes kept) as the text it stands for."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
        text = re.sub(r'\\(["\\])', r"\1", text).replace("\\n", " ")
    return text


def _expression(text: str) -> str:
    """'${map(string)}' -> 'map(string)'; bare words ('string') pass."""
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


def _literal(value: Any) -> str:
    """A default value written as HCL."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _expression(value) if value.startswith("${") else value
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = {k: v for k, v in value.items() if k != "__is_block__"}
        if not items:
            return "{}"
        return "{ " + ", ".join(f"{_unquote(k)} = {_literal(v)}" for k, v in items.items()) + " }"
    return str(value)


def _cell(text: str) -> str:
    """Table-cell text: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code that survives a Markdown table (backticks inside use a longer fence)."""
    text = _cell(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _blocks(module: Path, kind: str, file_name: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``kind`` blocks of a module, ``file_name`` first, then any other .tf file, in file order."""
    files = [module / file_name, *sorted(p for p in module.glob("*.tf") if p.name != file_name)]
    found: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            parsed = hcl2.load(handle)
        for block in parsed.get(kind, []):
            for name, body in block.items():
                found.append((_unquote(name), body))
    return found


def render_tables(module: Path) -> str:
    """The generated part of a module README, markers included."""
    lines = [BEGIN, "## Inputs", ""]
    variables = _blocks(module, "variable", "variables.tf")
    if variables:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for name, body in variables:
            description = _cell(_unquote(str(body.get("description", ""))))
            type_ = _code(_expression(str(body.get("type", "any"))))
            required = "yes" if "default" not in body else "no"
            default = "n/a" if required == "yes" else _code(_literal(body["default"]))
            lines.append(f"| `{name}` | {description} | {type_} | {default} | {required} |")
    else:
        lines.append("None.")
    lines += ["", "## Outputs", ""]
    outputs = _blocks(module, "output", "outputs.tf")
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        for name, body in outputs:
            lines.append(f"| `{name}` | {_cell(_unquote(str(body.get('description', ''))))} |")
    else:
        lines.append("None.")
    lines.append(END)
    return "\n".join(lines)


def rendered_readme(module: Path) -> str:
    """The README as it should be: its prose, with the tables rendered from the code."""
    readme = (module / "README.md").read_text(encoding="utf-8") if (module / "README.md").is_file() else ""
    tables = render_tables(module)
    if BEGIN in readme and END in readme:
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + tables + tail
    # First run on a hand-written README: replace its "## Inputs" ... "## Outputs" tables.
    inputs = re.search(r"^## Inputs\s*$", readme, re.MULTILINE)
    outputs = re.search(r"^## Outputs\s*$", readme, re.MULTILINE)
    if inputs and outputs and inputs.start() < outputs.start():
        after = re.search(r"^## ", readme[outputs.end() :], re.MULTILINE)
        end = outputs.end() + after.start() if after else len(readme)
        tail = readme[end:]
        return readme[: inputs.start()] + tables + ("\n\n" + tail if tail else "\n")
    return readme.rstrip("\n") + ("\n\n" if readme else "") + tables + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", type=Path, help="module folders (default: every module)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a README is stale")
    args = parser.parse_args(argv)
    modules = [m.resolve() for m in args.modules] or module_dirs()
    stale = []
    for module in modules:
        wanted = rendered_readme(module)
        path = module / "README.md"
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == wanted:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(wanted, encoding="utf-8")
            print(f"rendered {path.relative_to(REPO)}")
    if args.check and stale:
        names = ", ".join(str(p.relative_to(REPO)) for p in stale)
        print(f"stale README tables: {names}; run python scripts/render_tf_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
