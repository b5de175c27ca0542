"""The llm engine: a local model does jobs on top of the rules engine (rank, classify, write),
every written brief judged by the guard; the span lock and the trained writer are its two ways
of writing that cannot drop or invent a term."""
