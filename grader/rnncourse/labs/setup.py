"""The cells the labs run, and how their weights start out.

Every cell starts the same way, so that differences come from the cell alone:
input weights with entries N(0, 1/D), and each H-by-H block of the recurrent
weights a random orthogonal matrix times ``scale``. An orthogonal block has
every singular value equal to 1, so ``scale`` is exactly the largest singular
value of each block (notes: vanishing.singular-values). Biases start at 0,
except the ones a lab sets on purpose (the LSTM's forget gate, say).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CellKind:
    name: str  # the exercise id and the prefix of its functions: rnn, lstm, gru
    blocks: int  # gate blocks side by side in Wx, Wh and b
    gates: tuple[str, ...]  # the blocks' names, in the course's order

    @property
    def forward(self) -> str:
        return f"{self.name}_forward"

    @property
    def backward(self) -> str:
        return f"{self.name}_backward"


CELLS = {
    "rnn": CellKind("rnn", 1, ("h",)),
    "lstm": CellKind("lstm", 4, ("i", "f", "o", "g")),
    "gru": CellKind("gru", 3, ("z", "r", "n")),
}


def orthogonal(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random orthogonal matrix, uniformly distributed (QR with the signs fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(size, size)))
    return q * np.sign(np.diag(r))


def init_weights(cell: CellKind, inputs: int, hidden: int, rng: np.random.Generator,
                 scale: float = 1.0, biases: dict[str, float] | None = None) -> dict:
    """{"Wx": (D, kH), "Wh": (H, kH), "b": (kH,)} for ``cell``; ``biases`` sets
    whole gate blocks of b, e.g. {"f": 1.0} for the LSTM's forget gate."""
    Wx = rng.normal(size=(inputs, cell.blocks * hidden)) / np.sqrt(inputs)
    Wh = np.concatenate([orthogonal(rng, hidden) for _ in range(cell.blocks)], axis=1) * scale
    b = np.zeros(cell.blocks * hidden)
    for gate, value in (biases or {}).items():
        k = cell.gates.index(gate)
        b[k * hidden:(k + 1) * hidden] = value
    return {"Wx": Wx, "Wh": Wh, "b": b}


def with_bias(weights: dict, cell: CellKind, gate: str, value: float) -> dict:
    """The same weights with one gate block of the bias set to ``value``."""
    hidden = weights["Wh"].shape[0]
    b = weights["b"].copy()
    k = cell.gates.index(gate)
    b[k * hidden:(k + 1) * hidden] = value
    return {**weights, "b": b}
