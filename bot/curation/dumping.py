"""Knowledge as YAML that people read: block style, keys in their order, Unicode kept, a text of several lines
line for line."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Writes a text of several lines (a list: its opening line and an item a line) as a literal
    block, line for line, where YAML can hold it so."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def dump(data: Any) -> str:
    """YAML as people read it: block style, keys in their order, Unicode kept."""
    text: str = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return text
