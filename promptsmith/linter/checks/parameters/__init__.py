"""PS1xx: parameters. Values, types, ranges, duplicates and combinations of `--parameters`.

Every range and enum comes from the spec (`rules/midjourney.toml`, `ParamSpec.range_for`), never
from these modules: `ranges` (values, ranges, defaults), `names` (repeated, unknown and retired
parameters, the model picked twice or wrongly) and `combinations` (parameters that need, exclude or
repeat one another, reference values). Sources for the family: Midjourney's "Parameter List",
"Version" and "Legacy Features" articles and the article of each parameter, linked from each
rule's References.
"""

from __future__ import annotations

from promptsmith.linter.checks.parameters import combinations, names, ranges  # noqa: F401  (importing registers the rules)
