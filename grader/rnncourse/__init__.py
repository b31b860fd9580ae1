"""rnncourse: auto-graded exercises on vanishing gradients, LSTM and GRU cells."""

__version__ = "0.1.0"
