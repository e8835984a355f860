"""Reading the project's YAML (lake.yaml, contracts) one way, so a typo is found where it is.

Two things plain ``yaml.safe_load`` does that a person editing these files never wants:

* a key written twice in one mapping silently keeps the last value (a second ``orders:`` under
  ``sources:`` replaces the first, a second ``rules:`` drops the first list); here it is an error
  naming both lines;
* a syntax error's first line is often the parser's context ("while scanning a simple key") and the
  position is on a later line; here the message is the file, line, column and the problem, with the fix
  for the common ones (a ``: `` inside an unquoted value, a tab in the indentation).

Keys merged in with ``<<: *anchor`` may be overridden: that is what a merge is for. PyYAML is not in
the Lambda runtime (it reads the JSON copy of lake.yaml), so only the modules that parse YAML import this.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from jozi_lake.errors import LakeError

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKey(yaml.MarkedYAMLError):
    """A key written twice in one mapping (raised while constructing, reported like a syntax error)."""


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice in one mapping."""


def _construct_mapping(loader: _Loader, node: Node, deep: bool = False) -> dict[Any, Any]:
    if isinstance(node, MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = loader.construct_object(key_node, deep=True)
            try:
                earlier = first_line.get(key)
            except TypeError:  # an unhashable key: the constructor below reports it
                continue
            if earlier is not None:
                raise _DuplicateKey(
                    problem=f"key {key!r} is written twice in one mapping (first at line {earlier})",
                    problem_mark=key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)  # type: ignore[arg-type]


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# The problem YAML names -> the fix that works for it.
_HINTS = (
    ("written twice", "keep one of the two: YAML would silently use the last"),
    (
        "mapping values are not allowed",
        "a value holding ': ' (or a description with a colon) needs quotes: key: \"a: b\"",
    ),
    ("'\\t'", "indent with spaces: YAML does not allow tabs in indentation"),
    ("found undefined alias", "define the anchor (&name) before the *name that uses it"),
    ("expected <block end>", "line the key up with the keys beside it (same indentation)"),
    ("quoted scalar", "close the quote: a quoted value ends with the same quote it starts with"),
    ("flow sequence", "close the [ ] list, or quote an item holding a comma, colon or bracket"),
    ("flow mapping", "close the { } mapping, or quote a value holding a comma, colon or brace"),
)


_FLOW_START = re.compile(r"(^|[:\[{,]\s|^\s*-\s|[\[{,])'")


def _unclosed_quote(text: str, last_line: int) -> int | None:
    """The nearest line at or before ``last_line`` (1-based) that opens a quote it does not close.

    YAML lets a quoted value run on over lines, so a missing closing quote is reported where the
    parser finally stumbles, often lines later, with a message about indentation. Every well-formed
    line has its quotes in pairs; the first one going back that does not is the likely culprit.
    """
    lines = text.splitlines()
    for number in range(min(last_line, len(lines)), 0, -1):
        line = lines[number - 1]
        body = line if '"' in line or "'" in line else ""
        if not body or body.lstrip().startswith("#"):
            continue
        doubles = len(re.findall(r'(?<!\\)"', body))
        singles = body.count("'") if _FLOW_START.search(body) else 0
        if doubles % 2 or singles % 2:
            return number
    return None


def load_yaml(text: str, where: str, error: type[LakeError] = LakeError) -> Any:
    """The document in ``text`` (the file ``where``); a syntax error or a repeated key raises ``error``
    with the line, the column and the fix."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = err.problem or err.context or "unreadable"
        if err.context and err.problem and not isinstance(err, _DuplicateKey):
            problem = f"{problem} ({err.context})"
        fallback = "check the quoting and indentation there"
        hint = next((fix for clue, fix in _HINTS if clue in problem), fallback)
        quote = _unclosed_quote(text, mark.line + 1) if mark is not None else None
        if quote is not None and not isinstance(err, _DuplicateKey):
            problem += f"; line {quote} opens a quote it does not close"
            hint = f"close the quote on line {quote} (a quoted value ends with the quote it starts with)"
        raise error(f"{where}{at}: not valid YAML: {problem}", hint) from None
    except yaml.YAMLError as err:
        raise error(f"{where}: not valid YAML: {str(err).splitlines()[0]}") from None
