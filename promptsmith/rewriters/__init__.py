"""Rewriting a prompt into a brief, by engine: `rules` (deterministic), `llm` (a local model on top
of the rules), `auto` (the model when one is installed).

    rules/     the rules engine: analysis → composition → parameters, each change by a named rule
    llm/       the local-model rewriter: its jobs, the guard, the span lock, the trained writer
    targets    the brief written for its model: Midjourney by version, SD-family, T5-family
    result     what every engine returns (RewriteResult)

The package is `promptsmith.rewriters`; the API function is `promptsmith.rewrite` (a function and
a package never share a name). Nothing is imported here: the lint path must stay light.
"""
