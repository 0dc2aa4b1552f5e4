"""One module per paper figure: a protocol returning a Dataset and a plot of it."""
