"""The config examples in the docs are the settings' own: every key exists, and the defaults block
gives each key its default, so a copied example changes nothing silently."""

import dataclasses
import re
import sys
from pathlib import Path

from audit.config import TABLES, settings_from
from audit.settings import ScanSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _toml_blocks(path: Path) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def _table(text: str) -> dict:
    data = tomllib.loads(text)
    return data.get("tool", {}).get("corpus-audit", data)


def test_every_config_example_in_the_docs_is_valid():
    examples = [(path, block) for path in DOCS for block in _toml_blocks(path) if "corpus-audit" in block]
    assert len(examples) >= 2
    for path, block in examples:
        settings_from(_table(block), str(path))  # an unknown key or a bad value raises, naming the key


def _default(cls: type, key: str):
    field = {f.name: f for f in dataclasses.fields(cls)}[{"rules": "rule_dirs", "disable-rules": "disabled_rules"}.get(
        key, key.replace("-", "_"))]
    value = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    return False if value is None else (list(value) if isinstance(value, tuple) else value)


def test_the_defaults_block_gives_every_key_its_default():
    [defaults] = [b for b in _toml_blocks(ROOT / "docs" / "configuration.md") if "[tool.corpus-audit.thresholds]" in b]
    table = _table(defaults)
    for key, value in table.items():
        if key in TABLES:
            for sub, sub_value in value.items():
                assert sub_value == _default(TABLES[key], sub), f"{key}.{sub} = {sub_value!r} is not its default"
        else:
            assert value == _default(ScanSettings, key), f"{key} = {value!r} is not its default"
    thresholds = {f.name.replace("_", "-") for f in dataclasses.fields(TABLES["thresholds"])}
    assert set(table["thresholds"]) == thresholds, "every threshold is in the defaults block"
