"""Module READMEs carry Inputs/Outputs tables rendered from the code (scripts/render_tf_docs.py).

Names, types and defaults in a README drift silently when a variable changes; rendering the tables
from variables.tf and outputs.tf and failing when a README differs from the rendering keeps them exact.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_tf_docs", REPO / "scripts" / "render_tf_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["render_tf_docs"] = module
    spec.loader.exec_module(module)
    return module


RENDER = _renderer()
MODULES = RENDER.module_dirs(REPO)


def test_every_module_is_rendered() -> None:
    names = {m.name for m in MODULES}
    assert {"s3-lake", "iam", "glue", "athena", "ingest-lambda", "monitoring", "stepfunctions"} <= names
    assert "tests-mocks" not in names, "the shared mock folder is not a module"


@pytest.mark.parametrize("module_dir", MODULES, ids=[m.name for m in MODULES])
def test_readme_tables_match_the_code(module_dir: Path) -> None:
    readme = (module_dir / "README.md").read_text(encoding="utf-8")
    assert RENDER.BEGIN in readme and RENDER.END in readme, (
        f"{module_dir.name}/README.md lacks generated tables"
    )
    assert readme == RENDER.rendered_readme(module_dir), (
        f"{module_dir.name}/README.md is stale: run python scripts/render_tf_docs.py"
    )


def test_rendering_carries_types_and_defaults(tmp_path: Path) -> None:
    """A changed type or default (not only a name) makes the README stale."""
    module = tmp_path / "modules" / "demo"
    module.mkdir(parents=True)
    variables = module / "variables.tf"
    variables.write_text(
        "\n".join(
            [
                'variable "size" {',
                '  description = "How many | which."',
                "  type        = map(object({ a = number }))",
                "  default     = { x = { a = 1 } }",
                "}",
                'variable "name" {',
                '  description = "Say \\"hi\\"."',
                "  type        = string",
                "}",
                'variable "maybe" {',
                '  description = "Optional."',
                "  type        = list(string)",
                "  default     = null",
                "}",
                "",
            ]
        )
    )
    (module / "outputs.tf").write_text('output "id" {\n  description = "The id."\n  value       = "x"\n}\n')
    (module / "README.md").write_text("# demo\n\nProse stays.\n")
    rendered = RENDER.rendered_readme(module)
    assert rendered.startswith("# demo\n\nProse stays.\n\n")
    size_row = "| `size` | How many \\| which. | `map(object({a = number}))` | `{ x = { a = 1 } }` | no |"
    assert size_row in rendered
    assert '| `name` | Say "hi". | `string` | n/a | yes |' in rendered
    assert "| `maybe` | Optional. | `list(string)` | `null` | no |" in rendered
    assert "| `id` | The id. |" in rendered
    (module / "README.md").write_text(rendered)
    assert RENDER.rendered_readme(module) == rendered, "rendering must be stable"
    variables.write_text(variables.read_text().replace("= null", '= ["a"]'))
    assert RENDER.rendered_readme(module) != rendered, "a changed default must change the README"
    variables.write_text(variables.read_text().replace("list(string)", "set(string)"))
    assert "`set(string)`" in RENDER.rendered_readme(module), "a changed type must change the README"
