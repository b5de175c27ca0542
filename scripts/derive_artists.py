"""Write rules/lexicon/artists.toml: artists' names, so that a name the user wrote in lower case
("louis wain", "liam wong") is credited as a style, not read as a thing ("with a louis wain").

The names are clip-interrogator's list of artists (`clip_interrogator/data/artists.txt`, 5,265
names; MIT licence, github.com/pharmapsychotic/clip-interrogator), the names its authors found
CLIP knows. Only the names are used; this script decides which of them the rewriter may take:

- names of two words or more (a one-word entry is too often a word: "Constant", "Bourgeois");
- no entry with brackets, quotes, commas or digits ("H. R. (Hans Ruedi) Giger"), which a prompt
  never writes so;
- no name the built-in lexicons already hold (`style.toml` and the others stay authoritative: a
  name there keeps its own display form and slot);
- no name whose every word is a common word (a lexicon's word, a rule set's adjective or a stop
  word), which a prompt may write by chance ("Rose Red").

The first words of the list's names that open two names or more ("roberto", "edd" …) are written
as `first_names`: a lower-case term that opens with one and follows a credit goes on with its list
of makers ("by norman rockwell, roberto ferri, edd cartier"), and takes no article as a subject
(`rules.registry`, with the rule set's own first names). Common words are left out, as are the
English words in `NOT_NAMES` that open names ("grace", "guy", "master", "sir").

A name with letters outside ASCII is stored as written and folded ("beksinski", "cezanne"), both
shown as the list writes it (title case for the 57 the list writes in lower case).

    pip download clip-interrogator==0.6.0 --no-deps -d /tmp/ci && unzip -o /tmp/ci/*.whl -d /tmp/ci
    .venv/bin/python scripts/derive_artists.py /tmp/ci/clip_interrogator/data/artists.txt
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promptsmith.core.lexicon import load_lexicon, normalize  # noqa: E402
from promptsmith.core.words import STOP  # noqa: E402
from promptsmith.rewriters.rules.registry import load_rewrite_rules  # noqa: E402

OUT = ROOT / "rules" / "lexicon" / "artists.toml"
HEADER = '''# Style: artists' names, derived by scripts/derive_artists.py from clip-interrogator's list of
# artists (clip_interrogator/data/artists.txt, version 0.6.0; MIT licence,
# https://github.com/pharmapsychotic/clip-interrogator). Only names of two words or more that no
# other lexicon holds; see the script for what it leaves out. style.toml stays the hand-kept list
# (a name there wins: the lexicons load in name order, a later file moves a term to its slot).
# Regenerate with the script rather than editing by hand; add names to style.toml.
meta.slot = "style"
meta.description = "Artists' names (derived), credited as a style."

terms = [
'''


#: Words a name keeps in lower case inside it ("Tom of Finland", "Iris van Herpen").
PARTICLES = frozenset("and da de del della den der di du la le of the van von y".split())


def shown(name: str) -> str:
    """A name as the list writes it; one the list writes in lower case ("katsuya terada", 57 of
    them), in title case but for its particles."""
    if name != name.lower():
        return name
    words = name.split()
    return " ".join(w if i and w in PARTICLES else w[:1].upper() + w[1:] for i, w in enumerate(words))


#: Words that open names in the list but are words a prompt uses as words.
NOT_NAMES = frozenset("ada august christian dean drew fan fitz fra gang grace guy herb master may pan pat penny "
                      "senior sir song wolf".split())


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print(__doc__, file=sys.stderr)
        return 2
    if OUT.exists():
        OUT.unlink()  # the lexicons without this file decide what is already known
    load_lexicon.cache_clear()
    lex = load_lexicon()
    rules = load_rewrite_rules()
    common = {w for term, slot in lex.slot_of_term.items() if slot != "style" for w in term.split()}
    common |= set(STOP) | set(rules.adjectives)
    names: dict[str, str] = {}
    left_out: list[str] = []
    openers: dict[str, int] = {}
    for line in Path(argv[0]).read_text(encoding="utf-8").splitlines():
        name = " ".join(line.split())
        first = name.split()[0].lower() if len(name.split()) > 1 else ""
        if len(first) > 2 and first.isalpha():
            openers[first] = openers.get(first, 0) + 1
        if len(name.split()) < 2 or re.search(r"[(),\"\d]", name):
            continue
        for key in dict.fromkeys((normalize(name), normalize(fold(name)))):
            if key in lex.slot_of_term or key in names:
                continue
            if all(w.strip(".") in common for w in key.split()):
                left_out.append(name)
                continue
            names[key] = shown(name)
    firsts = sorted(w for w, n in openers.items() if n > 1 and w not in common and w not in NOT_NAMES
                    and w not in rules.first_names)
    body = "".join(f"  {json.dumps(k, ensure_ascii=False)},\n" for k in sorted(names))
    display = "".join(f"{json.dumps(k, ensure_ascii=False)} = {json.dumps(v, ensure_ascii=False)}\n"
                      for k, v in sorted(names.items()))
    first_names = "".join(f"  {json.dumps(w, ensure_ascii=False)},\n" for w in firsts)
    OUT.write_text(HEADER + body + "]\n\n# First words of two names or more (see the script).\nfirst_names = [\n"
                   + first_names + "]\n\n[display]\n" + display, encoding="utf-8")
    common_names = ", ".join(sorted(set(left_out)))
    print(f"wrote {OUT} ({len(names)} names, {len(firsts)} first names); left out as common words: {common_names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
