"""Textual's stylesheet, with each CSS source parsed once per process and set of CSS variables.

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
"""

from __future__ import annotations

from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

# (css, read_from, is_default_rules, tie_breaker, scope, variables) -> rules. A few dozen
# sources per set of variables; a new theme adds a set.
_RulesKey = tuple[str, CSSLocation, bool, int, str, tuple[tuple[str, str], ...]]
_PARSED: LRUCache[_RulesKey, list[RuleSet]] = LRUCache(1024)


class ParsedStylesheet(Stylesheet):
    """A `Stylesheet` whose parsed rules are shared by every stylesheet of the process."""

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
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            _PARSED[key] = rules
        return rules

    def copy(self) -> ParsedStylesheet:
        stylesheet = ParsedStylesheet(variables=self._variables.copy())
        stylesheet.source = self.source.copy()
        return stylesheet

    def reparse(self) -> None:
        """Textual's `reparse`, on a fresh stylesheet of this class (so it finds the rules)."""
        fresh = ParsedStylesheet(variables=self._variables)
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
