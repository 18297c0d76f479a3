"""Textual's stylesheet, with each CSS source parsed once per process and set of CSS variables,
and, for the app the CLI runs, once per machine (`RulesOnDisk`).

Textual (8.2.8) keeps parsed rules per `Stylesheet`, and `reparse()` (run when the theme sets
its variables at start-up, and when a screen brings CSS of its own) starts from a fresh one, so
every source is tokenized again; each new app parses everything again too. The parsed rules
only depend on the source, where it was read from, its defaults flag, tie breaker, scope and the
CSS variables, and Textual treats them as read-only once parsed (its own per-stylesheet cache
already hands the same rule lists to every `parse()`), so they are kept here for the process,
keyed by all of those.

Measured (2026-12-07, the 2-core machine, CPU seconds of one app start on the demo tenant up
to its loaded device list): parsing took ~0.08 s of ~0.30 s per app; with the cache, ~0.02 s
for the first app of a process (its `reparse()` finds the rules) and nothing for the next ones
(each test starts new apps in the same process).

The first app of a process still parsed every source once: ~13 KB of our own CSS and Textual's
widgets' defaults, 35-65 ms of CPU before the first frame on the loaded 2-core machine
(2026-12-07, each `_parse_rules` timed in a run to the first rows). `RulesOnDisk` keeps the
parsed rules between runs, as Python keeps bytecode: loading one source's rules takes a fifth of
parsing them (app.tcss: 13.1 ms parsed, 2.8 ms loaded, same measurement).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from pathlib import Path

from textual.cache import LRUCache
from textual.css import model, parse, styles
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

from intune_tui.app_dirs import app_dir
from intune_tui.private_files import read_own_private_bytes, write_private_bytes

log = logging.getLogger(__name__)

# (css, read_from, is_default_rules, tie_breaker, scope, variables) -> rules. A few dozen
# sources per set of variables; a new theme adds a set.
_RulesKey = tuple[str, CSSLocation, bool, int, str, tuple[tuple[str, str], ...]]
_PARSED: LRUCache[_RulesKey, list[RuleSet]] = LRUCache(1024)

# Part of every file's name: a change of how rules are stored, of Textual (its classes are what
# is stored) or of Python (pickle's classes) makes every old file unused.
_DISK_FORMAT = 1
_textual_identity: tuple[object, ...] | None = None


def _textual_files() -> tuple[object, ...]:
    """Which Textual parses and holds the rules: its parser's and rule classes' files, where
    and as of when (an upgrade replaces them). Not `textual.__version__`: Textual reads its
    package metadata on every use of it (~2 ms each, and importlib.metadata's import)."""
    global _textual_identity
    if _textual_identity is None:
        files = [module.__file__ or "" for module in (parse, model, styles)]
        _textual_identity = tuple((file, info.st_mtime_ns, info.st_size)
                                  for file, info in ((file, os.stat(file)) for file in files))
    return _textual_identity


def rules_cache_dir() -> Path:
    """Where the CLI's app keeps parsed style rules: the user's cache folder
    (INTUNE_TUI_CACHE_DIR instead, when set)."""
    return app_dir("cache") / "styles"


class RulesOnDisk:
    """Parsed rules kept in files between runs, one a source and set of variables.

    The files are the user's own (0600 in a 0700 folder, written atomically): a file that is
    not the user's, or that others may write, is ignored, since loading runs what it holds.
    Any file that cannot be read or is not a list of rules is ignored too (the source is then
    parsed as usual). Nothing is ever worse than parsing.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: _RulesKey) -> Path:
        named = repr((_DISK_FORMAT, _textual_files(), sys.version, key))
        return self.directory / (hashlib.sha256(named.encode("utf-8")).hexdigest()[:40] + ".rules")

    def load(self, key: _RulesKey) -> list[RuleSet] | None:
        path = self._path(key)
        data = read_own_private_bytes(path)
        if data is None:  # none yet, a symlink, or not the user's own: parsed and written
            return None
        try:
            rules = pickle.loads(data)
        except Exception as error:  # a cut-off or foreign file: parsed again and replaced
            log.info("style cache %s ignored: %s", path, type(error).__name__)
            return None
        if isinstance(rules, list) and all(isinstance(rule, RuleSet) for rule in rules):
            return rules
        return None

    def save(self, key: _RulesKey, rules: list[RuleSet]) -> None:
        try:
            write_private_bytes(self._path(key),
                                pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception as error:  # a read-only cache folder: parsed again next time
            log.info("style cache not written in %s: %s", self.directory, error)


class ParsedStylesheet(Stylesheet):
    """A `Stylesheet` whose parsed rules are shared by every stylesheet of the process, and kept
    on disk when given `disk`."""

    def __init__(self, *, variables: dict[str, str] | None = None,
                 disk: RulesOnDisk | None = None) -> None:
        super().__init__(variables=variables)
        self.disk = disk

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope,
               tuple(self._variables.items()))
        rules = _PARSED.get(key)
        if rules is None and self.disk is not None:
            rules = self.disk.load(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if self.disk is not None:
                self.disk.save(key, rules)
        _PARSED[key] = rules
        return rules

    def copy(self) -> ParsedStylesheet:
        stylesheet = ParsedStylesheet(variables=self._variables.copy(), disk=self.disk)
        stylesheet.source = self.source.copy()
        return stylesheet

    def reparse(self) -> None:
        """Textual's `reparse`, on a fresh stylesheet of this class (so it finds the rules)."""
        fresh = ParsedStylesheet(variables=self._variables, disk=self.disk)
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(css, read_from=read_from, is_default_css=is_defaults,
                             tie_breaker=tie_breaker, scope=scope)
        try:
            fresh.parse()
        except Exception:
            # As Textual does: remember the broken sources so they are not parsed again.
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False
