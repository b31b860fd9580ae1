"""Student files written independently of solutions/, for tests: correct ones
with other cache layouts and formulas, which must get full marks."""
