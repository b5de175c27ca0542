"""What analysis makes of one text part: the brief, its terms and the tools it credits.

The analyzer (`analysis.Analyzer`) fills a `Brief`; the composer (`compose`) writes it as
sentences; the llm engine reads its slots and terms (the classify job, the span lock's phrases).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The slots of a brief, in the order its content is written.
BRIEF_SLOTS = ("subject", "medium", "style", "lighting", "colour", "composition", "mood")


@dataclass
class AnalysedTerm:
    """One term of the input and where analysis put it (what the LLM jobs and the slots read)."""

    text: str
    slot: str
    phrase: str = ""
    rule: str = ""  # the rewrite rule that removed or moved it, if any


@dataclass
class Tool:
    """A tool credited once: its proper name and how it is credited (`rendered in`, `made in`)."""

    name: str
    verb: str = "rendered in"


@dataclass
class Brief:
    """The analysed content of one text part, ready for composition."""

    #: The subject's head noun phrase as written ("" when the part has none).
    head: str = ""
    adjectives: list[str] = field(default_factory=list)
    shot: str = ""
    #: Features the subject has ("long black hair"), written after "with".
    features: list[str] = field(default_factory=list)
    #: What the subject wears ("a red dress"), written after "wearing".
    worn: list[str] = field(default_factory=list)
    #: Phrases that attach as written ("standing in a dark forest", "made of glass").
    attached: list[str] = field(default_factory=list)
    #: Other things in the picture ("dragons", "a sword").
    objects: list[str] = field(default_factory=list)
    setting: list[str] = field(default_factory=list)
    medium: list[str] = field(default_factory=list)
    style: list[str] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    lighting: list[str] = field(default_factory=list)
    colour: list[str] = field(default_factory=list)
    composition: list[str] = field(default_factory=list)
    mood: list[str] = field(default_factory=list)
    #: Sentences of the input kept as written (a prompt written as prose).
    prose: list[str] = field(default_factory=list)
    #: Quoted text and permutations, kept whole.
    verbatim: list[str] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    dropped: list[AnalysedTerm] = field(default_factory=list)
    terms: list[AnalysedTerm] = field(default_factory=list)
    #: The rewrite rules that changed something in analysis (besides dropping terms).
    applied: list[tuple[str, str, str]] = field(default_factory=list)
    #: The user's spelling: `us` or `uk`.
    spelling: str = "us"
    #: The head is only adjectives ("ornate"): no article goes before it.
    bare_head: bool = False
    #: The head came before any prose sentence (the composed sentence goes first).
    head_first: bool = True
    #: A maker was credited (a following `and X` term continues the credit).
    credited: bool = False
    #: The term just read was a credit (a capitalised name after it continues the list).
    last_credit: bool = False
    #: The term just read was a name the style lexicon knows (a lower-case name after it, with a
    #: known first name or initials, continues the list: `liam wong, jeremy mann`).
    after_style: bool = False
    #: Makers the prompt credits as the work's authors ("painting by …", "directed by …"): the
    #: verb before "by" ("" after a medium) and the names (`Credits.authored`).
    authored: tuple[str, tuple[str, ...]] | None = None
    #: Names in `style` that are a look, not a maker: a movement or aesthetic ("cyberpunk", "Art
    #: Nouveau", "Impressionism"), written "in a cyberpunk style", "in the impressionist style of …".
    looks: set[str] = field(default_factory=set)

    def slots(self) -> dict[str, list[str]]:
        """The brief's slots as lists of phrases (what `RewriteResult.slots` reports)."""
        head = " ".join([*self.adjectives, self.head]).strip()
        subject = ([head] if head else []) + self.features + self.worn + self.attached + self.objects
        return {
            "subject": self.prose + self.verbatim + subject + self.setting,
            "medium": list(self.medium),
            "style": list(self.style) + [f"{t.verb} {t.name}" for t in self.tools],
            "lighting": list(self.lighting),
            "colour": list(self.colour),
            "composition": ([self.shot] if self.shot else []) + list(self.composition),
            "mood": list(self.mood),
        }
