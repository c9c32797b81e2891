"""Settings from configuration: ``--config FILE`` or ``[tool.corpus-audit]`` in the nearest pyproject.toml.

Precedence: command-line flag > ``--config FILE`` > ``[tool.corpus-audit]`` of the nearest
``pyproject.toml`` (searched from the working folder upwards) > built-in defaults. Keys are the
settings' names in kebab case; ``thresholds``, ``similarity`` and ``lines`` are tables of their own::

    [tool.corpus-audit]
    disable-rules = ["byline.dateline"]
    rules = ["my-rules"]

    [tool.corpus-audit.thresholds]
    max-boilerplate-share = 0.05

    [tool.corpus-audit.lines]
    min-template-documents = 5

A limit that may be off takes ``false`` for off (TOML has no null). An unknown key or a value of
the wrong type is an error that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from pathlib import Path
from typing import Any

from audit.errors import ConfigError
from audit.settings import LineSettings, ScanSettings, SimilaritySettings, Thresholds

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Top-level keys that name a sub-table, and the dataclass each fills.
TABLES = {"thresholds": Thresholds, "similarity": SimilaritySettings, "lines": LineSettings}
#: Config keys whose setting has another name.
RENAMED = {"rules": "rule_dirs", "disable-rules": "disabled_rules"}


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path | None = None, start: Path | None = None) -> tuple[dict[str, Any], str]:
    """The config table and where it came from: `path` (a whole TOML file, or its
    ``[tool.corpus-audit]`` table if it has one), else the nearest pyproject.toml's table."""
    if path is None:
        found = find_pyproject(start or Path.cwd())
        if found is None:
            return {}, ""
        return _load(found).get("tool", {}).get("corpus-audit", {}), str(found)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _load(path)
    return data.get("tool", {}).get("corpus-audit", data), str(path)


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _accepts(annotation: Any, value: Any) -> bool:
    """Whether `value` (from TOML) fits a field's type annotation."""
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is tuple:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _apply(cls: type, base: Any, table: dict[str, Any], where: str, prefix: str,
           parts: dict[str, Any] | None = None) -> Any:
    """`base` with the values of `table` applied, and `parts` (sub-tables already built) in the same
    step: the settings check some keys against others (a threshold that needs a setting)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = RENAMED.get(key, key.replace("-", "_"))
        full = f"{prefix}{key}"
        if name not in fields or name in TABLES:
            raise ConfigError(f"{where}: unknown key {full!r}")
        if value is False and _accepts(hints[name], None):
            value = None  # TOML has no null: `false` switches an optional limit off
        if not _accepts(hints[name], value):
            raise ConfigError(f"{where}: {full!r} must be {_describe(hints[name])}, not {value!r}")
        choices = fields[name].metadata.get("choices")
        if choices and value is not None and value not in choices:
            off = " or false" if _accepts(hints[name], None) else ""
            raise ConfigError(f"{where}: {full!r} must be one of {', '.join(choices)}{off}, not {value!r}")
        changes[name] = tuple(value) if isinstance(value, list) else value
    try:
        return dataclasses.replace(base, **changes, **(parts or {}))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _describe(annotation: Any) -> str:
    return str(annotation).replace("typing.", "").replace("NoneType", "None").replace("<class '", "").replace("'>", "")


def settings_from(table: dict[str, Any], where: str, base: ScanSettings | None = None) -> ScanSettings:
    """`base` (defaults when None) with the values of one config table applied."""
    settings = base or ScanSettings()
    flat = {k: v for k, v in table.items() if k not in TABLES}
    parts = {}
    for key, cls in TABLES.items():
        if key in table:
            if not isinstance(table[key], dict):
                raise ConfigError(f"{where}: {key!r} must be a table")
            parts[key] = _apply(cls, getattr(settings, key), table[key], where, f"{key}.")
    return _apply(ScanSettings, settings, flat, where, "", parts)


def load_settings(config: str | None = None, overrides: dict[str, Any] | None = None) -> ScanSettings:
    """Settings from the config (see module docs), then command-line overrides (None = not given).

    Overrides use setting names; ``thresholds.NAME``, ``similarity.NAME`` and ``lines.NAME`` reach
    into the tables.
    """
    table, where = read_config(Path(config) if config else None)
    settings = settings_from(table, where) if table else ScanSettings()
    nested: dict[str, dict[str, Any]] = {}
    flat: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        head, _, tail = key.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            flat[key] = value
    parts = {head: dataclasses.replace(getattr(settings, head), **values) for head, values in nested.items()}
    return dataclasses.replace(settings, **parts, **flat)
